#include "lib/check.h"

#include <svm/hypercall.h>

#include "lib/console.h"

static unsigned failures;

int check_that(const char* name, int ok, const char* got, const char* want) {
    if (ok) {
        kprintf("check %s: ok\n", name);
    } else {
        failures++;
        kprintf("check %s: FAILED (got %s, want %s)\n", name, got, want);
    }
    return ok;
}

int check_eq(const char* name, uint64_t got, uint64_t want) {
    if (got == want) return check_that(name, 1, "", "");
    failures++;
    kprintf("check %s: FAILED (got 0x%llx, want 0x%llx)\n", name, (unsigned long long)got,
            (unsigned long long)want);
    return 0;
}

int check_eq_dec(const char* name, int64_t got, int64_t want) {
    if (got == want) return check_that(name, 1, "", "");
    failures++;
    kprintf("check %s: FAILED (got %lld, want %lld)\n", name, (long long)got, (long long)want);
    return 0;
}

unsigned check_failures(void) {
    return failures;
}

void check_finish(unsigned success_code) {
    if (failures == 0) {
        kputs("SUCCESS\n");
        svm_exit(success_code);
    }
    kputs("FAILURE\n");
    svm_exit(CHECK_FAILURE_EXIT);
}
