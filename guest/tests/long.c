/*
 * long.bin: a flat 64-bit binary (--mode long --load 0x100000). Checks that svm really entered
 * long mode with paging (EFER.LMA, CR0.PG, CR4.PAE; Intel SDM Vol. 3A, 9.8.5) and that the low
 * 4 GiB are identity-mapped: a pattern written at 3 MiB reads back, and svm's own page walk
 * (SVM_HC_TRANSLATE) agrees that 3 MiB maps to 3 MiB.
 */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/boot.h"
#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"
#include "lib/machine_table.h"

#define TEST_ADDR 0x300000ul /* 3 MiB: above the image, inside any sensible RAM size */

void kmain(const struct svm_machine* m) {
    kputs("long: hello from a flat 64-bit binary\n");
    check_eq("entry eax", (uint32_t)boot_regs.ax, SVM_BOOT_MAGIC);
    check_eq("entry rdi", boot_regs.di, SVM_MACHINE_TABLE_ADDR);
    check_eq("entry rsp", boot_regs.sp, SVM_BOOT_STACK_TOP);
    check_eq("entry cs", boot_regs.cs, SVM_SEL_CODE64);
    check_eq("efer.lma", rdmsr(MSR_EFER) & EFER_LMA, EFER_LMA);
    check_eq("cr0.pg", read_cr0() & CR0_PG, CR0_PG);
    check_eq("cr4.pae", read_cr4() & CR4_PAE, CR4_PAE);
    uintptr_t ip = current_ip();
    check_that("rip in image", ip >= 0x100000 && ip < 0x200000, "outside", "[1 MiB, 2 MiB)");

    volatile uint64_t* p = (volatile uint64_t*)TEST_ADDR;
    p[0] = 0x0123456789abcdefull;
    p[1] = ~0x0123456789abcdefull;
    check_eq("identity map write/read", p[0], 0x0123456789abcdefull);
    check_eq("identity map write/read 2", p[1], ~0x0123456789abcdefull);
    check_eq("identity map translate", (uint64_t)svm_translate((const void*)TEST_ADDR), TEST_ADDR);
    check_that("machine table valid", machine_table_validate(m) == NULL, "invalid", "valid");
    check_finish(0);
}
