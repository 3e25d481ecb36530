/*
 * higherhalf.elf: an ELF64 kernel linked at 0xFFFFFFFF80100000 and loaded at physical 1 MiB
 * (ld/higherhalf.ld). Checks that it runs at its link address, that globals are reachable there,
 * and that svm's identity map of the low 4 GiB is still present.
 *
 * level1 -> level2 -> level3 is a call chain of real frames (noinline, -fno-omit-frame-pointer,
 * -fno-optimize-sibling-calls) for debugger tests: a breakpoint on level3 gives the backtrace
 * level3, level2, level1, kmain, _start.
 */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/boot.h"
#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"
#include "lib/machine_table.h"

#define KERNEL_VMA 0xFFFFFFFF80000000ull

static volatile uint64_t higher_global = 0xfeedface12345678ull;
volatile int chain_depth; /* written by the chain so the compiler keeps every frame */

/* Not a leaf (it calls kputs), so it gets a frame of its own like its callers. */
__attribute__((noinline)) int level3(int x) {
    chain_depth = 3;
    kputs("call chain: in level3\n");
    return x * 2;
}

__attribute__((noinline)) int level2(int x) {
    chain_depth = 2;
    int r = level3(x + 1);
    return r + 1;
}

__attribute__((noinline)) int level1(int x) {
    chain_depth = 1;
    int r = level2(x + 1);
    return r + 1;
}

void kmain(const struct svm_machine* m) {
    kputs("higherhalf: hello from the higher half\n");
    uintptr_t ip = current_ip();
    check_that("rip in higher half", ip >= KERNEL_VMA + 0x100000, "low address",
               ">= 0xffffffff80100000");
    uintptr_t global = (uintptr_t)&higher_global;
    check_that("global address in higher half", global >= KERNEL_VMA + 0x100000, "low address",
               ">= 0xffffffff80100000");
    check_eq("global readable", higher_global, 0xfeedface12345678ull);
    higher_global = 0x1111222233334444ull;
    check_eq("global writable", higher_global, 0x1111222233334444ull);
    /* The same byte through the identity map: physical = virtual - KERNEL_VMA. */
    volatile uint64_t* low_alias = (volatile uint64_t*)(global - KERNEL_VMA);
    check_eq("identity alias of global", *low_alias, 0x1111222233334444ull);
    check_eq("translate global", (uint64_t)svm_translate((const void*)global), global - KERNEL_VMA);
    check_eq("kmain argument", (uintptr_t)m, SVM_MACHINE_TABLE_ADDR);
    check_that("identity map table", machine_table_validate(m) == NULL, "invalid", "valid");
    check_eq_dec("call chain", level1(1), 8);
    check_eq_dec("call chain depth", chain_depth, 3);
    check_finish(0);
}
