/* timer_lapic.elf: the local APIC timer in periodic, one-shot and TSC-deadline mode (Intel SDM
 * Vol. 3A, 11.5.4), counted by an interrupt handler at vector 0x40 in a `sti; hlt` loop. Each
 * mode's handler stops the timer itself once it has its count, so the totals are exact. */
#include <svm/machine.h>

#include "lib/apic.h"
#include "lib/check.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/idt.h"
#include "lib/timer.h"

#define TIMER_VECTOR 0x40
#define PERIODIC_TICKS 20
#define DEADLINE_TICKS 10

static volatile uint32_t ticks;
static volatile uint32_t target; /* the handler stops the timer when ticks reaches it */
static volatile uint64_t first_tick_tsc, last_tick_tsc;
static volatile int deadline_mode;
static uint64_t deadline_period; /* TSC cycles between TSC-deadline ticks */

static void timer_interrupt(struct int_frame* frame) {
    (void)frame;
    uint64_t now = rdtsc();
    ticks++;
    if (ticks == 1) first_tick_tsc = now;
    last_tick_tsc = now;
    if (ticks >= target) {
        lapic_timer_stop();
    } else if (deadline_mode) {
        wrmsr(MSR_TSC_DEADLINE, now + deadline_period);
    }
    lapic_eoi();
}

/* Halts until `ticks` reaches `want` or `timeout_us` passes (checked at each wake-up). The test
 * runs with interrupts off so a tick between the test and the `hlt` stays pending and wakes it.
 * Returns with interrupts off. */
static void wait_ticks(uint32_t want, uint64_t tsc_hz, uint64_t timeout_us) {
    uint64_t end = tsc_after_us(rdtsc(), tsc_hz, timeout_us);
    for (;;) {
        cpu_cli();
        if (ticks >= want || rdtsc() >= end) return;
        cpu_sti_hlt();
    }
}

/* Busy-waits with interrupts on, so a late tick would still be counted. */
static void settle(uint64_t tsc_hz, uint64_t us) {
    cpu_sti();
    tsc_delay_us(tsc_hz, us);
}

static void start(uint32_t want) {
    cpu_cli();
    ticks = 0;
    target = want;
}

void kmain(const struct svm_machine* m) {
    (void)m;
    idt_install(SVM_SEL_CODE64);
    idt_set_handler(TIMER_VECTOR, timer_interrupt);
    pic_disable();
    lapic_enable();

    struct timer_calibration cal;
    if (!check_that("timer calibration", timer_calibrate(&cal) == 0, "no PIT terminal count",
                    "PIT channel 2 output high after 10 ms")) {
        check_finish(0);
    }
    kprintf("tsc: %llu Hz, lapic timer: %llu Hz at divide 16\n", (unsigned long long)cal.tsc_hz,
            (unsigned long long)cal.lapic_hz_div16);
    /* 10 ms per tick: long against the ~50 us an emulated interrupt costs on nested hosts. */
    uint32_t count = (uint32_t)(cal.lapic_hz_div16 / 100);
    if (count == 0) count = 1;

    /* Periodic. */
    start(PERIODIC_TICKS);
    lapic_timer_start(TIMER_VECTOR, LAPIC_TIMER_PERIODIC, LAPIC_DIVIDE_16, count);
    wait_ticks(PERIODIC_TICKS, cal.tsc_hz, 5000000);
    settle(cal.tsc_hz, 50000); /* five more periods: none may arrive */
    kprintf("lapic periodic: %u ticks\n", ticks);
    if (ticks > 1) {
        kprintf("lapic periodic: %llu tsc cycles per tick\n",
                (unsigned long long)((last_tick_tsc - first_tick_tsc) / (ticks - 1)));
    }
    check_eq_dec("lapic periodic", ticks, PERIODIC_TICKS);

    /* One-shot: exactly one tick, then nothing for ten periods. */
    start(1000); /* the handler does not stop it: one-shot mode must */
    lapic_timer_start(TIMER_VECTOR, LAPIC_TIMER_ONESHOT, LAPIC_DIVIDE_16, count);
    wait_ticks(1, cal.tsc_hz, 5000000);
    settle(cal.tsc_hz, 100000);
    kprintf("lapic one-shot: %u tick%s\n", ticks, ticks == 1 ? "" : "s");
    check_eq_dec("lapic one-shot", ticks, 1);
    lapic_timer_stop();

    /* TSC-deadline, if CPUID.01H:ECX[24] says the timer has it. */
    if (cpuid(1, 0).ecx & CPUID_01_ECX_TSC_DEADLINE) {
        start(DEADLINE_TICKS);
        deadline_period = cal.tsc_hz / 100;
        deadline_mode = 1;
        lapic_timer_start(TIMER_VECTOR, LAPIC_TIMER_TSC_DEADLINE, LAPIC_DIVIDE_16, 0);
        wrmsr(MSR_TSC_DEADLINE, rdtsc() + deadline_period);
        wait_ticks(DEADLINE_TICKS, cal.tsc_hz, 5000000);
        settle(cal.tsc_hz, 50000);
        deadline_mode = 0;
        kprintf("lapic tsc-deadline: %u ticks\n", ticks);
        check_eq_dec("lapic tsc-deadline", ticks, DEADLINE_TICKS);
    } else {
        kputs("lapic tsc-deadline: not supported\n");
    }
    cpu_cli();
    check_eq_dec("no unexpected interrupts", (int64_t)idt_unexpected_count(), 0);
    check_finish(0);
}
