/*
 * The command line, the executable file and the modules (PROTOCOL.md "Executable Command Line
 * Feature", "Executable File Feature", "Module Feature", "File Structure").
 */
#include "lib/mem.h"
#include "limine/limine_guest.h"
#include "limine/limine_modules.h"

#define STR(x) #x
#define XSTR(x) STR(x)
#define TYPE6 (1u << SVM_LIMINE_MEMMAP_EXECUTABLE_AND_MODULES)

/* Checks one struct svm_limine_file against what svm promises. */
static void check_file(const char* what, const struct svm_limine_file* f, const char* path,
                       const char* string) {
    const char* got_path = (const char*)(uintptr_t)f->path;
    const char* got_string = (const char*)(uintptr_t)f->string;
    check(f->address >= guest.hhdm && f->address % 4096 == 0,
          "%s: address 0x%llx is 4 KiB aligned in the HHDM", what, (unsigned long long)f->address);
    check(got_path && str_eq(got_path, path), "%s: path \"%s\"", what,
          got_path ? got_path : "(null)");
    check(got_string && str_eq(got_string, string), "%s: string \"%s\"", what,
          got_string ? got_string : "(null)");
    check(memmap_covers(f->address - guest.hhdm, f->size, TYPE6),
          "%s: contents in an executable-and-modules entry", what);
}

static void check_executable_file(void) {
    const struct svm_limine_executable_file_response* r =
        RESPONSE(struct svm_limine_executable_file_response, req_executable_file);
    if (!check(r != 0 && r->executable_file != 0, "executable file response present")) return;
    const struct svm_limine_file* f = (const struct svm_limine_file*)(uintptr_t)r->executable_file;
    check_file("executable file", f, "/limine_rev" XSTR(BASE_REVISION) ".elf", guest.cmdline);
    const uint8_t* elf = (const uint8_t*)(uintptr_t)f->address;
    if (!check(memcmp(elf, "\177ELF", 4) == 0, "executable file: starts with \\x7fELF")) return;
    /* GNU ld puts the section headers last: the file ends with them. */
    uint64_t end = rd64(elf + 0x28) +
                   (uint64_t)(*(const uint16_t*)(elf + 0x3C)) * *(const uint16_t*)(elf + 0x3A);
    check(f->size == end, "executable file: size %llu (section headers end at %llu)",
          (unsigned long long)f->size, (unsigned long long)end);
    extern char limine_elf_entry[];
    check_eq("executable file: e_entry", rd64(elf + 0x18), (uint64_t)(uintptr_t)limine_elf_entry);
}

static void check_module(unsigned i, const struct svm_limine_file* f, const char* name,
                         const char* contents, const char* string) {
    char what[16] = "module 0", path[64] = "/";
    what[7] = (char)('0' + i);
    memcpy(path + 1, name, strlen(name) + 1);
    check_file(what, f, path, string);
    size_t len = strlen(contents);
    check(f->size == len, "%s: size %llu (want %llu)", what, (unsigned long long)f->size,
          (unsigned long long)len);
    check(f->size == len && memcmp((const void*)(uintptr_t)f->address, contents, len) == 0,
          "%s: contents match", what);
}

static void check_modules(void) {
    const struct svm_limine_module_response* r =
        RESPONSE(struct svm_limine_module_response, req_module);
    if (!guest.expect_modules) {
        check(r == 0, "module response absent without --module");
        return;
    }
    if (!check(r != 0, "module response present")) return;
    if (!check_eq("module count", r->module_count, LIMINE_MODULE_COUNT)) return;
    const uint64_t* list = (const uint64_t*)(uintptr_t)r->modules;
    check_module(0, (const struct svm_limine_file*)(uintptr_t)list[0], LIMINE_MODULE0_NAME,
                 LIMINE_MODULE0_CONTENTS, LIMINE_MODULE0_STRING);
    check_module(1, (const struct svm_limine_file*)(uintptr_t)list[1], LIMINE_MODULE1_NAME,
                 LIMINE_MODULE1_CONTENTS, LIMINE_MODULE1_STRING);
}

void check_files(void) {
    check_executable_file();
    check_modules();
}
