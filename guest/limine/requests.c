/*
 * The requests of the Limine test guests, between the start and end markers in section
 * .limine_requests (PROTOCOL.md "Requests Delimiters", "Feature List"). Every feature svm knows is
 * requested, plus one id no loader knows (its response must stay NULL). volatile: the loader writes
 * the responses, which the compiler cannot see.
 */
#include "limine/limine_guest.h"

#define SECTION(s) __attribute__((used, section(s), aligned(8)))
#define ID(...) \
    { SVM_LIMINE_COMMON_MAGIC0, SVM_LIMINE_COMMON_MAGIC1, __VA_ARGS__ }
#define REQUEST(name, id, rev, ...) \
    SECTION(".limine_requests") volatile struct limine_req name = {ID(id), rev, 0, {__VA_ARGS__}}

SECTION(".limine_requests_start")
volatile uint64_t limine_requests_start[4] = {SVM_LIMINE_START_MARKER0, SVM_LIMINE_START_MARKER1,
                                              SVM_LIMINE_START_MARKER2, SVM_LIMINE_START_MARKER3};

/* "Base Revisions": [2] is the revision asked for; the loader sets it to 0 if supported. */
SECTION(".limine_requests")
volatile uint64_t limine_base_revision[3] = {SVM_LIMINE_BASE_REVISION_MAGIC0,
                                             SVM_LIMINE_BASE_REVISION_MAGIC1, BASE_REVISION};

extern char _start[];

REQUEST(req_bootloader_info, SVM_LIMINE_ID_BOOTLOADER_INFO, 0, 0);
REQUEST(req_firmware_type, SVM_LIMINE_ID_FIRMWARE_TYPE, 0, 0);
REQUEST(req_hhdm, SVM_LIMINE_ID_HHDM, 0, 0);
REQUEST(req_framebuffer, SVM_LIMINE_ID_FRAMEBUFFER, 1, 0);
REQUEST(req_memmap, SVM_LIMINE_ID_MEMMAP, 0, 0);
REQUEST(req_executable_file, SVM_LIMINE_ID_EXECUTABLE_FILE, 0, 0);
REQUEST(req_module, SVM_LIMINE_ID_MODULE, 0, 0);
REQUEST(req_rsdp, SVM_LIMINE_ID_RSDP, 0, 0);
REQUEST(req_date, SVM_LIMINE_ID_DATE_AT_BOOT, 0, 0);
REQUEST(req_executable_address, SVM_LIMINE_ID_EXECUTABLE_ADDRESS, 0, 0);
REQUEST(req_cmdline, SVM_LIMINE_ID_EXECUTABLE_CMDLINE, 0, 0);
REQUEST(req_smbios, SVM_LIMINE_ID_SMBIOS, 0, 0);
REQUEST(req_efi_system_table, SVM_LIMINE_ID_EFI_SYSTEM_TABLE, 0, 0);
REQUEST(req_efi_memmap, SVM_LIMINE_ID_EFI_MEMMAP, 0, 0);
REQUEST(req_dtb, SVM_LIMINE_ID_DTB, 0, 0);
REQUEST(req_tpm, SVM_LIMINE_ID_TPM_EVENT_LOG, 0, 0);
REQUEST(req_performance, SVM_LIMINE_ID_BOOTLOADER_PERFORMANCE, 0, 0);
REQUEST(req_keep_iommu, SVM_LIMINE_ID_X86_64_KEEP_IOMMU, 0, 0);
REQUEST(req_tsc, SVM_LIMINE_ID_TSC_FREQUENCY, 0, 0);
REQUEST(req_flanterm, SVM_LIMINE_ID_FLANTERM_FB_INIT_PARAMS, 0, 0);
REQUEST(req_entropy, SVM_LIMINE_ID_ENTROPY, 0, LIMINE_ENTROPY_ASKED);
/* An id no Limine feature has. */
#define UNKNOWN_FEATURE_ID 0x5356d4d1c0ffee00ull, 0x6c696d696e65ffffull
REQUEST(req_unknown, UNKNOWN_FEATURE_ID, 0, 0);
#if LIMINE_VARIANT_ODD
REQUEST(req_stack_size, SVM_LIMINE_ID_STACK_SIZE, 0, LIMINE_STACK_SIZE);
/* Paging Mode request revision 0: mode 4-level. */
REQUEST(req_paging_mode, SVM_LIMINE_ID_PAGING_MODE, 0, SVM_LIMINE_PAGING_X86_64_4LVL);
REQUEST(req_mp, SVM_LIMINE_ID_MP, 0, SVM_LIMINE_MP_REQUEST_X2APIC);
/* Not in the image: the response must then not matter; kept as a plain variable so both
 * variants link the same code. */
volatile struct limine_req req_entry_point;
#else
/* Revision 1: mode 5-level preferred, max 5-level, min 4-level; svm gives 5-level if the CPU has
 * LA57. */
REQUEST(req_paging_mode, SVM_LIMINE_ID_PAGING_MODE, 1, SVM_LIMINE_PAGING_X86_64_5LVL,
        SVM_LIMINE_PAGING_X86_64_5LVL, SVM_LIMINE_PAGING_X86_64_4LVL);
REQUEST(req_mp, SVM_LIMINE_ID_MP, 0, 0);
REQUEST(req_entry_point, SVM_LIMINE_ID_ENTRY_POINT, 0, (uint64_t)(uintptr_t)_start);
volatile struct limine_req req_stack_size;
#endif

SECTION(".limine_requests_end")
volatile uint64_t limine_requests_end[2] = {SVM_LIMINE_END_MARKER0, SVM_LIMINE_END_MARKER1};
