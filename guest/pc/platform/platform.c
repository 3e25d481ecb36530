#include "pc/platform/platform.h"

#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"

static int starts_with(const char* s, const char* prefix) {
    while (*prefix)
        if (*s++ != *prefix++) return 0;
    return 1;
}

uint32_t cmdline_number(const char* cmdline, const char* key, uint32_t fallback) {
    if (!cmdline) return fallback;
    for (const char* p = cmdline; *p; ++p) {
        if ((p != cmdline && p[-1] != ' ') || !starts_with(p, key)) continue;
        const char* q = p;
        while (*q && *q != '=') ++q;
        if (*q != '=') continue;
        ++q;
        uint32_t v = 0;
        while (*q >= '0' && *q <= '9') v = v * 10 + (uint32_t)(*q++ - '0');
        if (*q == 'M') v <<= 20;
        return v;
    }
    return fallback;
}

void platform_finish(void) {
    if (check_failures() == 0) {
        kputs("SUCCESS\n");
        /* ACPI soft-off: SLP_EN | SLP_TYP(\_S5 = 0) into PM1a_CNT (ACPI 6.4, 16.1.7). */
        outw(0x604, 0x2000);
        outw(0xB004, 0x2000); /* QEMU -M pc's PIIX4 block */
        /* The machine stops soon after the write, not at once (QEMU handles the request in its
         * main loop): halt rather than run on into the failure path. If power-off did not work,
         * svm reports the halt. */
        halt_forever();
    }
    kputs("FAILURE\n");
    outb(0xF4, 1); /* isa-debug-exit: exit code 3 */
    halt_forever();
}
