/* smp_sipi.elf: starts every application processor the MADT lists the way firmware and kernels do
 * on hardware: INIT, 10 ms, SIPI, 200 us, SIPI (Intel SDM Vol. 3A, 9.4.4.1 and the MP spec 1.4,
 * B.4), with a real-mode trampoline at 0x8000 that goes straight to long mode. Each AP prints
 * `ap <apic id>: online`, increments a shared counter under a spinlock and halts; the BSP waits
 * (at most 5 s) for the counter to reach cpus - 1. */
#include <svm/machine.h>

#include "lib/acpi.h"
#include "lib/apic.h"
#include "lib/check.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/io.h"
#include "lib/machine_table.h"
#include "lib/mem.h"
#include "lib/smp.h"
#include "lib/timer.h"
#include "smp/trampoline.h"

static struct spinlock counter_lock = SPINLOCK_INIT;
static volatile uint32_t counter;
static volatile uint32_t online_ids[SMP_MAX_CPUS];
static struct madt_info madt;

/* Called by the trampoline on each AP, in long mode, interrupts off, on its own stack. */
static __attribute__((noreturn, used)) void ap_entry(uint32_t slot) {
    uint32_t id = lapic_id();
    kprintf("ap %u: online\n", id); /* one SVM_HC_WRITE: a whole line */
    spin_lock(&counter_lock);
    if (slot < SMP_MAX_CPUS) online_ids[slot] = id;
    counter++;
    spin_unlock(&counter_lock);
    halt_forever();
}

void kmain(const struct svm_machine* m) {
    const char* bad = machine_table_validate(m);
    if (!check_that("machine table valid", bad == NULL, bad ? bad : "", "valid")) check_finish(0);
    const struct acpi_rsdp* rsdp = (const struct acpi_rsdp*)(uintptr_t)m->acpi_rsdp;
    const struct acpi_sdt_header* t = NULL;
    if (m->acpi_rsdp != 0 && acpi_rsdp_validate(rsdp) == NULL) {
        t = acpi_find_table(rsdp, "APIC", rsdp->revision >= 2);
    }
    if (!check_that("madt found", t != NULL, "no valid MADT", "a MADT")) check_finish(0);
    if (!check_that("madt entries", acpi_parse_madt((const struct acpi_madt*)t, &madt) == 0,
                    "malformed entry", "well-formed")) {
        check_finish(0);
    }

    pic_disable();
    lapic_enable();
    struct timer_calibration cal;
    if (!check_that("timer calibration", timer_calibrate(&cal) == 0, "no PIT terminal count",
                    "PIT channel 2 output high after 10 ms")) {
        check_finish(0);
    }

    /* The trampoline and its parameters, at 0x8000 (free RAM below svm's reserved range). */
    size_t size = (size_t)(trampoline_end - trampoline_start);
    uint8_t* copy = (uint8_t*)(uintptr_t)TRAMPOLINE_ADDR;
    memcpy(copy, trampoline_start, size);
    struct trampoline_params* params =
        (struct trampoline_params*)(copy + (trampoline_params - trampoline_start));
    params->cr3 = read_cr3();
    params->entry = (uint64_t)(uintptr_t)ap_entry;
    params->stack_base = (uint64_t)(uintptr_t)smp_ap_stack_base();
    params->stack_size = SMP_AP_STACK_SIZE;
    params->next_slot = 0;

    uint32_t bsp = lapic_id();
    uint32_t aps = 0;
    int ipi_ok = 1;
    for (uint32_t i = 0; i < madt.cpu_count && i < 64; i++) {
        uint32_t id = madt.cpus[i].apic_id;
        if (id == bsp || !(madt.cpus[i].flags & MADT_CPU_ENABLED)) continue;
        if (aps + 1 >= SMP_MAX_CPUS) break;
        aps++;
        ipi_ok &= lapic_send_ipi(id, LAPIC_ICR_INIT | LAPIC_ICR_LEVEL_ASSERT) == 0;
        tsc_delay_us(cal.tsc_hz, 10000);
        for (int sipi = 0; sipi < 2; sipi++) {
            ipi_ok &= lapic_send_ipi(id, LAPIC_ICR_STARTUP | (TRAMPOLINE_ADDR >> 12)) == 0;
            tsc_delay_us(cal.tsc_hz, 200);
        }
    }
    check_that("ipi delivery", ipi_ok, "delivery status stuck", "sent");

    uint64_t deadline = tsc_after_us(rdtsc(), cal.tsc_hz, 5000000);
    while (counter < aps && rdtsc() < deadline) cpu_relax();
    uint32_t n = counter;
    kprintf("smp: %u cpus online, counter %u\n", n + 1, n);
    check_eq_dec("madt cpus", madt.cpu_count, m->cpu_count);
    check_eq_dec("smp counter", n, m->cpu_count - 1);
    check_finish(0);
}
