/*
 * The guest console: kprintf and friends, written either through the svm hypercall console
 * (SVM_HC_WRITE, one VM exit per line; the default) or through COM1 (one exit per byte plus LSR
 * polls, as a real driver would).
 */
#ifndef GUEST_LIB_CONSOLE_H
#define GUEST_LIB_CONSOLE_H

#include <stddef.h>

enum console_sink {
    CONSOLE_HYPERCALL = 0, /* SVM_HC_WRITE */
    CONSOLE_COM1 = 1,      /* 16550A polling driver */
    CONSOLE_CUSTOM = 2,    /* a writer the guest installs with console_set_writer() */
};

/* Selects where the console writes from now on. */
void console_use(enum console_sink sink);

/* Installs `writer` and selects CONSOLE_CUSTOM: every console_write() (so every kprintf and
 * kputs, each formatted whole first) becomes one writer(s, n) call. A guest with threads or
 * several CPUs makes its writer take a lock, so that lines from different threads never mix. */
void console_set_writer(void (*writer)(const char* s, size_t n));

/* Writes n bytes to the console. */
void console_write(const char* s, size_t n);

/* Writes a NUL-terminated string (no newline added). */
void kputs(const char* s);

/* Formats like format() (see lib/format.h) and writes the result; lines longer than 255 bytes are
 * cut. Returns the number of bytes written. */
size_t kprintf(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* GUEST_LIB_CONSOLE_H */
