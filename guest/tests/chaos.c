/* chaos.elf: the soak tests' hostile guest (tests/soak/). Every vCPU (the BSP starts the others
 * with SVM_HC_START_CPU) runs forever, with interrupts off, one of:
 *  - a random byte, word or dword written to, and a dword read from, a random I/O port (except
 *    the ports that end the run or make a device write RAM: lib/hostile.h);
 *  - a random hypercall other than EXIT and START_CPU, with random arguments (pointers and
 *    lengths that are mostly outside RAM: svm must refuse them, never follow them);
 *  - a random dword written to and read from a random address of the 32-bit MMIO hole
 *    0xC0000000-0xFFFFFFFF, except the local APIC's page (its ICR could INIT the other CPUs).
 * The run never ends by itself: the tests end it with --timeout or a signal. */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/hostile.h"
#include "lib/io.h"
#include "lib/smp.h"

static void chaos_step(uint32_t* state) {
    uint32_t r = hostile_random(state);
    uint32_t v = hostile_random(state);
    switch (r % 3) {
        case 0: {
            uint16_t port = (uint16_t)(v >> 16);
            if (hostile_port_reserved(port)) return;
            hostile_out(port, r >> 8, hostile_random(state));
            (void)hostile_inl(port);
            return;
        }
        case 1: {
            unsigned long nr = (r >> 8) % 16;
            if (nr == SVM_HC_EXIT || nr == SVM_HC_START_CPU) return;
            unsigned long a0 = ((unsigned long)hostile_random(state) << 32) | v;
            unsigned long a1 = hostile_random(state) & ((r & 0x100) ? 0xfffff : 0xffffffffu);
            (void)svm_hypercall(nr, a0, a1, hostile_random(state), hostile_random(state));
            return;
        }
        default: {
            uint32_t addr = 0xc0000000u | (v & 0x3ffffffcu);
            if ((addr & ~0xfffu) == SVM_LAPIC_ADDR) return;
            volatile uint32_t* mmio = (volatile uint32_t*)(uintptr_t)addr;
            *mmio = hostile_random(state);
            (void)*mmio;
            return;
        }
    }
}

__attribute__((noreturn)) static void run(uint32_t cpu) {
    uint32_t state = 0x9e3779b9u * (cpu + 1);
    for (;;) chaos_step(&state);
}

__attribute__((noreturn)) static void ap_main(unsigned long arg, unsigned long cpu) {
    (void)arg;
    run((uint32_t)cpu);
}

void kmain(const struct svm_machine* m) {
    __asm__ volatile("cli");
    uint32_t cpus = m->cpu_count < SMP_MAX_CPUS ? m->cpu_count : SMP_MAX_CPUS;
    kprintf("chaos: %u cpus\n", cpus);
    for (uint32_t i = 1; i < cpus; i++)
        (void)svm_start_cpu(i, (void (*)(void))ap_main, (char*)smp_ap_stack_top(i) - 8, i);
    run(0);
}
