/*
 * elf32.elf: an ELF32 (i386) kernel at 1 MiB. svm enters e_entry in protected mode, paging off,
 * with EBX = the machine table. Validates the table and the entry state.
 */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/boot.h"
#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"
#include "lib/machine_table.h"

static volatile uint32_t bss_word;

void kmain(const struct svm_machine* m) {
    kputs("elf32: hello from a 32-bit ELF kernel\n");
    check_eq("cr0.pe", read_cr0() & CR0_PE, CR0_PE);
    check_eq("entry eax", boot_regs.ax, SVM_BOOT_MAGIC);
    check_eq("entry ebx", boot_regs.bx, SVM_MACHINE_TABLE_ADDR);
    check_eq("entry cs", boot_regs.cs, SVM_SEL_CODE32);
    check_eq("bss zeroed", bss_word, 0);
    machine_table_check_all(m, "machine");
    check_finish(0);
}
