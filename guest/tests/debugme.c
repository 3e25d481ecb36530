/*
 * debugme.elf: a target for svm's gdb tests (ELF64 at 1 MiB, -O0 through the pragma below, frame
 * pointers and no sibling calls from guest/CMakeLists.txt). Every step below is a separate
 * statement on its own line so a debugger can stop at it: breakpoints (checkpoint), `finish` out of
 * add(), a backtrace through level1 -> level2 -> level3 -> checkpoint, write and read watchpoints
 * on `watched`, `wv` and `readonly_source`, `set var magic = 42`, and a short counting loop.
 *
 * `watched`, `wv` and `readonly_source` live alone in the page-aligned, page-sized section
 * .data.watch (tests/debugme.ld): no code, stack or other data shares their page, so a debugger
 * that watches through page protection only ever traps on these variables. Run without a
 * debugger, the guest prints every line below and exits with 0:
 *
 *     debugme: start / add: 5 / watched: 3 / read: 7 / wv done / magic: 1 / loop: 200 /
 *     debugme: done
 */
/* -O0 for this file only, so no local is optimised out (r, x, i stay in their stack slots). A
 * pragma because svm_add_guest's OPTIONS come before the shared -O2 on the command line. */
#pragma GCC optimize("O0")

#include <stdint.h>
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/console.h"

#define WATCH_PAGE __attribute__((section(".data.watch"), aligned(8)))

volatile uint64_t watched WATCH_PAGE;
volatile uint64_t wv[6] WATCH_PAGE;
volatile uint64_t readonly_source WATCH_PAGE = 7;
volatile int magic = 1;
volatile uint64_t count_loop;

__attribute__((noinline)) int add(int a, int b) {
    return a + b;
}

/* A place for breakpoints: the barrier keeps the call and the function body. */
__attribute__((noinline)) void checkpoint(void) {
    __asm__ volatile("" ::: "memory");
}

__attribute__((noinline)) void level3(void) {
    checkpoint();
}

__attribute__((noinline)) void level2(void) {
    level3();
}

__attribute__((noinline)) void level1(void) {
    level2();
}

void kmain(const struct svm_machine* m) {
    (void)m;
    checkpoint();
    kputs("debugme: start\n");

    int r = add(2, 3);
    kprintf("add: %d\n", r);

    level1();

    watched = 1;
    watched = 2;
    watched = 3;
    kprintf("watched: %llu\n", (unsigned long long)watched);

    uint64_t x = readonly_source;
    kprintf("read: %llu\n", (unsigned long long)x);

    wv[0] = 10;
    wv[1] = 11;
    wv[2] = 12;
    wv[3] = 13;
    wv[4] = 14;
    wv[5] = 15;
    kputs("wv done\n");

    checkpoint();
    kprintf("magic: %d\n", magic);

    for (int i = 0; i < 200; i++) count_loop++;
    kprintf("loop: %llu\n", (unsigned long long)count_loop);

    kputs("debugme: done\n");
    svm_exit(0);
}
