/*
 * The smaller responses (PROTOCOL.md "Feature List"): each answered one with the values svm
 * promises, and the features svm never answers (its machine has no SMBIOS, EFI, device tree or
 * TPM, and it brings no Flanterm) plus an unknown id, whose responses must stay NULL.
 */
#include "lib/cpu.h"
#include "limine/limine_guest.h"

static void check_unanswered(const char* name, volatile struct limine_req* req) {
    check(req->response == 0, "%s: not answered (response NULL)", name);
}

/* "Paging Mode Feature": the mode the response reports is the one CR4.LA57 says is on; 5-level
 * needs the CPU's LA57 (CPUID.(EAX=7,ECX=0):ECX[16], SDM Vol. 2A). Odd revisions ask for 4-level
 * (request revision 0: max_mode = mode); even ones prefer 5-level, which svm gives only if the
 * CPU has it (with LA57 the choice is svm's host's, or svm_boot_image_dump --la57 on QEMU). */
static void check_paging_mode(uint64_t mode) {
    int la57_on = (guest.cr4 & CR4_LA57) != 0;
    int la57_cpu = cpuid(0, 0).eax >= 7 && ((cpuid(7, 0).ecx >> 16) & 1);
    check(mode == SVM_LIMINE_PAGING_X86_64_4LVL || mode == SVM_LIMINE_PAGING_X86_64_5LVL,
          "paging mode %llu: 0 (4-level) or 1 (5-level)", (unsigned long long)mode);
    check(la57_on == (mode == SVM_LIMINE_PAGING_X86_64_5LVL),
          "paging mode %llu (%d-level) matches CR4.LA57 = %d", (unsigned long long)mode,
          mode == SVM_LIMINE_PAGING_X86_64_5LVL ? 5 : 4, la57_on);
    if (LIMINE_VARIANT_ODD)
        check_eq("paging mode (4-level asked)", mode, SVM_LIMINE_PAGING_X86_64_4LVL);
    else
        check(mode != SVM_LIMINE_PAGING_X86_64_5LVL || la57_cpu,
              "paging mode: 5-level only on a CPU with LA57 (CPUID says %s)",
              la57_cpu ? "LA57" : "no LA57");
}

void check_misc_responses(void) {
    const struct svm_limine_bootloader_info_response* info =
        RESPONSE(struct svm_limine_bootloader_info_response, req_bootloader_info);
    if (check(info != 0, "bootloader info response present")) {
        const char* name = (const char*)(uintptr_t)info->name;
        const char* version = (const char*)(uintptr_t)info->version;
        check(str_eq(name, "svm") && str_eq(version, "1"), "bootloader info: \"%s\" \"%s\"", name,
              version);
    }
    const struct svm_limine_firmware_type_response* fw =
        RESPONSE(struct svm_limine_firmware_type_response, req_firmware_type);
    if (check(fw != 0, "firmware type response present"))
        check_eq("firmware type", fw->firmware_type, SVM_LIMINE_FIRMWARE_X86_BIOS);

    const struct svm_limine_paging_mode_response* pm =
        RESPONSE(struct svm_limine_paging_mode_response, req_paging_mode);
    if (check(pm != 0, "paging mode response present")) check_paging_mode(pm->mode);
    if (LIMINE_VARIANT_ODD)
        check(req_stack_size.response != 0, "stack size response present");
    else
        check(req_entry_point.response != 0, "entry point response present (entered at _start)");

    const struct svm_limine_date_at_boot_response* date =
        RESPONSE(struct svm_limine_date_at_boot_response, req_date);
    if (check(date != 0, "date at boot response present"))
        check(date->timestamp > 1700000000 && date->timestamp < 4102444800ll,
              "date at boot: %lld is a plausible UNIX time", (long long)date->timestamp);

    const struct svm_limine_bootloader_performance_response* perf =
        RESPONSE(struct svm_limine_bootloader_performance_response, req_performance);
    if (check(perf != 0, "bootloader performance response present"))
        check(perf->reset_usec == 0 && perf->init_usec <= perf->exec_usec,
              "bootloader performance: reset %llu, init %llu <= exec %llu us",
              (unsigned long long)perf->reset_usec, (unsigned long long)perf->init_usec,
              (unsigned long long)perf->exec_usec);

    const struct svm_limine_tsc_frequency_response* tsc =
        RESPONSE(struct svm_limine_tsc_frequency_response, req_tsc);
    check(tsc == 0 || tsc->frequency > 0, "tsc frequency: %s (%llu Hz)",
          tsc ? "answered" : "not answered", tsc ? (unsigned long long)tsc->frequency : 0ull);

    const struct svm_limine_revision_only_response* iommu =
        RESPONSE(struct svm_limine_revision_only_response, req_keep_iommu);
    if (check(iommu != 0, "keep iommu response present"))
        check_eq("keep iommu response revision", iommu->revision, 0);

    const struct svm_limine_entropy_response* ent =
        RESPONSE(struct svm_limine_entropy_response, req_entropy);
    uint64_t want = LIMINE_ENTROPY_ASKED < SVM_LIMINE_ENTROPY_MAX_VALUES
                        ? LIMINE_ENTROPY_ASKED
                        : SVM_LIMINE_ENTROPY_MAX_VALUES;
    if (check(ent != 0, "entropy response present") &&
        check(ent->value_count == want, "entropy: %llu values for %u asked (want %llu)",
              (unsigned long long)ent->value_count, LIMINE_ENTROPY_ASKED,
              (unsigned long long)want)) {
        const uint64_t* v = (const uint64_t*)(uintptr_t)ent->values;
        unsigned distinct = 0;
        for (unsigned i = 1; i < 8 && i < want; ++i) distinct += v[i] != v[0];
        check(ent->values >= guest.hhdm && distinct > 0,
              "entropy: values in the HHDM, not constant");
    }

    check_unanswered("smbios", &req_smbios);
    check_unanswered("efi system table", &req_efi_system_table);
    check_unanswered("efi memmap", &req_efi_memmap);
    check_unanswered("dtb", &req_dtb);
    check_unanswered("tpm event log", &req_tpm);
    check_unanswered("flanterm fb init params", &req_flanterm);
    check_unanswered("unknown request id", &req_unknown);
}
