/* smp_spin.elf: starts every application processor with SVM_HC_START_CPU, then every CPU, the
 * BSP included, spins forever in spin_forever(cpu), incrementing its own spin_counts[cpu] with
 * interrupts off. A target for gdb: interrupting with all vCPUs busy, `thread apply all bt`,
 * scheduler-locking steps. Run it with --timeout. */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/console.h"
#include "lib/smp.h"

volatile uint64_t spin_counts[64];

__attribute__((noinline, noclone, noreturn)) void spin_forever(int cpu) {
    __asm__ volatile("cli");
    for (;;) spin_counts[cpu]++;
}

static __attribute__((noreturn)) void ap_main(unsigned long arg) {
    spin_forever((int)arg);
}

void kmain(const struct svm_machine* m) {
    uint32_t cpus = m->cpu_count < SMP_MAX_CPUS ? m->cpu_count : SMP_MAX_CPUS;
    uint32_t started = 1;
    for (uint32_t i = 1; i < cpus; i++) {
        if (svm_start_cpu(i, (void (*)(void))ap_main, (char*)smp_ap_stack_top(i) - 8, i) == 0) {
            started++;
        }
    }
    kprintf("smp_spin: %u cpus spinning\n", started);
    spin_forever(0);
}
