/* timer_step.elf: a local APIC periodic timer every 1 ms (calibrated against the PIT) whose
 * handler timer_handler() increments `ticks`, running while busy_loop() does about 2 s of
 * arithmetic on locals with interrupts enabled. A gdb script breaks in busy_loop and single-steps
 * it; svm steps with KVM_GUESTDBG_BLOCKIRQ, so no step may land in the handler. */
#include <svm/machine.h>

#include "lib/apic.h"
#include "lib/check.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/idt.h"
#include "lib/timer.h"

#define TIMER_VECTOR 0x40

volatile uint64_t ticks;

/* The timer interrupt handler, called from the IDT stub through idt_dispatch(). */
__attribute__((noinline)) void timer_handler(struct int_frame* frame) {
    (void)frame;
    ticks++;
    lapic_eoi();
}

/* About `cycles` TSC cycles of arithmetic on locals. Returns the result so it is not optimised
 * away. */
__attribute__((noinline, noclone)) uint64_t busy_loop(uint64_t cycles) {
    uint64_t a = 1, b = 3, end = rdtsc() + cycles;
    do {
        for (int i = 0; i < 16; i++) {
            a = a * 5 + b;
            b ^= a >> 3;
        }
    } while (rdtsc() < end);
    return a + b;
}

void kmain(const struct svm_machine* m) {
    (void)m;
    idt_install(SVM_SEL_CODE64);
    idt_set_handler(TIMER_VECTOR, timer_handler);
    pic_disable();
    lapic_enable();
    struct timer_calibration cal;
    if (!check_that("timer calibration", timer_calibrate(&cal) == 0, "no PIT terminal count",
                    "PIT channel 2 output high after 10 ms")) {
        check_finish(0);
    }
    uint32_t count = (uint32_t)(cal.lapic_hz_div16 / 1000);
    lapic_timer_start(TIMER_VECTOR, LAPIC_TIMER_PERIODIC, LAPIC_DIVIDE_16, count ? count : 1);
    cpu_sti();
    uint64_t result = busy_loop(cal.tsc_hz * 2);
    cpu_cli();
    lapic_timer_stop();
    kprintf("timer_step: ticks %llu\n", (unsigned long long)ticks);
    __asm__ volatile("" : : "r"(result));
    check_that("timer ticks", ticks > 0, "0", "> 0");
    check_finish(0);
}
