/*
 * Time for svm's interrupt and SMP test guests: the 8254 PIT (ports 0x40-0x43 and the channel 2
 * gate at port 0x61; Intel 8254 datasheet), used to calibrate the TSC and the local APIC timer,
 * and TSC-based delays and deadlines.
 */
#ifndef GUEST_LIB_TIMER_H
#define GUEST_LIB_TIMER_H

#include <stdint.h>

/* The PIT's input clock, Hz. */
#define PIT_HZ 1193182u

struct timer_calibration {
    uint64_t tsc_hz;         /* TSC cycles per second */
    uint64_t lapic_hz_div16; /* local APIC timer counts per second at LAPIC_DIVIDE_16 */
};

/* Measures the TSC and the calling CPU's local APIC timer (divide by 16, masked, one-shot) against
 * 10 ms of PIT channel 2 in mode 0, polling its output through port 0x61 bit 5 with interrupts
 * off. Returns 0 and fills *out on success; returns -1 if the PIT output never went high (about
 * 500,000 polls), leaving *out unchanged. Leaves the LAPIC timer stopped and masked. */
int timer_calibrate(struct timer_calibration* out);

/* Programs PIT channel 0 in mode 2 (rate generator) at `hz` (19..1193182): one IRQ 0 edge per
 * period. */
void pit_start_periodic(uint32_t hz);

/* Stops PIT channel 0: mode 0 with no count written keeps its output low, so no more edges. */
void pit_stop(void);

/* Returns a TSC value `us` microseconds after `start`, given `tsc_hz`. */
uint64_t tsc_after_us(uint64_t start, uint64_t tsc_hz, uint64_t us);

/* Busy-waits `us` microseconds by the TSC. */
void tsc_delay_us(uint64_t tsc_hz, uint64_t us);

#endif /* GUEST_LIB_TIMER_H */
