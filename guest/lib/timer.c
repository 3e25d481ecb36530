#include "lib/timer.h"

#include "lib/apic.h"
#include "lib/cpu.h"
#include "lib/io.h"

#define PIT_CH0 0x40u
#define PIT_CH2 0x42u
#define PIT_CMD 0x43u
#define PIT_GATE_PORT 0x61u /* bit 0: channel 2 gate, bit 1: speaker, bit 5: channel 2 output */

/* 10 ms of PIT input clock. */
#define CALIBRATION_TICKS (PIT_HZ / 100u)

int timer_calibrate(struct timer_calibration* out) {
    /* Gate low while programming, speaker off. */
    uint8_t gate = inb(PIT_GATE_PORT) & (uint8_t)~0x03u;
    outb(PIT_GATE_PORT, gate);
    /* Channel 2, lobyte/hibyte, mode 0 (interrupt on terminal count), binary: the output goes
     * low now and high when the count reaches zero (8254 datasheet, mode 0). */
    outb(PIT_CMD, 0xB0);
    outb(PIT_CH2, CALIBRATION_TICKS & 0xFF);
    outb(PIT_CH2, CALIBRATION_TICKS >> 8);

    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_16);

    /* Raising the gate starts the count in mode 0. */
    outb(PIT_GATE_PORT, gate | 0x01);
    lapic_write(LAPIC_TIMER_INITIAL, 0xFFFFFFFFu);
    uint64_t tsc_start = rdtsc();
    int done = 0;
    for (unsigned i = 0; i < 500000; i++) {
        if (inb(PIT_GATE_PORT) & 0x20) {
            done = 1;
            break;
        }
    }
    uint64_t tsc_end = rdtsc();
    uint32_t lapic_left = lapic_read(LAPIC_TIMER_CURRENT);
    lapic_write(LAPIC_TIMER_INITIAL, 0);
    outb(PIT_GATE_PORT, gate);
    if (!done) return -1;
    out->tsc_hz = (tsc_end - tsc_start) * 100;
    out->lapic_hz_div16 = (uint64_t)(0xFFFFFFFFu - lapic_left) * 100;
    return 0;
}

void pit_start_periodic(uint32_t hz) {
    uint32_t reload = PIT_HZ / hz;
    if (reload > 0xFFFF) reload = 0; /* 0 means 65536 */
    outb(PIT_CMD, 0x34);             /* channel 0, lobyte/hibyte, mode 2, binary */
    outb(PIT_CH0, reload & 0xFF);
    outb(PIT_CH0, (reload >> 8) & 0xFF);
}

void pit_stop(void) {
    outb(PIT_CMD, 0x30); /* channel 0, lobyte/hibyte, mode 0; no count follows */
}

uint64_t tsc_after_us(uint64_t start, uint64_t tsc_hz, uint64_t us) {
    return start + tsc_hz / 1000000u * us + (tsc_hz % 1000000u) * us / 1000000u;
}

void tsc_delay_us(uint64_t tsc_hz, uint64_t us) {
    uint64_t end = tsc_after_us(rdtsc(), tsc_hz, us);
    while (rdtsc() < end) cpu_relax();
}
