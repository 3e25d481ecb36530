/*
 * fw_cfg.elf: reads QEMU's firmware configuration (QEMU docs/specs/fw_cfg.rst) through both the
 * I/O port interface (selector 0x510, data 0x511) and the DMA interface (0x514/0x518), and checks
 * the CPU count and RAM size against the command line ("cpus=N mem=NM", as the test passes with
 * --cpus and -m) and the etc/e820 file against itself. Multiboot 1, 32-bit, COM1 console.
 */
#include <stdint.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"
#include "multiboot1/multiboot.h"
#include "pc/platform/platform.h"

#define FW_CFG_SELECTOR 0x510
#define FW_CFG_DATA 0x511
#define FW_CFG_DMA_HIGH 0x514
#define FW_CFG_DMA_LOW 0x518
#define FW_CFG_SIGNATURE 0x0000
#define FW_CFG_ID 0x0001
#define FW_CFG_RAM_SIZE 0x0003
#define FW_CFG_NB_CPUS 0x0005
#define FW_CFG_MAX_CPUS 0x000F
#define FW_CFG_FILE_DIR 0x0019
#define DMA_ERROR 0x01u
#define DMA_READ 0x02u
#define DMA_SELECT 0x08u

struct fw_cfg_dma_access {
    uint32_t control; /* big-endian, as every field */
    uint32_t length;
    uint64_t address;
} __attribute__((packed));

struct e820_entry {
    uint64_t base;
    uint64_t length;
    uint32_t type;
} __attribute__((packed));

#define MAX_E820 32
static struct e820_entry e820_io[MAX_E820];
static struct e820_entry e820_dma[MAX_E820];
static uint8_t dir_entry[64];
static volatile struct fw_cfg_dma_access access __attribute__((aligned(16)));

static void io_read(uint16_t selector, void* buf, uint32_t n) {
    outw(FW_CFG_SELECTOR, selector);
    uint8_t* p = buf;
    for (uint32_t i = 0; i < n; ++i) p[i] = inb(FW_CFG_DATA);
}

/* Continues reading the selected item through the data port. */
static void io_continue(void* buf, uint32_t n) {
    uint8_t* p = buf;
    for (uint32_t i = 0; i < n; ++i) p[i] = inb(FW_CFG_DATA);
}

/* Selects `selector` and reads n bytes by DMA. Returns the final control word. */
static uint32_t dma_read(uint16_t selector, void* buf, uint32_t n) {
    access.control = bswap32(((uint32_t)selector << 16) | DMA_SELECT | DMA_READ);
    access.length = bswap32(n);
    access.address = (uint64_t)bswap32((uint32_t)(uintptr_t)buf) << 32;
    outl(FW_CFG_DMA_HIGH, 0);
    outl(FW_CFG_DMA_LOW, bswap32((uint32_t)(uintptr_t)&access));
    return bswap32(access.control);
}

static uint64_t le64(const uint8_t* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

/* Finds a file in the directory through the data port; returns its selector (0 if absent). */
static uint16_t find_file(const char* name, uint32_t* size) {
    uint8_t count_be[4];
    io_read(FW_CFG_FILE_DIR, count_be, 4);
    uint32_t count =
        (uint32_t)count_be[0] << 24 | count_be[1] << 16 | count_be[2] << 8 | count_be[3];
    kprintf("fw_cfg: %u files\n", count);
    for (uint32_t i = 0; i < count; ++i) {
        io_continue(dir_entry, 64);
        const char* n = (const char*)&dir_entry[8];
        int same = 1;
        for (int k = 0; name[k] || n[k]; ++k)
            if (name[k] != n[k]) {
                same = 0;
                break;
            }
        if (same) {
            *size = (uint32_t)dir_entry[0] << 24 | dir_entry[1] << 16 | dir_entry[2] << 8 |
                    dir_entry[3];
            return (uint16_t)(dir_entry[4] << 8 | dir_entry[5]);
        }
    }
    return 0;
}

void kernel_main(uint32_t magic, const struct multiboot_info* mbi) {
    console_use(CONSOLE_COM1);
    kputs("fw_cfg: reading QEMU's firmware configuration\n");
    const char* cmdline =
        (magic == MULTIBOOT_BOOTLOADER_MAGIC && (mbi->flags & MULTIBOOT_INFO_CMDLINE))
            ? (const char*)mbi->cmdline
            : 0;
    uint32_t want_cpus = cmdline_number(cmdline, "cpus", 0);
    uint32_t want_mem = cmdline_number(cmdline, "mem", 0);
    check_that("cmdline has cpus= and mem=", want_cpus != 0 && want_mem != 0,
               cmdline ? cmdline : "none", "cpus=N mem=NM");

    /* I/O port interface. */
    char sig[5] = {0};
    io_read(FW_CFG_SIGNATURE, sig, 4);
    check_that("io signature", sig[0] == 'Q' && sig[1] == 'E' && sig[2] == 'M' && sig[3] == 'U',
               sig, "QEMU");
    uint32_t id = 0;
    io_read(FW_CFG_ID, &id, 4);
    check_eq("io id traditional", id & 1, 1);
    check_eq("io id dma", id & 2, 2);
    uint8_t ram_le[8];
    io_read(FW_CFG_RAM_SIZE, ram_le, 8);
    uint64_t ram = le64(ram_le);
    uint16_t cpus = 0, max_cpus = 0;
    io_read(FW_CFG_NB_CPUS, &cpus, 2);
    io_read(FW_CFG_MAX_CPUS, &max_cpus, 2);
    kprintf("fw_cfg: io: %u cpus (max %u), %u MiB RAM\n", cpus, max_cpus, (unsigned)(ram >> 20));
    check_eq_dec("io cpus", cpus, want_cpus);
    check_that("io max cpus", max_cpus >= cpus, "fewer than cpus", ">= cpus");
    check_eq("io ram size", ram, want_mem);

    /* DMA interface. */
    uint32_t dma_sig_high = inl(FW_CFG_DMA_HIGH), dma_sig_low = inl(FW_CFG_DMA_LOW);
    check_eq("dma signature", ((uint64_t)bswap32(dma_sig_high) << 32) | bswap32(dma_sig_low),
             0x51454D5520434647ull);
    uint8_t dma_ram[8] = {0};
    uint16_t dma_cpus = 0;
    check_eq("dma ram control", dma_read(FW_CFG_RAM_SIZE, dma_ram, 8), 0);
    check_eq("dma ram size", le64(dma_ram), want_mem);
    check_eq("dma cpus control", dma_read(FW_CFG_NB_CPUS, &dma_cpus, 2), 0);
    check_eq_dec("dma cpus", dma_cpus, want_cpus);

    /* etc/e820 through both interfaces. */
    uint32_t size = 0;
    uint16_t sel = find_file("etc/e820", &size);
    check_that("e820 file listed", sel != 0, "absent", "etc/e820");
    uint32_t n = size / sizeof(struct e820_entry);
    check_that("e820 size", sel != 0 && size % 20 == 0 && n > 0 && n <= MAX_E820, "bad",
               "n * 20 bytes");
    if (check_failures()) platform_finish();
    io_read(sel, e820_io, size);
    check_eq("dma e820 control", dma_read(sel, e820_dma, size), 0);
    const uint8_t* a = (const uint8_t*)e820_io;
    const uint8_t* b = (const uint8_t*)e820_dma;
    int same = 1;
    for (uint32_t i = 0; i < size; ++i) same &= a[i] == b[i];
    check_that("e820 io == dma", same, "different", "the same bytes");
    uint64_t ram_end = 0;
    for (uint32_t i = 0; i < n; ++i) {
        kprintf("e820 %u: base 0x%llx length 0x%llx type %u\n", i,
                (unsigned long long)e820_io[i].base, (unsigned long long)e820_io[i].length,
                e820_io[i].type);
        uint64_t end = e820_io[i].base + e820_io[i].length;
        if (e820_io[i].type == 1 && end > ram_end) ram_end = end;
    }
    /* Below 4 GiB the RAM ends where -m says (both svm and QEMU -m 64M). */
    check_eq("e820 ram end", ram_end, want_mem);

    /* A DMA read into memory that does not exist must fail, not write anywhere. */
    access.control = bswap32(((uint32_t)FW_CFG_SIGNATURE << 16) | DMA_SELECT | DMA_READ);
    access.length = bswap32(4);
    access.address = (uint64_t)bswap32(0x00000001u); /* 0x1'00000000: beyond RAM */
    outl(FW_CFG_DMA_HIGH, 0);
    outl(FW_CFG_DMA_LOW, bswap32((uint32_t)(uintptr_t)&access));
    kprintf("fw_cfg: dma to a missing address: control 0x%x\n", bswap32(access.control));
    platform_finish();
}
