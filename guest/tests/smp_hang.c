/* smp_hang.elf: starts every application processor with SVM_HC_START_CPU; each one disables
 * interrupts and halts, and so does the BSP after printing `all halting`. With every vCPU halted
 * with interrupts off, svm must end the run with exit code 113 (docs/machine.md), not a success
 * exit. */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"
#include "lib/smp.h"

static volatile uint32_t started;

static __attribute__((noreturn)) void ap_main(unsigned long arg) {
    (void)arg;
    __atomic_fetch_add(&started, 1, __ATOMIC_SEQ_CST);
    halt_forever();
}

void kmain(const struct svm_machine* m) {
    uint32_t cpus = m->cpu_count < SMP_MAX_CPUS ? m->cpu_count : SMP_MAX_CPUS;
    for (uint32_t i = 1; i < cpus; i++) {
        long rc = svm_start_cpu(i, (void (*)(void))ap_main, (char*)smp_ap_stack_top(i) - 8, i);
        if (rc != 0) kprintf("smp_hang: starting cpu %u returned %ld\n", i, rc);
    }
    kputs("all halting\n");
    halt_forever();
}
