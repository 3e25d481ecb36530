/* smp_start.elf: starts every application processor with SVM_HC_START_CPU (no trampoline: each AP
 * begins in long mode at ap_main with the BSP's page tables and GDT, RDI = argument, RSI = CPU
 * index). Each AP checks its index, prints `ap <index>: started by hypercall`, calls
 * ap_only_function(index) (which writes ap_written), increments a shared counter under a spinlock
 * and halts. Also checks that starting CPU 0, a CPU past cpu_count or an already-started CPU is
 * refused with SVM_E_INVAL. */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/io.h"
#include "lib/smp.h"

static struct spinlock counter_lock = SPINLOCK_INIT;
static volatile uint32_t counter;
static volatile uint32_t index_mismatches;

/* Written only by APs, each with its own index: a gdb watchpoint target. */
volatile uint64_t ap_written;

/* Called only by APs: a gdb breakpoint target. Returns cpu * 2 + 1. */
__attribute__((noinline, noclone)) int ap_only_function(int cpu) {
    ap_written = (uint64_t)cpu;
    __asm__ volatile("" : : : "memory");
    return cpu * 2 + 1;
}

/* Entered by SVM_HC_START_CPU with RDI = arg (the index the BSP passed) and RSI = the CPU index
 * svm gives, interrupts off. */
__attribute__((noreturn, noinline)) void ap_main(unsigned long arg, unsigned long cpu) {
    long index = svm_cpu_index();
    if (index != (long)arg || index != (long)cpu) {
        __atomic_fetch_add(&index_mismatches, 1, __ATOMIC_SEQ_CST);
    }
    kprintf("ap %ld: started by hypercall\n", index);
    int r = ap_only_function((int)index);
    spin_lock(&counter_lock);
    if (r == (int)index * 2 + 1) counter++;
    spin_unlock(&counter_lock);
    halt_forever();
}

static long start(uint32_t i) {
    return svm_start_cpu(i, (void (*)(void))ap_main, (char*)smp_ap_stack_top(i) - 8, i);
}

void kmain(const struct svm_machine* m) {
    uint32_t cpus = m->cpu_count < SMP_MAX_CPUS ? m->cpu_count : SMP_MAX_CPUS;
    check_eq_dec("bsp index", svm_cpu_index(), 0);

    int errors_ok = start(0) == SVM_E_INVAL;
    errors_ok &= start(m->cpu_count) == SVM_E_INVAL;
    int all_started = 1;
    for (uint32_t i = 1; i < cpus; i++) all_started &= start(i) == 0;
    check_that("start cpus", all_started, "an error", "0 for every AP");
    if (cpus > 1) errors_ok &= start(1) == SVM_E_INVAL;
    check_that("start errors", errors_ok, "not SVM_E_INVAL",
               "SVM_E_INVAL for cpu 0, cpu_count "
               "and an already-started cpu");

    /* Bounded wait: about 5 s at 2 M emulated instructions/s, far less on hardware KVM; a
     * hypercall per iteration keeps it from being a pure spin. */
    for (uint32_t spins = 0; counter < cpus - 1 && spins < 200000; spins++) {
        (void)svm_cpu_index();
    }
    uint32_t n = counter;
    kprintf("smp: %u cpus started by hypercall, counter %u\n", n + 1, n);
    check_eq_dec("smp counter", n, cpus - 1);
    check_eq_dec("ap cpu index", index_mismatches, 0);
    check_finish(0);
}
