/*
 * Test reporting for guests: one line per check, then SUCCESS or FAILURE and an exit code
 * through SVM_HC_EXIT. The integration tests match these lines exactly:
 *
 *     check <name>: ok
 *     check <name>: FAILED (got <X>, want <Y>)
 *     SUCCESS | FAILURE
 */
#ifndef GUEST_LIB_CHECK_H
#define GUEST_LIB_CHECK_H

#include <stdint.h>

/* Exit code of a guest whose checks failed. */
#define CHECK_FAILURE_EXIT 1u

/* Checks got == want; prints both in hex (0x...) on failure. Returns whether it passed. */
int check_eq(const char* name, uint64_t got, uint64_t want);

/* Checks got == want; prints both in decimal on failure. Returns whether it passed. */
int check_eq_dec(const char* name, int64_t got, int64_t want);

/* Checks a condition; on failure prints "got <got>, want <want>" with the given descriptions.
 * Returns ok. */
int check_that(const char* name, int ok, const char* got, const char* want);

/* Returns the number of failed checks so far. */
unsigned check_failures(void);

/* Prints SUCCESS and exits with success_code if every check passed; prints FAILURE and exits with
 * CHECK_FAILURE_EXIT otherwise. */
__attribute__((noreturn)) void check_finish(unsigned success_code);

#endif /* GUEST_LIB_CHECK_H */
