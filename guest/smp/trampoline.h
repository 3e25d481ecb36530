/*
 * The real-mode AP trampoline of smp_sipi.elf (smp/trampoline.S). The BSP copies the bytes
 * [trampoline_start, trampoline_end) to TRAMPOLINE_ADDR, fills the struct trampoline_params at
 * trampoline_params_offset() inside the copy, and sends INIT-SIPI-SIPI with vector
 * TRAMPOLINE_ADDR >> 12 (Intel SDM Vol. 3A, 9.4.4.1: the AP starts in real mode at
 * vector:0000 = vector << 12).
 *
 * The trampoline goes from real mode straight to 64-bit long mode (PAE, CR3, EFER.LME, then
 * CR0.PE|PG together; SDM Vol. 3A, 9.8.5), loads its own GDT, takes a stack slot with `lock
 * xadd`, and calls entry(slot) with interrupts off on stack_base + (slot + 1) * stack_size.
 */
#ifndef GUEST_SMP_TRAMPOLINE_H
#define GUEST_SMP_TRAMPOLINE_H

#include <stdint.h>

/* Below 1 MiB, 4 KiB aligned and below svm's reserved range. */
#define TRAMPOLINE_ADDR 0x8000u

struct trampoline_params {
    uint64_t cr3;        /* +0: page tables (below 4 GiB) */
    uint64_t entry;      /* +8: void entry(uint32_t slot), never returns */
    uint64_t stack_base; /* +16 */
    uint64_t stack_size; /* +24 */
    uint32_t next_slot;  /* +32: incremented by each AP; the BSP sets it to 0 */
    uint32_t reserved;
} __attribute__((packed));

extern const uint8_t trampoline_start[];
extern const uint8_t trampoline_end[];
extern const uint8_t trampoline_params[];

#endif /* GUEST_SMP_TRAMPOLINE_H */
