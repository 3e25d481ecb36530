/*
 * hypercalls.elf: uses every svm hypercall (<svm/hypercall.h>) and checks the results, including
 * the error paths. Exits with 42 on success so a test sees the exit code pass through unchanged.
 *
 * GETCHAR: reads up to GETCHAR_MAX bytes, polling at most GETCHAR_POLLS times in total (each poll
 * is one VM exit), and prints what it read. With nothing typed every poll returns SVM_E_AGAIN.
 */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/machine_table.h"

#define GETCHAR_MAX 3
#define GETCHAR_POLLS 20000
#define UNMAPPED_ADDR 0x0000100000000000ull /* 16 TiB: canonical, beyond svm's 4 GiB map */

static volatile uint64_t translate_target = 1;

static void print_line(const char* label, unsigned nr, uint64_t value, unsigned fmt) {
    kputs(label);
    if (nr == SVM_HC_PRINT_U32) {
        svm_print_u32((uint32_t)value, fmt);
    } else {
        svm_print_u64(value, fmt);
    }
    svm_putchar('\n');
}

static void check_getchar(void) {
    char got[GETCHAR_MAX + 1];
    unsigned n = 0;
    int bad = 0;
    long bad_value = 0;
    for (unsigned poll = 0; poll < GETCHAR_POLLS && n < GETCHAR_MAX; poll++) {
        long c = svm_getchar();
        if (c == SVM_E_AGAIN) continue;
        if (c < 0 || c > 255) {
            bad = 1;
            bad_value = c;
            break;
        }
        got[n++] = (char)c;
    }
    got[n] = '\0';
    if (n == 0) {
        kputs("getchar: nothing typed (SVM_E_AGAIN)\n");
    } else {
        kprintf("getchar: read \"%s\"\n", got);
    }
    check_eq_dec("getchar", bad ? bad_value : 0, 0);
}

void kmain(const struct svm_machine* m) {
    for (const char* s = "putchar: hello\n"; *s; s++) svm_putchar(*s);

    static const char msg[] = "write: hello\n";
    check_eq_dec("write returns length", svm_write(msg, sizeof(msg) - 1), sizeof(msg) - 1);
    check_eq_dec("write unmapped pointer", svm_write((const void*)UNMAPPED_ADDR, 16), SVM_E_FAULT);
    uint64_t ram = machine_table_validate(m) == NULL ? m->ram_size : 0x10000000ull;
    check_eq_dec("write past end of ram", svm_write((const void*)(uintptr_t)(ram - 16), 4096),
                 SVM_E_FAULT);

    print_line("u32 hex: ", SVM_HC_PRINT_U32, 0xdeadbeefu, SVM_FMT_HEX);
    print_line("u32 hex small: ", SVM_HC_PRINT_U32, 0x2au, SVM_FMT_HEX);
    print_line("u32 dec: ", SVM_HC_PRINT_U32, 4294967295u, SVM_FMT_DEC);
    print_line("u64 hex: ", SVM_HC_PRINT_U64, 0xdeadbeefcafef00dull, SVM_FMT_HEX);
    print_line("u64 dec: ", SVM_HC_PRINT_U64, 18446744073709551615ull, SVM_FMT_DEC);

    /* IO first: the TOTAL query is itself a later exit, so total >= io must hold. */
    long io1 = svm_exit_count(SVM_EXITS_IO);
    long total1 = svm_exit_count(SVM_EXITS_TOTAL);
    check_that("exit count io > 0", io1 > 0, "0", "> 0");
    check_that("exit count total >= io", total1 >= io1, "less", ">= io");
    svm_putchar('.');
    svm_putchar('\n');
    long io2 = svm_exit_count(SVM_EXITS_IO);
    long total2 = svm_exit_count(SVM_EXITS_TOTAL);
    check_that("exit count increasing", total2 > total1 && io2 > io1, "not increasing",
               "increasing");
    kprintf("exit counts: total %ld -> %ld, io %ld -> %ld\n", total1, total2, io1, io2);

    check_eq("translate global", (uint64_t)svm_translate((const void*)&translate_target),
             (uintptr_t)&translate_target);
    check_eq_dec("translate unmapped", svm_translate((const void*)UNMAPPED_ADDR), SVM_E_FAULT);
    check_eq_dec("cpu index", svm_cpu_index(), 0);
    check_getchar();
    check_eq_dec("unknown hypercall", svm_hypercall(0x7fff, 0, 0, 0, 0), SVM_E_INVAL);
    check_finish(42);
}
