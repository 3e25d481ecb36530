/*
 * The svm machine table: how a guest discovers its RAM, svm's reserved ranges, devices and CPUs.
 *
 * svm writes one table at SVM_MACHINE_TABLE_ADDR before the first instruction and passes its
 * address at entry (see docs/machine.md: RDI in 64-bit starts, EBX in 32-bit and real-mode starts,
 * ESI for Multiboot 1, a tag for Multiboot 2). All fields are little-endian; the structures are
 * packed and use fixed-size types so C, C++ and assembly agree. This header is shared by svm and
 * its guests: it is the single definition of the format.
 *
 * Validate a table by checking `signature`, `version` and that the bytes [0, total_size) sum to 0
 * modulo 256.
 */
#ifndef SVM_MACHINE_H
#define SVM_MACHINE_H

#include <stdint.h>

/* Guest-physical layout: the default addresses of what svm places in guest memory. When no kernel
 * segment, module or --load-file covers them, svm uses exactly these (all in [SVM_RESERVED_START,
 * SVM_RESERVED_END)); an area that a loaded range covers moves to free RAM instead, and the entry
 * registers, the machine table and every memory map say where (docs/machine.md, "Memory").
 * Everything svm writes and the legacy hole [0xA0000, 0x100000) are reserved in every map. */
#define SVM_RESERVED_START 0x00070000u     /* first byte svm owns */
#define SVM_BOOT_STACK_TOP 0x00080000u     /* initial stack pointer, stack grows down from here */
#define SVM_MACHINE_TABLE_ADDR 0x00080000u /* this table, at most SVM_MACHINE_TABLE_MAX bytes */
#define SVM_MACHINE_TABLE_MAX 0x00002000u
#define SVM_GDT_ADDR 0x00082000u       /* boot GDT (see SVM_SEL_*) and TSS */
#define SVM_BOOT_INFO_ADDR 0x00083000u /* Multiboot information, command line, module names */
#define SVM_BOOT_INFO_END 0x00090000u
#define SVM_ACPI_ADDR 0x00090000u        /* reserved for ACPI tables */
#define SVM_PAGE_TABLES_ADDR 0x00091000u /* boot page tables, up to the EBDA's page */
#define SVM_EBDA_ADDR 0x0009FC00u        /* extended BIOS data area (1 KiB), RSDP copy inside */
#define SVM_RESERVED_END 0x000A0000u
#define SVM_LEGACY_HOLE_END 0x00100000u /* [SVM_RESERVED_END, 1 MiB) is reserved (legacy) */

/* Selectors of the boot GDT that svm loads for protected-mode and long-mode starts. */
#define SVM_SEL_CODE64 0x08u
#define SVM_SEL_DATA 0x10u
#define SVM_SEL_CODE32 0x18u
#define SVM_SEL_TSS 0x20u

/* EAX at entry for svm's own (non-Multiboot) starts: flat binaries, ELF32 and ELF64. */
#define SVM_BOOT_MAGIC 0x53564D21u /* "SVM!" */

/* Multiboot 2 information tag svm adds: struct svm_multiboot2_machine_tag, pointing at this table.
 * Loaders that do not know the type skip it, as the Multiboot 2 specification requires. */
#define SVM_MULTIBOOT2_TAG_MACHINE 0x53564d00u
struct svm_multiboot2_machine_tag {
    uint32_t type;          /* SVM_MULTIBOOT2_TAG_MACHINE */
    uint32_t size;          /* 16 */
    uint64_t machine_table; /* guest-physical address of struct svm_machine */
} __attribute__((packed));

#define SVM_MACHINE_SIGNATURE "SVMMACH" /* 8 bytes including the NUL */
#define SVM_MACHINE_VERSION 1u

/* Memory range types (struct svm_mem_range.type). */
#define SVM_MEM_RAM 1u      /* usable RAM */
#define SVM_MEM_RESERVED 2u /* RAM that svm uses or that is reserved by convention; do not touch \
                             */
#define SVM_MEM_KERNEL 3u   /* RAM that holds the loaded kernel image */
#define SVM_MEM_MODULE 4u   /* RAM that holds a boot module (--module) */
/* (--load-file ranges are SVM_MEM_KERNEL: they are part of the image the user booted.) */

/* Device types (struct svm_device.type). */
#define SVM_DEV_UART16550 1u /* 16550A UART; io_base/io_size */
#define SVM_DEV_DEBUGCON 2u  /* port 0xE9 debug console: every byte written is printed */
#define SVM_DEV_EXIT 3u      /* isa-debug-exit compatible: writing v exits with (v << 1) | 1 */
#define SVM_DEV_HYPERCALL 4u /* the svm hypercall port, see <svm/hypercall.h> */
#define SVM_DEV_LAPIC 5u     /* local APIC of every CPU (xAPIC MMIO window, x2APIC MSRs) */
#define SVM_DEV_IOAPIC 6u    /* I/O APIC: mmio_base/size; irq = its first GSI (0); 24 pins */
#define SVM_DEV_PIT 7u       /* 8254 PIT at ports 0x40-0x43; irq = its GSI (0) */
#define SVM_DEV_PIC                                                        \
    8u /* 8259 PIC pair (0x20-0x21 master, 0xA0-0xA1 slave); masked by the \
          guest when it uses the I/O APIC */
#define SVM_DEV_VGA_TEXT                                                 \
    9u /* VGA text screen: io_base/size = the VGA registers 0x3C0-0x3DF, \
          mmio_base/size = the 80x25 text buffer at 0xB8000 (plain RAM) */
/* Platform devices (docs/devices.md): */
#define SVM_DEV_PCI_HOST                                                                      \
    10u                     /* PCI configuration mechanism #1 at 0xCF8-0xCFF (io_size 8) with \
                              a host bridge at 00:00.0 */
#define SVM_DEV_FW_CFG 11u  /* QEMU fw_cfg: selector 0x510, data 0x511, DMA address 0x514 */
#define SVM_DEV_ACPI_PM 12u /* ACPI PM1a event/control and PM timer, 0x600-0x60B; irq = SCI */
#define SVM_DEV_HPET 13u    /* HPET: mmio_base/size; irq = SVM_IRQ_NONE (routed per timer) */
#define SVM_DEV_RESET 14u   /* reset control register 0xCF9 (a byte inside the PCI range) */
/* Input devices (docs/devices.md): */
#define SVM_DEV_I8042                                                          \
    15u /* i8042 PS/2 controller: data 0x60 and status/command 0x64 (the entry \
           spans 0x60-0x64; 0x61-0x63 are not its ports); irq = 1 (keyboard),  \
           the mouse on its second port is IRQ 12 */
#define SVM_DEV_RTC                                                          \
    16u /* CMOS RAM and MC146818 RTC: index 0x70 (bit 7 = NMI disable), data \
           0x71; irq = 8 */
/* Display (docs/devices.md, "Display adapter (Bochs VBE)"): */
#define SVM_DEV_DISPLAY                                                        \
    17u /* Bochs VBE adapter, QEMU's "std VGA" (PCI 1234:1111 at 00:02.0):     \
           io_base/size = the index and data ports 0x1CE-0x1D0, mmio_base/size \
           = the linear framebuffer (PCI BAR0); the mode at entry is           \
           svm_machine.display */

/* Virtio devices (docs/devices.md, "Virtio devices"); bits 0-15 of `reserved` hold the virtio
   device ID (virtio 1.2, 5: 1 network, 2 block, 4 entropy), bits 16-23 a virtio-pci function's
   device number on PCI bus 0 (function 0): */
#define SVM_VIRTIO_ID(dev) ((dev)->reserved & 0xFFFFu)
#define SVM_VIRTIO_PCI_DEVICE(dev) (((dev)->reserved >> 16) & 0xFFu)
#define SVM_DEV_VIRTIO_PCI                                                     \
    18u /* virtio-pci function: mmio_base/size = its memory BAR as svm assigned \
           it; irq = the ISA IRQ of its INTA# */
#define SVM_DEV_VIRTIO_MMIO                                                \
    19u /* virtio-mmio version 2 register window: mmio_base/size; irq = its \
           ISA IRQ */

/* Interrupt controller addresses (also in the ACPI MADT at machine->acpi_rsdp). */
#define SVM_LAPIC_ADDR 0xFEE00000u
#define SVM_IOAPIC_ADDR 0xFEC00000u

#define SVM_IRQ_NONE 0xFFFFFFFFu

struct svm_mem_range {
    uint64_t base;
    uint64_t length;
    uint32_t type; /* SVM_MEM_* */
    uint32_t reserved;
} __attribute__((packed));

struct svm_device {
    uint32_t type;    /* SVM_DEV_* */
    uint32_t irq;     /* interrupt line (ISA IRQ / GSI) or SVM_IRQ_NONE */
    uint16_t io_base; /* first I/O port, or 0 */
    uint16_t io_size; /* number of I/O ports, or 0 */
    uint32_t reserved;
    uint64_t mmio_base; /* first MMIO address, or 0 */
    uint64_t mmio_size; /* MMIO length, or 0 */
    char name[16];      /* NUL-terminated, e.g. "com1" */
} __attribute__((packed));

struct svm_cpu {
    uint32_t index;   /* vCPU index, 0 = bootstrap processor */
    uint32_t apic_id; /* local APIC id */
    uint32_t flags;   /* SVM_CPU_* */
    uint32_t reserved;
} __attribute__((packed));

#define SVM_CPU_BSP 1u

/* Display mode types (struct svm_framebuffer.type), as Multiboot's framebuffer_type. */
#define SVM_FB_INDEXED 0u /* 8 bpp through the VGA DAC palette */
#define SVM_FB_RGB 1u     /* direct colour; the position and size fields say where each colour is */
#define SVM_FB_TEXT 2u    /* VGA text: 80x25 cells of character + attribute at 0xB8000 */

/* The display mode at entry: VGA text unless the kernel asked for graphics (a Multiboot video
 * request) and svm set a linear framebuffer mode for it. The guest may change it later (Bochs
 * VBE registers); this records the start. */
struct svm_framebuffer {
    uint64_t address; /* guest-physical address of the first visible pixel (0xB8000 for text) */
    uint32_t width;   /* pixels (columns for text) */
    uint32_t height;  /* pixels (rows for text) */
    uint32_t pitch;   /* bytes from one row to the next */
    uint8_t bpp;      /* bits per pixel (16 for text: character and attribute bytes) */
    uint8_t type;     /* SVM_FB_* */
    uint8_t red_position, red_size, green_position, green_size, blue_position, blue_size;
    uint8_t reserved[8];
} __attribute__((packed));

struct svm_machine {
    char signature[8];    /* SVM_MACHINE_SIGNATURE */
    uint16_t version;     /* SVM_MACHINE_VERSION */
    uint16_t header_size; /* sizeof(struct svm_machine) */
    uint32_t total_size;  /* header plus all arrays, bytes */
    uint8_t checksum;     /* makes the bytes [0, total_size) sum to 0 mod 256 */
    uint8_t reserved0[7];
    uint64_t ram_size;   /* bytes of RAM starting at guest-physical 0 */
    uint64_t acpi_rsdp;  /* guest-physical address of the ACPI RSDP, or 0 */
    uint64_t cmdline;    /* guest-physical address of the NUL-terminated command line, or 0 */
    uint32_t mem_count;  /* number of struct svm_mem_range at mem_offset */
    uint32_t mem_offset; /* byte offset from the start of this table */
    uint32_t dev_count;
    uint32_t dev_offset;
    uint32_t cpu_count;
    uint32_t cpu_offset;
    /* Fields below were added after the first release: present when header_size covers them. */
    struct svm_framebuffer display; /* the display mode at entry */
} __attribute__((packed));

#endif /* SVM_MACHINE_H */
