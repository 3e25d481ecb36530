/*
 * The console: every output goes to COM1 and to the framebuffer console, every input comes
 * through one queue, whichever device it was typed on.
 *
 * Output. guest/lib's kprintf formats a whole line (up to 255 bytes) and hands it to
 * console_write() in one call; here that call takes a spinlock and writes everything to COM1
 * (lib/com1.c polls the UART's Line Status Register for each byte) and to fbcon.c's text screen.
 * Without the lock a thread preempted halfway through a line would let another thread's line land
 * in the middle of it, and the two outputs could show the lines in different orders.
 *
 * Input. The COM1 and keyboard interrupt handlers put bytes into one ring buffer
 * (console_input()) and wake the thread blocked in console_readline(), which does the line
 * editing (echo, backspace) for both: the shell cannot tell where a key came from, and its echo
 * shows on both outputs.
 */
#include "lib/com1.h"
#include "os/kernel.h"

/* Lock order: input_lock and console_lock are never held together (console_readline() echoes
 * after dropping input_lock). */
static struct spinlock console_lock; /* COM1 output, fbcon's text and screen_taken */
static struct spinlock input_lock;   /* the ring and its reader */

static int screen_taken; /* a thread draws on the framebuffer itself (console_screen_take) */

static void console_locked_write(const char* s, size_t n) {
    unsigned long flags = spin_lock_irqsave(&console_lock);
    com1_write(s, n);
    fbcon_write(s, n);
    spin_unlock_irqrestore(&console_lock, flags);
}

void console_init(void) {
    console_set_writer(console_locked_write);
}

const struct framebuffer* console_screen_take(void) {
    const struct framebuffer* fb = fbcon_framebuffer();
    unsigned long flags = spin_lock_irqsave(&console_lock);
    if (screen_taken) fb = NULL;
    if (fb) {
        screen_taken = 1;
        fbcon_pause(1);
    }
    spin_unlock_irqrestore(&console_lock, flags);
    return fb;
}

void console_screen_release(void) {
    unsigned long flags = spin_lock_irqsave(&console_lock);
    if (screen_taken) {
        screen_taken = 0;
        fbcon_pause(0);
    }
    spin_unlock_irqrestore(&console_lock, flags);
}

/* ---- input ------------------------------------------------------------------------------- */

#define RING_SIZE 256u /* a power of two */
static uint8_t ring[RING_SIZE];
static uint32_t ring_head, ring_tail; /* written by console_input() / by the reader */
static struct thread* reader;         /* the thread waiting for input, if any */

void console_input(uint8_t c) {
    unsigned long flags = spin_lock_irqsave(&input_lock);
    if (ring_head - ring_tail < RING_SIZE) ring[ring_head++ % RING_SIZE] = c;
    struct thread* t = reader;
    spin_unlock_irqrestore(&input_lock, flags);
    if (t) thread_wake(t);
}

/* Returns the next input byte, blocking the calling thread until there is one. */
static uint8_t console_getc(void) {
    /* The reader names itself in `reader` under input_lock, where console_input() looks after
     * queueing a byte. A byte that arrives after our check but before thread_block() (from an
     * interrupt on another CPU: interrupts stay off here) finds us as `reader`
     * and wakes us; thread_block() then returns at once, because the scheduler remembers a
     * wake-up that came before the block (sched.c, "Lost wake-ups"), and the loop looks again. */
    unsigned long flags = spin_lock_irqsave(&input_lock);
    while (ring_head == ring_tail) {
        reader = thread_current();
        spin_unlock_irqrestore(&input_lock, 0); /* 0: keep interrupts off */
        thread_block();                         /* console_input() wakes us */
        spin_lock_irqsave(&input_lock);
    }
    reader = NULL;
    uint8_t c = ring[ring_tail++ % RING_SIZE];
    spin_unlock_irqrestore(&input_lock, flags);
    return c;
}

size_t console_readline(char* buf, size_t n) {
    size_t len = 0;
    for (;;) {
        uint8_t c = console_getc();
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
