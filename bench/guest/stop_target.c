/* stop_target.elf: the guest of bench/stop_latency (docs/benchmarks.md, "Stop-all latency").
 * Every application processor is started with SVM_HC_START_CPU; once all of them run, one CPU (the
 * caller) calls stop_target() in a loop while every other CPU spins with interrupts off, so a
 * breakpoint on stop_target is hit by one vCPU while all the others are busy executing guest code
 * (the case where svm must kick running vCPUs out of KVM_RUN to pause them).
 *
 * The caller is the highest-numbered CPU unless gdb sets `stop_caller_last` to 0 before the
 * guest starts, which makes it CPU 0; with `others_halt` set to 1 the other CPUs halt instead of
 * spinning (their vCPU threads then sleep in the kernel rather than compete for host CPUs). (svm
 * resumes vCPUs in index order; with CPU 0 as the caller, a resumed CPU 0 can hit the breakpoint
 * while later vCPUs are still being resumed, which exposes a resume/pause race in svm:
 * docs/benchmarks.md.) */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/console.h"
#include "lib/smp.h"

volatile uint64_t spin_counts[SMP_MAX_CPUS];
volatile uint32_t stop_caller_last = 1;
volatile uint32_t others_halt = 0; /* gdb sets 1: the other CPUs halt instead of spinning */
volatile uint64_t stop_target_calls;
static volatile uint32_t aps_running;
static volatile uint32_t caller = SMP_MAX_CPUS; /* set by CPU 0 once every AP runs */

/* The breakpoint target: noinline and noclone so that `break stop_target` has one address and
 * only the caller ever executes it. */
__attribute__((noinline, noclone)) void stop_target(void) {
    stop_target_calls++;
}

static __attribute__((noreturn)) void cpu_loop(uint32_t cpu) {
    while (caller == SMP_MAX_CPUS) spin_counts[cpu]++;
    if (cpu == caller) {
        for (;;) {
            stop_target();
            spin_counts[cpu]++;
        }
    }
    if (others_halt) {
        /* With interrupts off nothing wakes a halted CPU: its vCPU thread sleeps in KVM_RUN
         * until svm kicks it (SDM Vol. 2A, HLT). */
        for (;;) __asm__ volatile("hlt");
    }
    for (;;) spin_counts[cpu]++;
}

static __attribute__((noreturn)) void ap_main(unsigned long cpu) {
    __asm__ volatile("cli");
    __atomic_fetch_add(&aps_running, 1, __ATOMIC_SEQ_CST);
    cpu_loop((uint32_t)cpu);
}

void kmain(const struct svm_machine* m) {
    __asm__ volatile("cli");
    uint32_t cpus = m->cpu_count < SMP_MAX_CPUS ? m->cpu_count : SMP_MAX_CPUS;
    uint32_t started = 0, last = 0;
    for (uint32_t i = 1; i < cpus; i++) {
        if (svm_start_cpu(i, (void (*)(void))ap_main, (char*)smp_ap_stack_top(i) - 8, i) == 0) {
            started++;
            last = i;
        }
    }
    while (__atomic_load_n(&aps_running, __ATOMIC_SEQ_CST) < started) spin_counts[0]++;
    kprintf("stop_target: %u cpus busy, cpu %u calls stop_target\n", started + 1,
            stop_caller_last ? last : 0);
    caller = stop_caller_last ? last : 0;
    cpu_loop(0);
}
