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
#include "lib/hostile.h"

void kmain(const struct svm_machine* m) {
    (void)m;
    __asm__ volatile("cli");
    uint32_t state = 0x2545f491u;
    uint32_t sum = 0;
    for (uint32_t port = 0; port <= 0xffff; ++port) {
        if (hostile_port_reserved(port)) continue;
        uint32_t v = hostile_random(&state);
        hostile_out((uint16_t)port, v, (v & 3) < 2 ? v >> 8 : v);
        sum += hostile_inl((uint16_t)port);
    }
    /* Unclaimed MMIO in the hole above RAM (the low 4 GiB are identity-mapped). */
    for (uint64_t addr = 0xc0000000u; addr < 0xc0010000u; addr += 0x1000) {
        volatile uint32_t* mmio = (volatile uint32_t*)(uintptr_t)addr;
        *mmio = hostile_random(&state);
        sum += *mmio;
    }
    kprintf("port_garbage: survived (checksum %x)\n", sum);
    check_finish(0);
}
