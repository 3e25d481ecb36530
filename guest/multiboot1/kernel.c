/*
 * multiboot1.elf's kernel: checks the Multiboot 1 handover (Multiboot Specification 0.6.96, 3.2)
 * and prints the command line, memory map and modules from the information structure, over COM1
 * as a Bare Bones kernel would. ESI carries svm's machine table (docs/guests.md).
 */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"
#include "lib/machine_table.h"
#include "multiboot1/multiboot.h"

static void print_mmap(const struct multiboot_info* mbi) {
    uint32_t addr = mbi->mmap_addr;
    uint32_t end = mbi->mmap_addr + mbi->mmap_length;
    unsigned i = 0;
    while (addr < end) {
        const struct multiboot_mmap_entry* e = (const struct multiboot_mmap_entry*)addr;
        kprintf("mmap %u: base 0x%llx length 0x%llx type %u\n", i++, (unsigned long long)e->addr,
                (unsigned long long)e->len, e->type);
        addr += e->size + 4;
    }
    check_that("mmap entries", i > 0, "0", "> 0");
}

void kernel_main(uint32_t magic, const struct multiboot_info* mbi, const struct svm_machine* m) {
    console_use(CONSOLE_COM1);
    kputs("multiboot1: hello from a Multiboot 1 kernel\n");
    if (!check_eq("multiboot magic", magic, MULTIBOOT_BOOTLOADER_MAGIC)) check_finish(0);
    check_eq("cr0.pe", read_cr0() & CR0_PE, CR0_PE);
    check_eq("cr0.pg", read_cr0() & CR0_PG, 0);

    if (mbi->flags & MULTIBOOT_INFO_MEMORY) {
        kprintf("mem_lower %u KiB, mem_upper %u KiB\n", mbi->mem_lower, mbi->mem_upper);
    }
    check_eq("meminfo flag", mbi->flags & MULTIBOOT_INFO_MEMORY, MULTIBOOT_INFO_MEMORY);

    if (mbi->flags & MULTIBOOT_INFO_CMDLINE) {
        kprintf("cmdline: %s\n", (const char*)mbi->cmdline);
    } else {
        kputs("cmdline: (none)\n");
    }

    check_eq("mmap flag", mbi->flags & MULTIBOOT_INFO_MEM_MAP, MULTIBOOT_INFO_MEM_MAP);
    if (mbi->flags & MULTIBOOT_INFO_MEM_MAP) print_mmap(mbi);

    if (mbi->flags & MULTIBOOT_INFO_BOOT_LOADER_NAME) {
        kprintf("boot loader: %s\n", (const char*)mbi->boot_loader_name);
    }

    uint32_t mods = (mbi->flags & MULTIBOOT_INFO_MODS) ? mbi->mods_count : 0;
    kprintf("modules: %u\n", mods);
    for (uint32_t i = 0; i < mods; i++) {
        const struct multiboot_module* mod = (const struct multiboot_module*)mbi->mods_addr + i;
        kprintf("module %u: %s (0x%x-0x%x)\n", i, mod->string ? (const char*)mod->string : "",
                mod->mod_start, mod->mod_end);
        /* ALIGN was requested: modules start on a page boundary (spec 3.1.2, bit 0). */
        check_eq("module page aligned", mod->mod_start & 0xFFF, 0);
    }

    check_eq("esi machine table", (uintptr_t)m, SVM_MACHINE_TABLE_ADDR);
    machine_table_check_all(m, "machine");
    check_finish(0);
}
