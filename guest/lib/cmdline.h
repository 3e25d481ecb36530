/* The kernel command line svm hands a test guest (svm_machine.cmdline, from --cmdline). */
#ifndef GUEST_LIB_CMDLINE_H
#define GUEST_LIB_CMDLINE_H

#include <stdint.h>
#include <svm/machine.h>

/* True if the command line is exactly `want`. */
static inline int cmdline_is(const struct svm_machine* m, const char* want) {
    const char* s = (const char*)(uintptr_t)m->cmdline;
    if (!s) return 0;
    for (; *want; want++, s++)
        if (*s != *want) return 0;
    return *s == 0;
}

#endif
