/*
 * elf64.elf: an ELF64 kernel at 1 MiB (identity-mapped). svm enters _start (start/start64.S) in
 * long mode with RDI = RBX = the machine table; kmain validates the table and that the loader
 * zeroed BSS (p_memsz > p_filesz) and copied initialised data.
 */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/boot.h"
#include "lib/check.h"
#include "lib/console.h"
#include "lib/machine_table.h"

/* Large enough to span several pages past the end of the file image. */
static volatile unsigned char bss_block[3 * 4096 + 123];
static volatile uint64_t bss_word;
static volatile uint64_t data_word = 0x1122334455667788ull;

void kmain(const struct svm_machine* m) {
    kputs("elf64: hello from a 64-bit ELF kernel\n");
    check_eq("entry eax", (uint32_t)boot_regs.ax, SVM_BOOT_MAGIC);
    check_eq("entry rdi", boot_regs.di, SVM_MACHINE_TABLE_ADDR);
    check_eq("entry rbx", boot_regs.bx, SVM_MACHINE_TABLE_ADDR);
    check_eq("entry rsp", boot_regs.sp, SVM_BOOT_STACK_TOP);
    check_eq("entry cs", boot_regs.cs, SVM_SEL_CODE64);
    check_eq("entry ss", boot_regs.ss, SVM_SEL_DATA);
    check_eq("kmain argument", (uintptr_t)m, SVM_MACHINE_TABLE_ADDR);

    unsigned nonzero = 0;
    for (unsigned i = 0; i < sizeof(bss_block); i++) nonzero += bss_block[i] != 0;
    check_eq_dec("bss zeroed", nonzero + (bss_word != 0), 0);
    check_eq("data initialised", data_word, 0x1122334455667788ull);

    if (machine_table_check_all(m, "machine")) {
        kprintf("machine: %llu MiB RAM, %u memory ranges, %u devices, %u cpus\n",
                (unsigned long long)(m->ram_size >> 20), m->mem_count, m->dev_count, m->cpu_count);
    }
    check_finish(0);
}
