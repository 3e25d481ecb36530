/*
 * Port I/O and control-register accessors for svm's test guests (32- and 64-bit).
 *
 * Everything here is one instruction that KVM's emulator handles at CPL0, including on nested
 * KVM-PVM hosts (see /work/shared/KVM-NOTES.md): no x87, SSE, int n or iret.
 */
#ifndef GUEST_LIB_IO_H
#define GUEST_LIB_IO_H

#include <stdint.h>

static inline void outb(uint16_t port, uint8_t value) {
    __asm__ volatile("outb %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline uint8_t inb(uint16_t port) {
    uint8_t value;
    __asm__ volatile("inb %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}

static inline void outw(uint16_t port, uint16_t value) {
    __asm__ volatile("outw %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline uint16_t inw(uint16_t port) {
    uint16_t value;
    __asm__ volatile("inw %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}

static inline void outl(uint16_t port, uint32_t value) {
    __asm__ volatile("outl %0, %1" : : "a"(value), "Nd"(port) : "memory");
}

static inline uint32_t inl(uint16_t port) {
    uint32_t value;
    __asm__ volatile("inl %1, %0" : "=a"(value) : "Nd"(port) : "memory");
    return value;
}

static inline unsigned long read_cr0(void) {
    unsigned long v;
    __asm__ volatile("mov %%cr0, %0" : "=r"(v));
    return v;
}

static inline void write_cr0(unsigned long v) {
    __asm__ volatile("mov %0, %%cr0" : : "r"(v));
}

static inline unsigned long read_cr3(void) {
    unsigned long v;
    __asm__ volatile("mov %%cr3, %0" : "=r"(v));
    return v;
}

static inline unsigned long read_cr4(void) {
    unsigned long v;
    __asm__ volatile("mov %%cr4, %0" : "=r"(v));
    return v;
}

/* Returns the MSR's value (Intel SDM Vol. 2B, RDMSR). */
static inline uint64_t rdmsr(uint32_t msr) {
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return ((uint64_t)hi << 32) | lo;
}

/* Returns the current instruction pointer (an address inside the caller). */
static inline uintptr_t current_ip(void) {
    uintptr_t ip;
#if defined(__x86_64__)
    __asm__ volatile("lea 0(%%rip), %0" : "=r"(ip));
#else
    __asm__ volatile("call 1f\n1: pop %0" : "=r"(ip));
#endif
    return ip;
}

/* Control-register and MSR bits, Intel SDM Vol. 3A, 2.5 and 2.2.1. */
#define CR0_PE (1ul << 0)
#define CR0_MP (1ul << 1)
#define CR0_EM (1ul << 2)
#define CR0_TS (1ul << 3)
#define CR0_PG (1ul << 31)
#define CR4_PAE (1ul << 5)
#define MSR_EFER 0xC0000080u
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)

/* Stops the CPU for good: interrupts off, then halt (svm reports a halted vCPU). */
static inline __attribute__((noreturn)) void halt_forever(void) {
    for (;;) __asm__ volatile("cli; hlt");
}

#endif /* GUEST_LIB_IO_H */
