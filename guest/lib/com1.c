#include "lib/com1.h"

#include "lib/io.h"

void com1_putc(char c) {
    for (unsigned tries = 0; tries < 100000; tries++) {
        if (inb(COM1_LSR) & COM1_LSR_THRE) break;
    }
    outb(COM1_BASE, (unsigned char)c);
}

void com1_write(const char* s, size_t n) {
    while (n--) com1_putc(*s++);
}
