/*
 * The Limine test guest's BSP (docs/guests.md "Limine guests"): entered by entry.S with the
 * registers the loader left, it checks the base revision tag, the HHDM (whose offset depends on
 * the paging mode), reads its command line,
 * then runs every check group and exits with 0 only if all passed.
 */
#include "lib/console.h"
#include "lib/mem.h"
#include "limine/limine_guest.h"

struct limine_guest guest;

int str_eq(const char* a, const char* b) {
    return a && b && strcmp(a, b) == 0;
}

/* Whether the space-separated `cmdline` has the word `word`; if `value`, the word is a prefix
 * ("cpus=") and *value gets the decimal number after it. */
static int has_word(const char* cmdline, const char* word, unsigned* value) {
    size_t n = strlen(word);
    for (const char* p = cmdline; *p;) {
        while (*p == ' ') ++p;
        const char* end = p;
        while (*end && *end != ' ') ++end;
        if ((size_t)(end - p) >= n && memcmp(p, word, n) == 0 &&
            (value || (size_t)(end - p) == n)) {
            if (value) {
                unsigned v = 0;
                for (const char* d = p + n; d < end && *d >= '0' && *d <= '9'; ++d)
                    v = v * 10 + (unsigned)(*d - '0');
                *value = v;
            }
            return 1;
        }
        p = end;
    }
    return 0;
}

static void read_cmdline(void) {
    const struct svm_limine_executable_cmdline_response* r =
        RESPONSE(struct svm_limine_executable_cmdline_response, req_cmdline);
    guest.cmdline = r && r->cmdline ? (const char*)(uintptr_t)r->cmdline : "";
    check(r != 0 && r->cmdline != 0, "cmdline \"%s\"", guest.cmdline);
    guest.expected_cpus = 1;
    has_word(guest.cmdline, "cpus=", &guest.expected_cpus);
    guest.expect_modules = has_word(guest.cmdline, "modules", 0);
}

/* The ELF entry, reached only if the loader ignored the Entry Point request (entry.S). */
__attribute__((noreturn)) void limine_decoy_main(void) {
    console_use(CONSOLE_COM1);
    kprintf("FAIL entered at the ELF entry point despite the Entry Point request\n");
    limine_exit(1);
}

__attribute__((noreturn)) void limine_main(const struct limine_entry_frame* frame) {
    capture_cpu_state();
    console_use(CONSOLE_COM1);
    kprintf("limine: base revision %d guest\n", BASE_REVISION);
    check(limine_base_revision[2] == 0 && limine_base_revision[1] == BASE_REVISION,
          "base revision %d accepted (tag[1] = %llu, tag[2] = %llu)", BASE_REVISION,
          (unsigned long long)limine_base_revision[1], (unsigned long long)limine_base_revision[2]);
    const struct svm_limine_hhdm_response* hhdm =
        RESPONSE(struct svm_limine_hhdm_response, req_hhdm);
    if (!check(hhdm != 0, "hhdm response present")) limine_finish();
    guest.hhdm = hhdm->offset;
    /* Every HHDM pointer below is checked against hhdm->offset; the offset itself is svm's fixed
     * one for the paging mode it reports (checked against CR4.LA57 in misc.c). */
    const struct svm_limine_paging_mode_response* pm =
        RESPONSE(struct svm_limine_paging_mode_response, req_paging_mode);
    guest.paging_mode = pm ? pm->mode : SVM_LIMINE_PAGING_X86_64_4LVL;
    check_eq("hhdm offset", hhdm->offset,
             guest.paging_mode == SVM_LIMINE_PAGING_X86_64_5LVL ? LIMINE_HHDM_OFFSET_5LVL
                                                                : LIMINE_HHDM_OFFSET_4LVL);
    read_cmdline();
    if (has_word(guest.cmdline, "bench", 0)) limine_exit(0);

    check_entry_state(frame);
    check_lapic_state();
    check_memmap(); /* the checks below look things up in it */
    check_stack("bsp", LIMINE_ENTRY_RSP(frame));
    check_hhdm_mappings();
    check_executable();
    check_files();
    check_acpi();
    check_ioapics();
    check_framebuffer();
    check_misc_responses();
    check_mp();
    limine_finish();
}
