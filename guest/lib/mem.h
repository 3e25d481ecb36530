/*
 * The freestanding memory and string functions. GCC may emit calls to memcpy, memset, memmove and
 * memcmp even with -ffreestanding (GCC manual, "C Dialect Options"), so every guest links them.
 */
#ifndef GUEST_LIB_MEM_H
#define GUEST_LIB_MEM_H

#include <stddef.h>

void* memcpy(void* dst, const void* src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
size_t strlen(const char* s);
/* Returns the length of s, but at most max (s need not be NUL-terminated within max bytes). */
size_t strnlen(const char* s, size_t max);
int strcmp(const char* a, const char* b);

#endif /* GUEST_LIB_MEM_H */
