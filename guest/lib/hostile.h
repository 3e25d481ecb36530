/*
 * Helpers for svm's hostile test guests (port_garbage.elf, chaos.elf): a pseudo-random generator
 * and the I/O ports such a guest leaves alone because their job is to end the run or to make a
 * device write guest RAM.
 */
#ifndef GUEST_LIB_HOSTILE_H
#define GUEST_LIB_HOSTILE_H

#include <stdint.h>

/* xorshift32 (Marsaglia, "Xorshift RNGs", 2003): advances *state (never 0) and returns it. */
static inline uint32_t hostile_random(uint32_t* state) {
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* True if a byte, word or dword access at `port` could touch a port that ends the run or makes a
 * device write guest RAM: the exit ports 0xF4-0xF7, the hypercall port 0x500-0x503, the i8042
 * 0x60-0x64 (command 0xFE and the output port reset the machine), port 0x92's fast reset, fw_cfg's
 * DMA 0x510-0x51B, the PCI/reset control ports 0xCF8-0xCFF and the ACPI power-off ports
 * 0x600-0x60B, 0xB000-0xB00F and 0x4004. A dword access reaches 3 ports further. */
static inline int hostile_port_reserved(uint32_t port) {
    static const struct {
        uint32_t first, last;
    } ranges[] = {{0x60, 0x64},   {0x92, 0x92},   {0xf4, 0xf7},     {0x500, 0x503}, {0x510, 0x51b},
                  {0xcf8, 0xcff}, {0x600, 0x60b}, {0xb000, 0xb00f}, {0x4004, 0x4005}};
    for (unsigned i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
        if (port + 3 >= ranges[i].first && port <= ranges[i].last) return 1;
    return 0;
}

/* Writes the low bits of `value` to `port` as a byte, word or dword (chosen by `how` & 3). */
static inline void hostile_out(uint16_t port, uint32_t how, uint32_t value) {
    switch (how & 3) {
        case 0: __asm__ volatile("outb %b0, %w1" : : "a"(value), "Nd"(port)); break;
        case 1: __asm__ volatile("outw %w0, %w1" : : "a"(value), "Nd"(port)); break;
        default: __asm__ volatile("outl %0, %w1" : : "a"(value), "Nd"(port)); break;
    }
}

static inline uint32_t hostile_inl(uint16_t port) {
    uint32_t value;
    __asm__ volatile("inl %w1, %0" : "=a"(value) : "Nd"(port));
    return value;
}

#endif
