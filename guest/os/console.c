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
 * Unfinished lines. The shell's prompt and the user's half-typed command are a line without its
 * newline yet. A message from another thread (the network thread's DHCP result, say) must not be
 * glued to its end: the console remembers the unfinished line and which thread wrote it; another
 * thread's write first ends that line, and once its own message is complete, the unfinished line
 * is written again below it, so the user sees the prompt and what they typed and goes on typing,
 * as a terminal's line editor does.
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

/* A line written since its last newline (see "Unfinished lines"). Bytes past the buffer's size
 * are written but not remembered, so a longer line is shown again cut short. */
struct line {
    char text[128];
    size_t len;
    struct thread* writer; /* NULL: before threads, or an interrupt handler */
};

/* Under console_lock: the line the output ends with, and the one another thread's message put
 * aside until that message's line is complete. */
static struct line current, put_aside;
static int threads_ready; /* GS holds this CPU's data: thread_current() works */

static void emit(const char* s, size_t n) {
    com1_write(s, n);
    fbcon_write(s, n);
}

/* Writes a put-aside line again and makes it the current one. */
static void take_back(void) {
    emit(put_aside.text, put_aside.len);
    current = put_aside;
    put_aside.len = 0;
}

/* Writes s and follows it on the current line: a newline ends the line, a backspace takes one
 * character back (the line editor erases with "\b \b"). */
static void emit_and_follow(const char* s, size_t n, struct thread* writer) {
    emit(s, n);
    current.writer = writer;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\n') current.len = 0;
        else if (s[i] == '\b') current.len -= current.len > 0;
        else if (current.len < sizeof current.text) current.text[current.len++] = s[i];
    }
}

static void console_locked_write(const char* s, size_t n) {
    if (n == 0) return;
    unsigned long flags = spin_lock_irqsave(&console_lock);
    struct thread* self = threads_ready ? thread_current() : NULL;
    if (current.len > 0 && current.writer != self) {
        /* Another thread's line is unfinished: end it here and write this on a line of its own.
         * The writer's own line comes back first if it was put aside; otherwise the unfinished
         * line is put aside (unless one already is: a third thread's fragment is just ended). */
        emit("\n", 1);
        if (put_aside.len > 0 && put_aside.writer == self) {
            take_back();
        } else {
            if (put_aside.len == 0) put_aside = current;
            current.len = 0;
        }
    }
    emit_and_follow(s, n, self);
    if (current.len == 0 && put_aside.len > 0 && put_aside.writer != self) take_back();
    spin_unlock_irqrestore(&console_lock, flags);
}

void console_init(void) {
    console_set_writer(console_locked_write);
}

void console_threads_ready(void) {
    unsigned long flags = spin_lock_irqsave(&console_lock);
    threads_ready = 1;
    spin_unlock_irqrestore(&console_lock, flags);
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
