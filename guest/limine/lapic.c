/*
 * Local APIC register access in whichever mode the loader left it (Intel SDM Vol. 3A, 11.4
 * "Local APIC" and 11.12 "Extended XAPIC (x2APIC)"): through MSR 0x800 + reg/16 when
 * IA32_APIC_BASE.EXTD (bit 10) is set, else through the xAPIC page at IA32_APIC_BASE, read
 * through the identity map of the low 4 GiB that svm keeps for every base revision.
 */
#include "lib/io.h"
#include "limine/limine_guest.h"

#define MSR_APIC_BASE 0x1Bu
#define APIC_BASE_EXTD (1ull << 10)

uint32_t lapic_read(uint32_t reg) {
    uint64_t base = rdmsr(MSR_APIC_BASE);
    if (base & APIC_BASE_EXTD) return (uint32_t)rdmsr(0x800u + (reg >> 4));
    return *(volatile uint32_t*)(uintptr_t)((base & 0xFFFFFF000ull) + reg);
}

uint32_t lapic_id(void) {
    uint32_t id = lapic_read(0x20);
    return (rdmsr(MSR_APIC_BASE) & APIC_BASE_EXTD) ? id : id >> 24;
}
