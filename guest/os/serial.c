/*
 * COM1: a 16550A UART at 0x3F8 (PC16550D datasheet; OSDev wiki "Serial Ports").
 *
 * Output polls the Line Status Register (lib/com1.c, through kprintf). Input is interrupt
 * driven: the "received data available" interrupt (IER bit 0) raises ISA IRQ 4, which the I/O
 * APIC delivers as VECTOR_COM1. The handler moves every waiting byte into a ring buffer and wakes
 * the thread blocked in serial_readline(), which does the line editing (echo, backspace).
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

#define RING_SIZE 256u /* a power of two */
static volatile uint8_t ring[RING_SIZE];
static volatile uint32_t ring_head, ring_tail; /* written by the IRQ / by the reader */
static struct thread* volatile reader;         /* the thread waiting for input, if any */

/* Moves every byte the UART holds into the ring (a full ring drops bytes). */
static void drain_uart(void) {
    while (inb(LSR) & 0x01) {
        uint8_t c = inb(RBR);
        if (ring_head - ring_tail < RING_SIZE) ring[ring_head++ % RING_SIZE] = c;
    }
}

static void com1_irq(struct int_frame* f) {
    (void)f;
    drain_uart();
    lapic_eoi();
    if (reader) thread_wake(reader);
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

/* Returns the next input byte, blocking the calling thread until there is one.
 *
 * com1_irq() runs on the BSP, the reader on any CPU, so turning interrupts off here does not keep
 * the handler out. The reader therefore names itself in `reader` before it looks at the ring
 * (the fence orders the two; the handler's last `inb` orders its ring store before its read of
 * `reader`, SDM Vol. 3A, 9.2.5): either the reader sees the byte, or the handler sees the reader
 * and wakes it, and thread_block() returns at once if that wake-up came before it (sched.c). */
static uint8_t serial_getc(void) {
    __asm__ volatile("cli" : : : "memory");
    for (;;) {
        reader = thread_current();
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (ring_head != ring_tail) break;
        thread_block(); /* com1_irq() wakes us */
    }
    reader = NULL;
    uint8_t c = ring[ring_tail++ % RING_SIZE];
    __asm__ volatile("sti" : : : "memory");
    return c;
}

size_t serial_readline(char* buf, size_t n) {
    size_t len = 0;
    for (;;) {
        uint8_t c = serial_getc();
        if (c == '\r' || c == '\n') {
            /* A terminal sends CR, a pipe LF, some CR LF: an empty line after CR is its LF. */
            static uint8_t last_end;
            if (len == 0 && c == '\n' && last_end == '\r') {
                last_end = 0;
                continue;
            }
            last_end = c;
            kputs("\n");
            buf[len] = 0;
            return len;
        }
        if (c == 0x7F || c == 0x08) { /* DEL or BS: erase one character */
            if (len > 0) {
                len--;
                kputs("\b \b");
            }
        } else if (c >= 0x20 && c < 0x7F && len + 1 < n) {
            buf[len++] = (char)c;
            console_write((const char*)&c, 1);
        }
    }
}
