/* serial_echo.elf: an interrupt-driven COM1 receiver. COM1's "received data available" interrupt
 * (IER bit 0, gated onto the IRQ line by MCR.OUT2 as on a PC) reaches vector 0x24 through the
 * I/O APIC pin of the UART's GSI (4). The handler drains the receive buffer; the main loop halts
 * until a '\n' arrives and echoes the line through COM1's transmitter. A one-shot local APIC
 * timer ends the wait after 5 s: `serial_echo: timeout`, exit 3.
 *
 * Register layout: PC16550D data sheet, table 2 (RBR/THR +0, IER +1, IIR +2, LCR +3, MCR +4,
 * LSR +5). */
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

#define SERIAL_VECTOR 0x24
#define WATCHDOG_VECTOR 0x41
#define TIMEOUT_EXIT 3u

#define UART_RBR 0
#define UART_IER 1
#define UART_IIR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define UART_IER_RDA 0x01
#define UART_MCR_DTR_RTS_OUT2 0x0B
#define UART_LSR_DR 0x01

static uint16_t uart;
static char line[128];
static volatile uint32_t line_len;
static volatile int line_done, timed_out;
static volatile uint32_t serial_interrupts;

static void serial_interrupt(struct int_frame* frame) {
    (void)frame;
    serial_interrupts++;
    (void)inb(uart + UART_IIR);
    /* Bounded: a stuck LSR cannot keep us in the handler. */
    for (unsigned i = 0; i < 64 && (inb(uart + UART_LSR) & UART_LSR_DR); i++) {
        char c = (char)inb(uart + UART_RBR);
        if (line_done) continue;
        if (c == '\n') {
            line_done = 1;
        } else if (c != '\r' && line_len < sizeof(line) - 1) {
            line[line_len++] = c;
        }
    }
    lapic_eoi();
}

static void watchdog_interrupt(struct int_frame* frame) {
    (void)frame;
    timed_out = 1;
    lapic_eoi();
}

void kmain(const struct svm_machine* m) {
    idt_install(SVM_SEL_CODE64);
    idt_set_handler(SERIAL_VECTOR, serial_interrupt);
    idt_set_handler(WATCHDOG_VECTOR, watchdog_interrupt);
    pic_disable();
    lapic_enable();

    const char* bad = machine_table_validate(m);
    if (!check_that("machine table valid", bad == NULL, bad ? bad : "", "valid")) check_finish(0);
    const struct svm_device* com1 = machine_find_device(m, SVM_DEV_UART16550, 0x3F8);
    const struct svm_device* ioapic = machine_find_device(m, SVM_DEV_IOAPIC, 0);
    check_that("machine com1 irq", com1 != NULL && com1->irq != SVM_IRQ_NONE, "none", "an irq");
    check_that("machine ioapic", ioapic != NULL && ioapic->mmio_base != 0, "none",
               "an I/O APIC entry");
    if (check_failures()) check_finish(0);
    uart = com1->io_base;
    uintptr_t ioapic_base = (uintptr_t)ioapic->mmio_base;
    uint32_t pin = com1->irq - (ioapic->irq == SVM_IRQ_NONE ? 0 : ioapic->irq);

    struct timer_calibration cal;
    if (!check_that("timer calibration", timer_calibrate(&cal) == 0, "no PIT terminal count",
                    "PIT channel 2 output high after 10 ms")) {
        check_finish(0);
    }

    /* svm's COM1 holds its IRQ line high while an enabled condition is pending (level, as the
     * brief for svm's UART says); a level-triggered entry re-delivers after the EOI if it still
     * is. */
    ioapic_route(ioapic_base, pin, SERIAL_VECTOR, lapic_id(), IOAPIC_LEVEL);
    outb(uart + UART_LCR, 0x03); /* 8N1, DLAB off */
    outb(uart + UART_MCR, UART_MCR_DTR_RTS_OUT2);
    outb(uart + UART_IER, UART_IER_RDA);

    uint64_t watchdog = cal.lapic_hz_div16 * 5;
    lapic_timer_start(WATCHDOG_VECTOR, LAPIC_TIMER_ONESHOT, LAPIC_DIVIDE_16,
                      watchdog > 0xFFFFFFFFu ? 0xFFFFFFFFu : (uint32_t)watchdog);
    for (;;) {
        cpu_cli();
        if (line_done || timed_out) break;
        cpu_sti_hlt();
    }
    lapic_timer_stop();
    outb(uart + UART_IER, 0);
    ioapic_mask(ioapic_base, pin, 1);

    if (!line_done) {
        kputs("serial_echo: timeout\n");
        svm_exit(TIMEOUT_EXIT);
    }
    /* The echo goes out through COM1's transmitter (lib/com1.c polls LSR.THRE). */
    console_use(CONSOLE_COM1);
    line[line_len] = '\0';
    kprintf("echo: %s\n", line);
    console_use(CONSOLE_HYPERCALL);
    check_that("serial interrupt", serial_interrupts > 0, "none", "at least one");
    check_finish(0);
}
