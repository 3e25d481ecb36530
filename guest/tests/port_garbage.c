/* port_garbage.elf: a hostile guest. It writes pseudo-random bytes, words and dwords to every I/O
 * port except those whose job is to end the run or to make a device write guest RAM (the exit
 * ports 0xF4-0xF7, the hypercall port 0x500-0x503, the i8042 0x60-0x64 whose command 0xFE and
 * output port reset the machine, port 0x92's fast reset, fw_cfg's DMA 0x510-0x51B, the PCI/reset
 * control ports 0xCF8-0xCFF, and the ACPI power-off ports 0x600-0x60B, 0xB000-0xB00F and 0x4004),
 * reads every port back, and pokes unclaimed MMIO. svm must survive it: the guest then
 * prints `port_garbage: survived` through the hypercall console and exits 0. */
#include <stdint.h>
#include <svm/machine.h>

#include "lib/check.h"
#include "lib/console.h"

static uint32_t state = 0x2545f491u;

static uint32_t next_random(void) {
    /* xorshift32 */
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
}

static int is_reserved(uint32_t port) {
    /* A word or dword access reaches up to 3 ports further: keep it clear of the ranges too. */
    static const struct {
        uint32_t first, last;
    } ranges[] = {{0x60, 0x64},   {0x92, 0x92},   {0xf4, 0xf7},     {0x500, 0x503}, {0x510, 0x51b},
                  {0xcf8, 0xcff}, {0x600, 0x60b}, {0xb000, 0xb00f}, {0x4004, 0x4005}};
    for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
        if (port + 3 >= ranges[i].first && port <= ranges[i].last) return 1;
    return 0;
}

void kmain(const struct svm_machine* m) {
    (void)m;
    __asm__ volatile("cli");
    uint32_t sum = 0;
    for (uint32_t port = 0; port <= 0xffff; ++port) {
        if (is_reserved(port)) continue;
        uint32_t v = next_random();
        uint16_t p = (uint16_t)port;
        switch (v & 3) {
            case 0: __asm__ volatile("outb %b0, %w1" : : "a"(v >> 8), "Nd"(p)); break;
            case 1: __asm__ volatile("outw %w0, %w1" : : "a"(v >> 8), "Nd"(p)); break;
            default: __asm__ volatile("outl %0, %w1" : : "a"(v), "Nd"(p)); break;
        }
        uint32_t in;
        __asm__ volatile("inl %w1, %0" : "=a"(in) : "Nd"(p));
        sum += in;
    }
    /* Unclaimed MMIO in the hole above RAM (the low 4 GiB are identity-mapped). */
    for (uint64_t addr = 0xc0000000u; addr < 0xc0010000u; addr += 0x1000) {
        volatile uint32_t* mmio = (volatile uint32_t*)(uintptr_t)addr;
        *mmio = next_random();
        sum += *mmio;
    }
    kprintf("port_garbage: survived (checksum %x)\n", sum);
    check_finish(0);
}
