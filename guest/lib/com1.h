/*
 * A polling driver for the 16550A UART at COM1 (0x3F8): wait for the Line Status Register's
 * "transmitter holding register empty" bit, then write the byte (PC16550D data sheet, LSR bit 5).
 */
#ifndef GUEST_LIB_COM1_H
#define GUEST_LIB_COM1_H

#include <stddef.h>

#define COM1_BASE 0x3F8u
#define COM1_LSR (COM1_BASE + 5)
#define COM1_LSR_THRE 0x20u

/* Writes one byte to COM1. Polls LSR a bounded number of times, then writes anyway, so a missing
 * UART cannot hang a guest. */
void com1_putc(char c);

/* Writes n bytes to COM1. */
void com1_write(const char* s, size_t n);

#endif /* GUEST_LIB_COM1_H */
