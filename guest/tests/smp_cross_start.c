/* smp_cross_start.elf: two vCPUs that call SVM_HC_START_CPU on each other at the same time, over
 * and over. Each call is refused (the other CPU is already running), but svm handles each one by
 * asking the target vCPU's thread, so the two requests cross. The BSP starts CPU 1, both spin
 * until the other is ready, then each makes `rounds` calls aimed at the other and counts the
 * SVM_E_INVAL answers. Prints `cross start: cpu 0 refused N, cpu 1 refused N` and SUCCESS.
 * With the command line "forever" the CPUs never stop calling: the run must still end at
 * --timeout or on SIGTERM. */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/check.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/io.h"
#include "lib/smp.h"

static const uint32_t rounds = 2000;

static volatile uint32_t ready;
static volatile uint32_t finished;
static volatile uint32_t refused[2];
static volatile int forever;

static void cross_calls(uint32_t self) {
    __atomic_fetch_add(&ready, 1, __ATOMIC_SEQ_CST);
    while (ready < 2) cpu_relax();
    uint32_t other = 1 - self;
    for (uint32_t i = 0; forever || i < rounds; i++) {
        long r = svm_start_cpu(other, (void (*)(void))0, (void*)0, 0);
        if (r == SVM_E_INVAL) refused[self]++;
    }
}

__attribute__((noreturn)) static void ap_main(unsigned long arg, unsigned long cpu) {
    (void)arg;
    cross_calls((uint32_t)cpu);
    __atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
    halt_forever();
}

void kmain(const struct svm_machine* m) {
    forever = cmdline_is(m, "forever");
    check_that("two cpus", m->cpu_count >= 2, "fewer", "at least 2");
    long started = svm_start_cpu(1, (void (*)(void))ap_main, (char*)smp_ap_stack_top(1) - 8, 0);
    check_eq_dec("start cpu 1", started, 0);
    cross_calls(0);
    while (finished < 1) cpu_relax();
    kprintf("cross start: cpu 0 refused %u, cpu 1 refused %u\n", refused[0], refused[1]);
    check_eq_dec("cpu 0 refusals", refused[0], rounds);
    check_eq_dec("cpu 1 refusals", refused[1], rounds);
    check_finish(0);
}
