/*
 * multiboot2.elf's 64-bit kernel: boot.S switched to long mode by itself; here we walk the
 * Multiboot 2 information tags, print what svm passed, and validate svm's machine table tag.
 */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"
#include "lib/machine_table.h"
#include "multiboot2/multiboot2.h"

static const struct svm_machine* walk_tags(const struct mb2_info* mbi) {
    const struct svm_machine* machine = NULL;
    unsigned tags = 0, mmap_entries = 0, modules = 0;
    int saw_end = 0;
    const char* p = (const char*)mbi + 8;
    const char* end = (const char*)mbi + mbi->total_size;
    while (p + sizeof(struct mb2_tag) <= end) {
        const struct mb2_tag* tag = (const struct mb2_tag*)p;
        if (tag->type == MB2_TAG_END) {
            saw_end = 1;
            break;
        }
        if (tag->size < 8) break;
        tags++;
        switch (tag->type) {
            case MB2_TAG_CMDLINE:
                kprintf("cmdline: %s\n", ((const struct mb2_tag_string*)tag)->string);
                break;
            case MB2_TAG_BOOT_LOADER_NAME:
                kprintf("boot loader: %s\n", ((const struct mb2_tag_string*)tag)->string);
                break;
            case MB2_TAG_MODULE: {
                const struct mb2_tag_module* mod = (const struct mb2_tag_module*)tag;
                kprintf("module %u: %s (0x%x-0x%x)\n", modules++, mod->string, mod->mod_start,
                        mod->mod_end);
                break;
            }
            case MB2_TAG_BASIC_MEMINFO: {
                const struct mb2_tag_basic_meminfo* mem = (const struct mb2_tag_basic_meminfo*)tag;
                kprintf("mem_lower %u KiB, mem_upper %u KiB\n", mem->mem_lower, mem->mem_upper);
                break;
            }
            case MB2_TAG_MMAP: {
                const struct mb2_tag_mmap* mmap = (const struct mb2_tag_mmap*)tag;
                for (uint32_t off = 16; mmap->entry_size && off + mmap->entry_size <= tag->size;
                     off += mmap->entry_size) {
                    const struct mb2_mmap_entry* e =
                        (const struct mb2_mmap_entry*)((const char*)tag + off);
                    kprintf("mmap %u: base 0x%llx length 0x%llx type %u\n", mmap_entries++,
                            (unsigned long long)e->base_addr, (unsigned long long)e->length,
                            e->type);
                }
                break;
            }
            case SVM_MULTIBOOT2_TAG_MACHINE: {
                const struct svm_multiboot2_machine_tag* t =
                    (const struct svm_multiboot2_machine_tag*)tag;
                kprintf("svm machine tag: table at 0x%llx\n", (unsigned long long)t->machine_table);
                machine = (const struct svm_machine*)(uintptr_t)t->machine_table;
                break;
            }
            default:
                kprintf("tag type %u, %u bytes (skipped)\n", tag->type, tag->size);
                break;
        }
        p += (tag->size + 7) & ~7u; /* tags are 8-byte aligned (spec 3.6.1) */
    }
    kprintf("modules: %u\n", modules);
    check_that("end tag", saw_end, "missing", "present");
    check_that("mmap entries", mmap_entries > 0, "0", "> 0");
    return machine;
}

void kmain(uint32_t magic, uint64_t mbi_addr) {
    kputs("multiboot2: hello from 64-bit code, switched to long mode by the kernel\n");
    if (!check_eq("multiboot2 magic", magic, MULTIBOOT2_BOOTLOADER_MAGIC)) check_finish(0);
    check_eq("efer.lma", rdmsr(MSR_EFER) & EFER_LMA, EFER_LMA);
    check_eq("mbi 8-byte aligned", mbi_addr & 7, 0);
    const struct mb2_info* mbi = (const struct mb2_info*)(uintptr_t)mbi_addr;
    const struct svm_machine* m = walk_tags(mbi);
    if (check_that("machine tag", m != NULL, "missing", "present")) {
        machine_table_check_all(m, "machine");
    }
    check_finish(0);
}
