/*
 * CPU helpers the interrupt and SMP guests need beyond lib/io.h: the time-stamp counter, WRMSR,
 * CPUID, interrupt flag control and a spin-wait hint. Each is one instruction that KVM's emulator
 * handles at CPL0 (KVM-NOTES.md: `rdtsc` works; `rdtscp` does not).
 */
#ifndef GUEST_LIB_CPU_H
#define GUEST_LIB_CPU_H

#include <stdint.h>

/* Returns the time-stamp counter (SDM Vol. 2B, RDTSC). */
static inline uint64_t rdtsc(void) {
    uint32_t lo, hi;
    __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi) : : "memory");
    return ((uint64_t)hi << 32) | lo;
}

/* Writes an MSR (SDM Vol. 2B, WRMSR). */
static inline void wrmsr(uint32_t msr, uint64_t value) {
    __asm__ volatile("wrmsr"
                     :
                     : "c"(msr), "a"((uint32_t)value), "d"((uint32_t)(value >> 32))
                     : "memory");
}

struct cpuid_regs {
    uint32_t eax, ebx, ecx, edx;
};

/* Returns CPUID leaf `leaf`, subleaf `subleaf` (SDM Vol. 2A, CPUID). */
static inline struct cpuid_regs cpuid(uint32_t leaf, uint32_t subleaf) {
    struct cpuid_regs r;
    __asm__ volatile("cpuid"
                     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
                     : "a"(leaf), "c"(subleaf));
    return r;
}

/* CPUID.01H:ECX bit 24: the local APIC timer supports TSC-deadline mode (SDM Vol. 3A, 11.5.4.1). */
#define CPUID_01_ECX_TSC_DEADLINE (1u << 24)

/* Returns the initial APIC id of the calling CPU, CPUID.01H:EBX[31:24]. */
static inline uint32_t cpu_initial_apic_id(void) {
    return cpuid(1, 0).ebx >> 24;
}

static inline void cpu_sti(void) {
    __asm__ volatile("sti" : : : "memory");
}
static inline void cpu_cli(void) {
    __asm__ volatile("cli" : : : "memory");
}

/* Enables interrupts and halts until one arrives; `sti` holds interrupts off for one more
 * instruction (SDM Vol. 2B, STI), so an interrupt pending here wakes the `hlt` instead of being
 * taken before it. Returns with interrupts still enabled. */
static inline void cpu_sti_hlt(void) {
    __asm__ volatile("sti; hlt" : : : "memory");
}

/* Spin-wait hint for busy loops. */
static inline void cpu_relax(void) {
    __asm__ volatile("pause" : : : "memory");
}

#endif /* GUEST_LIB_CPU_H */
