/*
 * The Limine test guests' internal interface (docs/guests.md "Limine guests"). One source tree is
 * built once per base revision (-DBASE_REVISION=0..6 -> limine_rev0.elf .. limine_rev6.elf); each
 * checks every response field and entry-state promise of /work/notes/limine-contract.md that a
 * guest can observe, prints one "ok ..." or "FAIL ..." line per check on COM1 and exits with 0
 * only if all passed.
 *
 * The command line (--cmdline) tells the guest what svm was asked for:
 *   cpus=N    the machine has N CPUs (default 1)
 *   modules   the two modules of limine_modules.h were passed (default: no module response)
 *   bench     print the first line and exit 0 at once (bench/limine/run.sh)
 */
#ifndef GUEST_LIMINE_LIMINE_GUEST_H
#define GUEST_LIMINE_LIMINE_GUEST_H

#include <stdint.h>
#include <svm/limine_protocol.h>

#ifndef BASE_REVISION
#error "build with -DBASE_REVISION=N (0..6)"
#endif

/* Odd revisions ask for x2APIC, a 128 KiB stack and 5000 entropy values (more than the 4096 svm
 * gives); even ones use the Entry Point request and prefer 5-level paging (svm gives it when the
 * CPU has LA57, 4-level otherwise). */
#define LIMINE_VARIANT_ODD (BASE_REVISION % 2 == 1)
#define LIMINE_STACK_SIZE 0x20000u
#define LIMINE_DEFAULT_STACK 0x10000u
#define LIMINE_ENTROPY_ASKED (LIMINE_VARIANT_ODD ? 5000u : 8u)
/* svm's HHDM offset under 4- and 5-level paging (docs/loaders.md "Limine", Responses). */
#define LIMINE_HHDM_OFFSET_4LVL 0xffff800000000000ull
#define LIMINE_HHDM_OFFSET_5LVL 0xff00000000000000ull
#define CR4_LA57 (1ull << 12)
#define LIMINE_FB_PHYS 0xFD000000ull
#define LIMINE_MAX_CPUS 16u

/* A request with room for the optional members svm reads (all at offset 48 and after). */
struct limine_req {
    uint64_t id[4];
    uint64_t revision;
    uint64_t response;
    uint64_t arg[3];
};

/* requests.c */
extern volatile uint64_t limine_base_revision[3];
extern volatile struct limine_req req_bootloader_info, req_firmware_type, req_stack_size, req_hhdm,
    req_framebuffer, req_paging_mode, req_mp, req_memmap, req_entry_point, req_executable_file,
    req_module, req_rsdp, req_date, req_executable_address, req_cmdline, req_smbios,
    req_efi_system_table, req_efi_memmap, req_dtb, req_tpm, req_performance, req_keep_iommu,
    req_tsc, req_flanterm, req_entropy, req_unknown;

/* The registers entry.S pushed, lowest address first; the entry RSP is just above. */
struct limine_entry_frame {
    uint64_t rflags, r15, r14, r13, r12, r11, r10, r9, r8, rbp, rdi, rsi, rdx, rcx, rbx, rax;
};
#define LIMINE_ENTRY_RSP(frame) ((uint64_t)(uintptr_t)(frame) + sizeof(struct limine_entry_frame))

/* What the BSP learnt so far, for the later checks. */
struct limine_guest {
    uint64_t hhdm;
    uint64_t paging_mode; /* the paging mode response's mode; 4-level without a response */
    const struct svm_limine_memmap_response* memmap; /* NULL if not answered */
    const char* cmdline;
    unsigned expected_cpus;
    int expect_modules;
    uint64_t cr0, cr3, cr4, efer;
    uint64_t gdt_base;
    uint16_t gdt_limit;
    uint64_t ioapic[4]; /* I/O APIC MMIO bases from the MADT */
    unsigned ioapic_count;
};
extern struct limine_guest guest;

extern char __limine_image_start[], __limine_image_end[];

/* report.c: one line per check. Each returns its condition. */
int check(int ok, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
int check_eq(const char* what, uint64_t got, uint64_t want);
__attribute__((noreturn)) void limine_finish(void);
__attribute__((noreturn)) void limine_exit(unsigned code);

/* paging.c: the guest-physical address `virt` maps to through the tables at CR3 (read through the
 * HHDM; 5-level if CR4.LA57 is set), or LIMINE_UNMAPPED. */
#define LIMINE_UNMAPPED (~0ull)
uint64_t translate(uint64_t virt);
/* Checks that [virt, virt + len) maps page by page to [phys, phys + len); returns the first bad
 * page's offset, or -1 if all map. */
int64_t maps_linearly(uint64_t virt, uint64_t phys, uint64_t len);

/* memmap.c */
const struct svm_limine_memmap_entry* memmap_entry(uint64_t i);
/* Whether [base, base + len) lies in memory map entries whose types are in `type_mask` (bit n =
 * type n), possibly several adjacent ones. */
int memmap_covers(uint64_t base, uint64_t len, uint32_t type_mask);
void check_memmap(void);
void check_hhdm_mappings(void);

/* entry_state.c */
void capture_cpu_state(void);
void check_entry_state(const struct limine_entry_frame* frame);
void check_stack(const char* who, uint64_t entry_rsp);
void check_lapic_state(void);
/* lapic.c */
uint32_t lapic_read(uint32_t reg);
uint32_t lapic_id(void);

/* The other check groups, one file each. */
void check_acpi(void);
void check_ioapics(void);
void check_files(void);
void check_framebuffer(void);
void check_misc_responses(void);
void check_executable(void);
void check_mp(void);

/* Little helpers (limine_main.c). */
int str_eq(const char* a, const char* b);
static inline uint32_t rd32(const void* p) {
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}
static inline uint64_t rd64(const void* p) {
    uint64_t v;
    __builtin_memcpy(&v, p, 8);
    return v;
}
static inline const void* hhdm_ptr(uint64_t phys) {
    return (const void*)(uintptr_t)(guest.hhdm + phys);
}
#define RESPONSE(type, req) ((const type*)(uintptr_t)(req).response)

#endif /* GUEST_LIMINE_LIMINE_GUEST_H */
