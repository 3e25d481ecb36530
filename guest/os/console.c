/*
 * The console. guest/lib's kprintf formats a whole line (up to 255 bytes) and hands it to
 * console_write() in one call; here that call takes a spinlock and writes everything to COM1
 * (lib/com1.c polls the UART's Line Status Register for each byte). Without the lock a thread
 * preempted halfway through a line would let another thread's line land in the middle of it.
 */
#include "lib/com1.h"
#include "os/kernel.h"

static struct spinlock console_lock;

static void console_locked_write(const char* s, size_t n) {
    unsigned long flags = spin_lock_irqsave(&console_lock);
    com1_write(s, n);
    spin_unlock_irqrestore(&console_lock, flags);
}

void console_init(void) {
    console_set_writer(console_locked_write);
}
