/* port_garbage.elf: a hostile guest. It writes pseudo-random bytes, words and dwords to every I/O
 * port (except the exit ports 0xF4-0xF7 and the hypercall port 0x500-0x503, which would end the
 * run), reads every port back, and pokes unclaimed MMIO. svm must survive it: the guest then
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
    return (port >= 0xf4 && port <= 0xf7) || (port >= 0x500 && port <= 0x503);
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
