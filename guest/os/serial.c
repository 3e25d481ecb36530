/*
 * COM1: a 16550A UART at 0x3F8 (PC16550D datasheet; OSDev wiki "Serial Ports").
 *
 * Output polls the Line Status Register (lib/com1.c, through kprintf). Input is interrupt
 * driven: the "received data available" interrupt (IER bit 0) raises ISA IRQ 4, which the I/O
 * APIC delivers as VECTOR_COM1. The handler hands every waiting byte to console_input(), the
 * input queue the keyboard feeds too (console.c does the line editing for both).
 * MCR bit 3 (OUT2) gates the UART's interrupt line on a real PC, so it is set too.
 */
#include "lib/apic.h"
#include "lib/io.h"
#include "os/kernel.h"

#define COM1 0x3F8u
#define RBR (COM1 + 0) /* receive buffer (read), DLAB = 0 */
#define IER (COM1 + 1) /* interrupt enable, DLAB = 0 */
#define FCR (COM1 + 2) /* FIFO control (write) */
#define LCR (COM1 + 3) /* line control; bit 7 = DLAB */
#define MCR (COM1 + 4) /* modem control */
#define LSR (COM1 + 5) /* line status; bit 0 = data ready */

/* Hands every byte the UART holds to the console's input queue. */
static void drain_uart(void) {
    while (inb(LSR) & 0x01) console_input(inb(RBR));
}

static void com1_irq(struct int_frame* f) {
    (void)f;
    drain_uart();
    lapic_eoi();
}

void serial_init(void) {
    /* Keep what was typed during boot: writing FCR below empties the UART's receive FIFO. */
    drain_uart();
    outb(IER, 0x00); /* no interrupts while programming */
    outb(LCR, 0x80); /* DLAB: the next two ports are the divisor */
    outb(COM1 + 0, 1); /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0);
    outb(LCR, 0x03); /* 8 data bits, no parity, 1 stop bit */
    outb(FCR, 0x07); /* enable and clear the FIFOs, interrupt at every byte */
    outb(MCR, 0x0B); /* DTR, RTS, OUT2 */
    irq_route(platform.com1_gsi, VECTOR_COM1, com1_irq);
    outb(IER, 0x01); /* received data available */
    /* Bytes typed before now raised no edge on the (edge-triggered) pin: keep them. */
    drain_uart();
}
