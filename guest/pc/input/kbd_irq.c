/*
 * kbd_irq.elf: the keyboard through IRQ 1. Initialises the i8042 by polling (ps2.c), then sets
 * the port-1 interrupt bit in the configuration byte and routes the I8042 machine-table entry's
 * IRQ through the I/O APIC (edge-triggered, the ISA convention: the controller drops the line
 * when 0x60 is read and raises it for the next byte). The handler drains the output buffer; the
 * main loop halts until the make code of Q (0x10) arrived, then prints each code ("irq scancode
 * 0x23") and SUCCESS. A one-shot local APIC timer ends the wait after 5 s: "kbd_irq: timeout",
 * exit 3.
 */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/apic.h"
#include "lib/check.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/idt.h"
#include "lib/io.h"
#include "lib/machine_table.h"
#include "lib/timer.h"
#include "ps2.h"

#define KEYBOARD_VECTOR 0x21
#define WATCHDOG_VECTOR 0x41
#define TIMEOUT_EXIT 3u
#define Q_MAKE 0x10u

static uint8_t codes[64];
static volatile uint32_t code_count;
static volatile int saw_q, timed_out;
static volatile uint32_t keyboard_interrupts;

static void keyboard_interrupt(struct int_frame* frame) {
    (void)frame;
    keyboard_interrupts++;
    /* Bounded: a stuck status register cannot keep us here. */
    for (unsigned i = 0; i < 16 && (inb(PS2_STATUS) & PS2_STATUS_OUTPUT_FULL); i++) {
        uint8_t code = inb(PS2_DATA);
        if (code_count < sizeof(codes)) codes[code_count++] = code;
        if (code == Q_MAKE) saw_q = 1;
    }
    lapic_eoi();
}

static void watchdog_interrupt(struct int_frame* frame) {
    (void)frame;
    timed_out = 1;
    lapic_eoi();
}

void kmain(const struct svm_machine* m) {
    console_use(CONSOLE_COM1);
    idt_install(SVM_SEL_CODE64);
    idt_set_handler(KEYBOARD_VECTOR, keyboard_interrupt);
    idt_set_handler(WATCHDOG_VECTOR, watchdog_interrupt);
    pic_disable();
    lapic_enable();

    const struct svm_device* kbd = machine_find_device(m, SVM_DEV_I8042, 0x60);
    const struct svm_device* ioapic = machine_find_device(m, SVM_DEV_IOAPIC, 0);
    check_that("machine i8042", kbd != NULL && kbd->irq == 1, "none", "i8042 at 0x60, irq 1");
    check_that("machine ioapic", ioapic != NULL && ioapic->mmio_base != 0, "none", "an I/O APIC");
    if (check_failures()) check_finish(0);
    uintptr_t ioapic_base = (uintptr_t)ioapic->mmio_base;
    uint32_t pin = kbd->irq - (ioapic->irq == SVM_IRQ_NONE ? 0 : ioapic->irq);

    struct timer_calibration cal;
    if (!check_that("timer calibration", timer_calibrate(&cal) == 0, "no PIT terminal count",
                    "PIT channel 2 output high after 10 ms")) {
        check_finish(0);
    }
    if (ps2_init() != 0) check_finish(0);

    /* Port-1 interrupt on (configuration bit 0), translation kept. */
    ps2_command(0x20);
    int config = ps2_read(1000000u);
    ioapic_route(ioapic_base, pin, KEYBOARD_VECTOR, lapic_id(), 0);
    ps2_command(0x60);
    ps2_write((uint8_t)(config | 0x01));

    uint64_t watchdog = cal.lapic_hz_div16 * 5;
    lapic_timer_start(WATCHDOG_VECTOR, LAPIC_TIMER_ONESHOT, LAPIC_DIVIDE_16,
                      watchdog > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)watchdog);
    for (;;) {
        cpu_cli();
        if (saw_q || timed_out) break;
        cpu_sti_hlt();
    }
    lapic_timer_stop();
    ioapic_mask(ioapic_base, pin, 1);

    for (uint32_t i = 0; i < code_count; i++) kprintf("irq scancode 0x%02x\n", codes[i]);
    if (!saw_q) {
        kputs("kbd_irq: timeout\n");
        svm_exit(TIMEOUT_EXIT);
    }
    check_that("keyboard interrupts", keyboard_interrupts > 0, "none", "at least one");
    check_finish(0);
}
