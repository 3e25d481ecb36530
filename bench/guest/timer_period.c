/* timer_period.elf: the guest of bench/timer_accuracy (docs/benchmarks.md, "Timer accuracy").
 * Programs the local APIC timer periodic at divide-by-1 with the initial count the benchmark
 * patches into `timer_params` (on KVM the APIC timer counts at 1 GHz, so a count of C is C ns;
 * Linux arch/x86/kvm/lapic.c, APIC_BUS_CYCLE_NS = 1) and counts ticks at vector 0x40 in a
 * `sti; hlt` loop (Intel SDM Vol. 3A, 11.5.4).
 *
 * At tick 0 and every `marker_every` ticks after it, the interrupt handler writes one marker byte
 * to the debug console (port 0xE9): 0x80 at tick 0, 0x81 at the next marker, and so on, bytes
 * no ASCII text contains, so the host can timestamp them as they arrive. It also reads the TSC at
 * each marker. After tick `ticks` it stops the timer and prints, as text,
 *   timer_period: ticks=N count=C tsc_hz=H tsc_cycles=T lapic_hz_div16=L
 *     tsc_hz_min=A tsc_hz_max=B
 * (on one line; T: TSC cycles from tick 0 to tick N; H: the smallest of five of lib/timer.c's
 * 10 ms PIT calibrations done before the timer starts, A and B the smallest and largest of them; L:
 * the LAPIC timer rate at divide 16 from the last calibration), then exits with code 0. */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/apic.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/idt.h"
#include "lib/io.h"
#include "lib/timer.h"

#define TIMER_VECTOR 0x40
#define DEBUGCON_PORT 0xE9
#define CALIBRATIONS 5

/* Patched by bench/timer_accuracy: the 32-bit words after the tag "SVMBTIMR" are the initial
 * count (ns at KVM's 1 GHz APIC timer), the number of ticks to time and the marker interval. */
struct timer_params {
    char tag[8];
    uint32_t initial_count;
    uint32_t ticks;
    uint32_t marker_every;
};
__attribute__((used)) volatile struct timer_params timer_params = {
    {'S', 'V', 'M', 'B', 'T', 'I', 'M', 'R'}, 1000000, 1000, 100};

static volatile uint32_t ticks; /* interrupts since the first, which is tick 0 */
static volatile int started, done;
static volatile uint64_t tsc_first, tsc_last;
static uint32_t total_ticks, marker_every;
static uint8_t next_marker = 0x80;

static void timer_interrupt(struct int_frame* frame) {
    (void)frame;
    uint64_t now = rdtsc();
    uint32_t tick = started ? ticks + 1 : 0;
    started = 1;
    ticks = tick;
    if (tick % marker_every == 0 || tick == total_ticks) {
        outb(DEBUGCON_PORT, next_marker++);
        if (tick == 0) tsc_first = now;
        tsc_last = now;
    }
    if (tick >= total_ticks) {
        lapic_timer_stop();
        done = 1;
    }
    lapic_eoi();
}

void kmain(const struct svm_machine* m) {
    (void)m;
    cpu_cli();
    idt_install(SVM_SEL_CODE64);
    idt_set_handler(TIMER_VECTOR, timer_interrupt);
    pic_disable();
    lapic_enable();

    /* The smallest of CALIBRATIONS 10 ms PIT calibrations. A calibration can only err high: the
     * polling loop notices the PIT output late when the vCPU is preempted or an exit is slow, so
     * the TSC counts extra cycles (on the nested test host, 1 in 2 were 20-60 % high while the
     * smallest was within 0.1 % of the host's TSC rate). tsc_hz stays 0 if the PIT never
     * answered; the host reports that. */
    uint64_t tsc_hz[CALIBRATIONS] = {0};
    struct timer_calibration cal = {0, 0};
    for (int i = 0; i < CALIBRATIONS; i++) {
        struct timer_calibration one = {0, 0};
        timer_calibrate(&one);
        tsc_hz[i] = one.tsc_hz;
        cal.lapic_hz_div16 = one.lapic_hz_div16;
    }
    for (int i = 1; i < CALIBRATIONS; i++) { /* insertion sort, five values */
        for (int j = i; j > 0 && tsc_hz[j - 1] > tsc_hz[j]; j--) {
            uint64_t t = tsc_hz[j];
            tsc_hz[j] = tsc_hz[j - 1];
            tsc_hz[j - 1] = t;
        }
    }
    cal.tsc_hz = tsc_hz[0];

    uint32_t count = timer_params.initial_count ? timer_params.initial_count : 1;
    total_ticks = timer_params.ticks ? timer_params.ticks : 1;
    marker_every = timer_params.marker_every ? timer_params.marker_every : total_ticks;
    lapic_timer_start(TIMER_VECTOR, LAPIC_TIMER_PERIODIC, LAPIC_DIVIDE_1, count);
    while (!done) cpu_sti_hlt();
    cpu_cli();

    kprintf(
        "\ntimer_period: ticks=%u count=%u tsc_hz=%llu tsc_cycles=%llu lapic_hz_div16=%llu "
        "tsc_hz_min=%llu tsc_hz_max=%llu\n",
        total_ticks, count, (unsigned long long)cal.tsc_hz,
        (unsigned long long)(tsc_last - tsc_first), (unsigned long long)cal.lapic_hz_div16,
        (unsigned long long)tsc_hz[0], (unsigned long long)tsc_hz[CALIBRATIONS - 1]);
    svm_exit(0);
}
