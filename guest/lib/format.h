/*
 * Number formatting and a small printf for guests. No 64-bit division helpers from libgcc are
 * needed: 32-bit guests divide through `divl` (guests link without libgcc).
 */
#ifndef GUEST_LIB_FORMAT_H
#define GUEST_LIB_FORMAT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* Writes v in the given base (2..16, lowercase digits) into buf, at least min_digits digits
 * (zero-padded), NUL-terminated. buf must hold 65 bytes. Returns the number of digits written. */
size_t format_unsigned(char* buf, uint64_t v, unsigned base, unsigned min_digits);

/* Formats into buf (at most size bytes including the NUL) like a subset of C's snprintf:
 * %s %c %d %i %u %x %p %%, with the flags '-' and '0', a width, and the length modifiers l, ll,
 * z. %p prints 0x and 16 hex digits (8 on i386). Returns the length the full output would have. */
size_t vformat(char* buf, size_t size, const char* fmt, va_list args);
size_t format(char* buf, size_t size, const char* fmt, ...) __attribute__((format(printf, 3, 4)));

#endif /* GUEST_LIB_FORMAT_H */
