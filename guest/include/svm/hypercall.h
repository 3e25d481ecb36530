/*
 * The svm hypercall ABI.
 *
 * A hypercall is `out dx, eax` with DX = SVM_HYPERCALL_PORT and EAX = the function number (SVM_HC_*).
 * Arguments are in RBX (arg0), RCX (arg1), RSI (arg2), RDI (arg3); outside long mode the 32-bit halves
 * of those registers are used. The result is returned in RAX (EAX); negative values are SVM_E_* errors.
 * All other registers are preserved. Works in real, protected and long mode, at any privilege level
 * the guest allows port I/O.
 *
 * Guest pointers are guest-virtual addresses, translated through the calling vCPU's page tables (or
 * taken as physical when paging is off). A bad pointer or length returns SVM_E_FAULT and is logged;
 * svm never reads or writes outside guest RAM.
 */
#ifndef SVM_HYPERCALL_H
#define SVM_HYPERCALL_H

#include <stdint.h>

#define SVM_HYPERCALL_PORT 0x0500u

/* Function numbers (EAX). */
#define SVM_HC_EXIT        0u /* arg0 = exit code (0-255). Ends the run; svm exits with that code. */
#define SVM_HC_PUTCHAR     1u /* arg0 = byte. Writes it to the console. Returns 0. */
#define SVM_HC_WRITE       2u /* arg0 = buffer (guest-virtual), arg1 = length (<= 1 MiB). Writes the
                                 bytes to the console as one unit. Returns the length. */
#define SVM_HC_PRINT_U32   3u /* arg0 = value, arg1 = SVM_FMT_*. Prints a 32-bit value. Returns 0. */
#define SVM_HC_PRINT_U64   4u /* 64-bit value: RBX in long mode, ECX:EBX (high:low) otherwise;
                                 format in arg2 (RSI). Returns 0. */
#define SVM_HC_EXIT_COUNT  5u /* arg0 = SVM_EXITS_* kind. Returns how many VM exits of that kind
                                 this machine has taken so far (all vCPUs). */
#define SVM_HC_TRANSLATE   6u /* arg0 = guest-virtual address. Returns the guest-physical address it
                                 maps to through this vCPU's page tables, or SVM_E_FAULT. */
#define SVM_HC_CPU_INDEX   7u /* Returns this vCPU's index (0 = bootstrap processor). */
#define SVM_HC_GETCHAR     8u /* Returns the next console input byte, or SVM_E_AGAIN if none is
                                 waiting. Never blocks. */
#define SVM_HC_START_CPU   9u /* arg0 = CPU index, arg1 = entry, arg2 = stack pointer, arg3 = argument.
                                 Starts that application processor directly at `entry`, in the
                                 caller's mode with the caller's CR0/CR3/CR4/EFER, GDT, IDT and
                                 segment registers (so a 64-bit kernel needs no real-mode
                                 trampoline): RIP = entry, RSP = stack, RDI = argument, RSI = CPU
                                 index, RFLAGS = 0x2 (interrupts off), other registers 0. Returns 0,
                                 or SVM_E_INVAL for a bad index, the calling CPU, or a CPU that has
                                 already started (by this call or INIT-SIPI-SIPI). */

/* Number formats for SVM_HC_PRINT_*. Printed values are followed by nothing (no newline). */
#define SVM_FMT_HEX 0u /* 0x-prefixed lowercase hex, zero-padded to the value's width */
#define SVM_FMT_DEC 1u /* unsigned decimal */

/* Kinds for SVM_HC_EXIT_COUNT. */
#define SVM_EXITS_TOTAL 0u
#define SVM_EXITS_IO    1u
#define SVM_EXITS_MMIO  2u
#define SVM_EXITS_HLT   3u
#define SVM_EXITS_DEBUG 4u
#define SVM_EXITS_OTHER 5u

/* Errors (returned in RAX as negative numbers). */
#define SVM_E_INVAL (-1) /* unknown function or bad argument */
#define SVM_E_FAULT (-2) /* a pointer or length outside mapped guest RAM */
#define SVM_E_AGAIN (-3) /* nothing available now (SVM_HC_GETCHAR) */

#if defined(__x86_64__)
static inline long svm_hypercall(unsigned long nr, unsigned long a0, unsigned long a1,
                                 unsigned long a2, unsigned long a3) {
    long ret;
    __asm__ volatile("outl %%eax, %%dx"
                     : "=a"(ret)
                     : "a"(nr), "d"(SVM_HYPERCALL_PORT), "b"(a0), "c"(a1), "S"(a2), "D"(a3)
                     : "memory");
    return ret;
}
#elif defined(__i386__)
static inline long svm_hypercall(unsigned long nr, unsigned long a0, unsigned long a1,
                                 unsigned long a2, unsigned long a3) {
    long ret;
    __asm__ volatile("outl %%eax, %%dx"
                     : "=a"(ret)
                     : "a"(nr), "d"(SVM_HYPERCALL_PORT), "b"(a0), "c"(a1), "S"(a2), "D"(a3)
                     : "memory");
    return ret;
}
#endif

#if defined(__x86_64__) || defined(__i386__)
static inline __attribute__((noreturn)) void svm_exit(unsigned code) {
    svm_hypercall(SVM_HC_EXIT, code, 0, 0, 0);
    for (;;) __asm__ volatile("cli; hlt");
}
static inline void svm_putchar(char c) { svm_hypercall(SVM_HC_PUTCHAR, (unsigned char)c, 0, 0, 0); }
static inline long svm_write(const void* buf, unsigned long len) {
    return svm_hypercall(SVM_HC_WRITE, (unsigned long)buf, len, 0, 0);
}
static inline void svm_print_u32(uint32_t v, unsigned fmt) { svm_hypercall(SVM_HC_PRINT_U32, v, fmt, 0, 0); }
#if defined(__x86_64__)
static inline void svm_print_u64(uint64_t v, unsigned fmt) { svm_hypercall(SVM_HC_PRINT_U64, v, 0, fmt, 0); }
#else
static inline void svm_print_u64(uint64_t v, unsigned fmt) {
    svm_hypercall(SVM_HC_PRINT_U64, (uint32_t)v, (uint32_t)(v >> 32), fmt, 0);
}
#endif
static inline long svm_exit_count(unsigned kind) { return svm_hypercall(SVM_HC_EXIT_COUNT, kind, 0, 0, 0); }
static inline long svm_translate(const void* va) { return svm_hypercall(SVM_HC_TRANSLATE, (unsigned long)va, 0, 0, 0); }
static inline long svm_cpu_index(void) { return svm_hypercall(SVM_HC_CPU_INDEX, 0, 0, 0, 0); }
static inline long svm_getchar(void) { return svm_hypercall(SVM_HC_GETCHAR, 0, 0, 0, 0); }
static inline long svm_start_cpu(unsigned cpu, void (*entry)(void), void* stack, unsigned long arg) {
    return svm_hypercall(SVM_HC_START_CPU, cpu, (unsigned long)entry, (unsigned long)stack, arg);
}
#endif

#endif /* SVM_HYPERCALL_H */
