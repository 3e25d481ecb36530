/* console_flood.elf: every CPU (the APs started with SVM_HC_START_CPU) prints numbered lines
 * through SVM_HC_WRITE, one line per hypercall:
 *
 *     cpu <c> line <nnnnnn>
 *
 * With --cmdline lines=N each CPU prints N lines (N decimal, default 1000); the BSP then waits
 * for the APs, prints "flood: done" and exits with 0. With --cmdline forever the CPUs print until
 * svm ends the run (tests/kvm/console_test.cpp: stalled and closed standard output). */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/console.h"
#include "lib/smp.h"

static volatile uint32_t finished;
static uint32_t lines_per_cpu = 1000;
static int forever;

static void flood(uint32_t cpu) {
    for (uint32_t i = 0; forever || i < lines_per_cpu; i++) kprintf("cpu %u line %06u\n", cpu, i);
}

static __attribute__((noreturn)) void ap_main(unsigned long arg) {
    flood((uint32_t)arg);
    __atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
    for (;;) __asm__ volatile("cli; hlt");
}

static void parse_cmdline(const struct svm_machine* m) {
    const char* s = (const char*)(uintptr_t)m->cmdline;
    if (!s) return;
    if (s[0] == 'f' && s[1] == 'o' && s[2] == 'r') forever = 1;
    if (s[0] != 'l' || s[1] != 'i' || s[2] != 'n' || s[3] != 'e' || s[4] != 's' || s[5] != '=')
        return;
    uint32_t n = 0;
    for (s += 6; *s >= '0' && *s <= '9'; s++) n = n * 10 + (uint32_t)(*s - '0');
    lines_per_cpu = n;
}

void kmain(const struct svm_machine* m) {
    parse_cmdline(m);
    uint32_t cpus = m->cpu_count < SMP_MAX_CPUS ? m->cpu_count : SMP_MAX_CPUS;
    uint32_t started = 0;
    for (uint32_t i = 1; i < cpus; i++)
        if (svm_start_cpu(i, (void (*)(void))ap_main, (char*)smp_ap_stack_top(i) - 8, i) == 0)
            started++;
    flood(0);
    while (__atomic_load_n(&finished, __ATOMIC_SEQ_CST) < started) (void)svm_cpu_index();
    kprintf("flood: done\n");
    svm_exit(0);
}
