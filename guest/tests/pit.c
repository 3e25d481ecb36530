/* pit.elf: PIT channel 0 at 1000 Hz (mode 2) routed through the I/O APIC to vector 0x30 on the
 * BSP, with both 8259 PICs masked. The handler counts 50 ticks and then masks the pin itself, so
 * the total is exact. The PIT's GSI comes from the machine table's SVM_DEV_PIT entry and the
 * I/O APIC's address from its SVM_DEV_IOAPIC entry. */
#include <svm/machine.h>

#include "lib/apic.h"
#include "lib/check.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/idt.h"
#include "lib/machine_table.h"
#include "lib/timer.h"

#define PIT_VECTOR 0x30
#define WATCHDOG_VECTOR 0x41
#define WANT_TICKS 50

static volatile uint32_t ticks;
static uintptr_t ioapic_base;
static uint32_t pit_pin;

static volatile int timed_out;

static void watchdog_interrupt(struct int_frame* frame) {
    (void)frame;
    timed_out = 1;
    lapic_eoi();
}

static void pit_interrupt(struct int_frame* frame) {
    (void)frame;
    if (++ticks >= WANT_TICKS) ioapic_mask(ioapic_base, pit_pin, 1);
    lapic_eoi();
}

void kmain(const struct svm_machine* m) {
    idt_install(SVM_SEL_CODE64);
    idt_set_handler(PIT_VECTOR, pit_interrupt);
    idt_set_handler(WATCHDOG_VECTOR, watchdog_interrupt);
    pic_disable();
    lapic_enable();

    const char* bad = machine_table_validate(m);
    if (!check_that("machine table valid", bad == NULL, bad ? bad : "", "valid")) check_finish(0);
    const struct svm_device* pit = machine_find_device(m, SVM_DEV_PIT, 0);
    const struct svm_device* ioapic = machine_find_device(m, SVM_DEV_IOAPIC, 0);
    check_that("machine pit", pit != NULL && pit->irq != SVM_IRQ_NONE, "no SVM_DEV_PIT with an irq",
               "a PIT entry");
    check_that("machine ioapic", ioapic != NULL && ioapic->mmio_base != 0, "no SVM_DEV_IOAPIC",
               "an I/O APIC entry");
    if (check_failures()) check_finish(0);

    ioapic_base = (uintptr_t)ioapic->mmio_base;
    uint32_t gsi_base = ioapic->irq == SVM_IRQ_NONE ? 0 : ioapic->irq;
    pit_pin = pit->irq - gsi_base;
    kprintf("pit: gsi %u, ioapic at 0x%llx (%u pins)\n", pit->irq,
            (unsigned long long)ioapic->mmio_base, ioapic_pin_count(ioapic_base));
    check_that("pit pin", pit->irq >= gsi_base && pit_pin < ioapic_pin_count(ioapic_base),
               "outside the I/O APIC", "a pin of the I/O APIC");
    if (check_failures()) check_finish(0);

    /* ISA IRQs are edge-triggered, active high (MP spec 1.4, 5.3 default configuration). */
    ioapic_route(ioapic_base, pit_pin, PIT_VECTOR, lapic_id(), 0);

    /* A one-shot local APIC timer of 5 s wakes the loop if the PIT never ticks. Calibrating uses
     * PIT channel 2, so it comes before channel 0 starts. */
    struct timer_calibration cal;
    if (!check_that("timer calibration", timer_calibrate(&cal) == 0, "no PIT terminal count",
                    "PIT channel 2 output high after 10 ms")) {
        check_finish(0);
    }
    uint64_t watchdog = cal.lapic_hz_div16 * 5;
    lapic_timer_start(WATCHDOG_VECTOR, LAPIC_TIMER_ONESHOT, LAPIC_DIVIDE_16,
                      watchdog > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)watchdog);

    pit_start_periodic(1000);
    for (;;) {
        cpu_cli();
        if (ticks >= WANT_TICKS || timed_out) break;
        cpu_sti_hlt();
    }
    lapic_timer_stop();
    pit_stop();
    if (timed_out) kputs("pit: timeout\n");
    kprintf("pit: %u ticks\n", ticks);
    check_eq_dec("pit ticks", ticks, WANT_TICKS);
    check_eq_dec("no unexpected interrupts", (int64_t)idt_unexpected_count(), 0);
    check_finish(0);
}
