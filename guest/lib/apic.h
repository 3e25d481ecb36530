/*
 * Local APIC (xAPIC MMIO at SVM_LAPIC_ADDR) and I/O APIC helpers for svm's interrupt and SMP test
 * guests. Register offsets and bit layouts: Intel SDM Vol. 3A, chapter 11 (Table 11-1 for the
 * local APIC registers, 11.5.4 for the timer, 11.6.1 for the ICR); I/O APIC: Intel 82093AA
 * datasheet, 3.2 (IOREGSEL/IOWIN) and 3.2.4 (redirection table).
 *
 * The local APIC window is the same address on every CPU; each access reaches the calling CPU's
 * own APIC.
 */
#ifndef GUEST_LIB_APIC_H
#define GUEST_LIB_APIC_H

#include <stdint.h>

/* Local APIC register offsets (SDM Vol. 3A, Table 11-1). */
#define LAPIC_ID 0x020u
#define LAPIC_VERSION 0x030u
#define LAPIC_TPR 0x080u
#define LAPIC_EOI 0x0B0u
#define LAPIC_SVR 0x0F0u
#define LAPIC_ESR 0x280u
#define LAPIC_ICR_LOW 0x300u
#define LAPIC_ICR_HIGH 0x310u
#define LAPIC_LVT_TIMER 0x320u
#define LAPIC_LVT_LINT0 0x350u
#define LAPIC_LVT_LINT1 0x360u
#define LAPIC_LVT_ERROR 0x370u
#define LAPIC_TIMER_INITIAL 0x380u
#define LAPIC_TIMER_CURRENT 0x390u
#define LAPIC_TIMER_DIVIDE 0x3E0u

#define LAPIC_SVR_ENABLE (1u << 8)
#define LAPIC_LVT_MASKED (1u << 16)

/* LVT timer modes, bits 18:17 (SDM Vol. 3A, 11.5.4 and figure 11-8). */
#define LAPIC_TIMER_ONESHOT (0u << 17)
#define LAPIC_TIMER_PERIODIC (1u << 17)
#define LAPIC_TIMER_TSC_DEADLINE (2u << 17)

/* Divide configuration register values (SDM Vol. 3A, figure 11-10). */
#define LAPIC_DIVIDE_1 0xBu
#define LAPIC_DIVIDE_16 0x3u

/* ICR bits (SDM Vol. 3A, 11.6.1 figure 11-12). */
#define LAPIC_ICR_DELIVERY_STATUS (1u << 12)
#define LAPIC_ICR_INIT (5u << 8)
#define LAPIC_ICR_STARTUP (6u << 8)
#define LAPIC_ICR_LEVEL_ASSERT (1u << 14)
#define LAPIC_ICR_TRIGGER_LEVEL (1u << 15)

/* IA32_TSC_DEADLINE (SDM Vol. 3A, 11.5.4.1). */
#define MSR_TSC_DEADLINE 0x6E0u

/* The spurious-interrupt vector lapic_enable() programs; no EOI is due for it (SDM 11.9). */
#define LAPIC_SPURIOUS_VECTOR 0xFFu

/* Returns the local APIC register at `offset`. */
uint32_t lapic_read(uint32_t offset);

/* Writes the local APIC register at `offset`. */
void lapic_write(uint32_t offset, uint32_t value);

/* Software-enables the calling CPU's local APIC: SVR = enable | LAPIC_SPURIOUS_VECTOR, TPR = 0,
 * LINT0/LINT1/error LVTs masked, timer LVT masked. */
void lapic_enable(void);

/* Returns the calling CPU's local APIC id (ID register bits 31:24, xAPIC mode). */
uint32_t lapic_id(void);

/* Signals end of interrupt to the calling CPU's local APIC. */
void lapic_eoi(void);

/* Programs the timer: LVT = mode | vector (unmasked), divide register = `divide`
 * (LAPIC_DIVIDE_*), then the initial count (writing it starts the count, SDM 11.5.4). For
 * LAPIC_TIMER_TSC_DEADLINE, `initial_count` is ignored: arm it with wrmsr(MSR_TSC_DEADLINE). */
void lapic_timer_start(uint8_t vector, uint32_t mode, uint32_t divide, uint32_t initial_count);

/* Stops the timer: masks its LVT, zeroes the initial count and disarms IA32_TSC_DEADLINE when the
 * LVT was in TSC-deadline mode. */
void lapic_timer_stop(void);

/* Sends an IPI: ICR high = destination APIC id << 24, then ICR low = `low`. Polls the delivery
 * status bit afterwards, at most about 100,000 reads. Returns 0 once the IPI was sent, -1 if the
 * delivery status never cleared. */
int lapic_send_ipi(uint32_t apic_id, uint32_t low);

/* I/O APIC register access through IOREGSEL/IOWIN at `base` (82093AA datasheet, 3.1). */
uint32_t ioapic_read(uintptr_t base, uint32_t reg);
void ioapic_write(uintptr_t base, uint32_t reg, uint32_t value);

/* Returns the number of redirection entries (IOAPICVER bits 23:16, plus one). */
uint32_t ioapic_pin_count(uintptr_t base);

/* Redirection entry flags (82093AA datasheet, 3.2.4). */
#define IOAPIC_ACTIVE_LOW (1u << 13)
#define IOAPIC_LEVEL (1u << 15)
#define IOAPIC_MASKED (1u << 16)

/* Programs redirection entry `pin`: fixed delivery, physical destination `apic_id`, `vector`,
 * plus `flags` (IOAPIC_LEVEL, IOAPIC_ACTIVE_LOW, IOAPIC_MASKED). */
void ioapic_route(uintptr_t base, uint32_t pin, uint8_t vector, uint32_t apic_id, uint32_t flags);

/* Sets or clears the mask bit of redirection entry `pin`, keeping the rest. */
void ioapic_mask(uintptr_t base, uint32_t pin, int masked);

/* Remaps both 8259 PICs to vectors 0x20-0x2F (ICW1-ICW4, 8259A datasheet) and masks every IRQ,
 * so an I/O APIC guest sees nothing from them. */
void pic_disable(void);

#endif /* GUEST_LIB_APIC_H */
