/*
 * protected.bin: a flat 32-bit binary (--mode protected --load 0x100000). Checks svm's protected
 * mode start: CR0.PE set and paging off (Intel SDM Vol. 3A, 2.5), the boot GDT selectors
 * (CS = 0x18, data 0x10), ESP, EAX and the machine table at EBX.
 */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/boot.h"
#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"
#include "lib/machine_table.h"

void kmain(const struct svm_machine* m) {
    kputs("protected: hello from 32-bit protected mode\n");
    unsigned long cr0 = read_cr0();
    check_eq("cr0.pe", cr0 & CR0_PE, CR0_PE);
    check_eq("cr0.pg", cr0 & CR0_PG, 0);
    check_eq("entry eax", boot_regs.ax, SVM_BOOT_MAGIC);
    check_eq("entry ebx", boot_regs.bx, SVM_MACHINE_TABLE_ADDR);
    check_eq("entry esp", boot_regs.sp, SVM_BOOT_STACK_TOP);
    check_eq("entry cs", boot_regs.cs, SVM_SEL_CODE32);
    check_eq("entry ds", boot_regs.ds, SVM_SEL_DATA);
    check_eq("entry es", boot_regs.es, SVM_SEL_DATA);
    check_eq("entry fs", boot_regs.fs, SVM_SEL_DATA);
    check_eq("entry gs", boot_regs.gs, SVM_SEL_DATA);
    check_eq("entry ss", boot_regs.ss, SVM_SEL_DATA);
    machine_table_check_all(m, "machine");
    check_finish(0);
}
