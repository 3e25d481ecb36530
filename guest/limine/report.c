/*
 * Reporting for the Limine guests: "ok <what>" or "FAIL <what>" per check on COM1, a summary line,
 * and the exit code through svm's SVM_HC_EXIT hypercall (QEMU's isa-debug-exit at 0xF4 as a
 * fallback, so the same image ends under QEMU + Limine too).
 */
#include <stdarg.h>
#include <svm/hypercall.h>

#include "lib/console.h"
#include "lib/format.h"
#include "lib/io.h"
#include "limine/limine_guest.h"

static unsigned checks_run, checks_failed;

int check(int ok, const char* fmt, ...) {
    char line[200];
    va_list args;
    va_start(args, fmt);
    vformat(line, sizeof line, fmt, args);
    va_end(args);
    ++checks_run;
    if (!ok) ++checks_failed;
    kprintf("%s %s\n", ok ? "ok" : "FAIL", line);
    return ok;
}

int check_eq(const char* what, uint64_t got, uint64_t want) {
    if (got == want) return check(1, "%s = 0x%llx", what, (unsigned long long)got);
    return check(0, "%s = 0x%llx, want 0x%llx", what, (unsigned long long)got,
                 (unsigned long long)want);
}

void limine_exit(unsigned code) {
    svm_hypercall(SVM_HC_EXIT, code, 0, 0, 0);
    outb(0xF4, (uint8_t)code); /* QEMU isa-debug-exit: status (code << 1) | 1 */
    halt_forever();
}

void limine_finish(void) {
    if (checks_failed == 0) {
        kprintf("limine: all %u checks passed\n", checks_run);
        limine_exit(0);
    }
    kprintf("limine: %u of %u checks FAILED\n", checks_failed, checks_run);
    limine_exit(1);
}
