/*
 * Multiprocessing (PROTOCOL.md "MP (Multiprocessor) Feature"): the response, then every AP is
 * released through its goto_address with an extra_argument; each AP checks its own entry state
 * and reports it, with the local APIC id it reads from its LAPIC, in `reports` for the BSP to check
 * and print (only the BSP writes to COM1).
 */
#include "lib/cpu.h"
#include "lib/io.h"
#include "limine/limine_guest.h"

#define EXTRA_MAGIC 0x4c494d4e00000000ull /* "LIMN" << 32 | cpu index */
#define MSR_APIC_BASE 0x1Bu

struct ap_report {
    volatile uint32_t done;
    uint32_t lapic_id;
    uint64_t info;         /* RDI at entry */
    uint64_t extra;        /* info->extra_argument as the AP saw it */
    uint64_t nonzero_gprs; /* bit i: GPR i of the frame (other than RDI) was not 0 */
    uint64_t rsp, ret, rflags;
    uint64_t cr0, cr3, cr4, efer, gdt_base, gdt_limit;
    uint32_t lapic_ok; /* base revision >= 5: enabled, SVR 0x1FF, TPR 0, LVTs masked */
};

static struct ap_report reports[LIMINE_MAX_CPUS];

static int lapic_state_ok(void) {
    if (!((rdmsr(MSR_APIC_BASE) >> 11) & 1) || lapic_read(0xF0) != 0x1FF || lapic_read(0x80) != 0)
        return 0;
    static const uint32_t lvt[] = {0x320, 0x350, 0x360, 0x370};
    for (int i = 0; i < 4; ++i)
        if (!((lapic_read(lvt[i]) >> 16) & 1)) return 0;
    return 1;
}

/* A released AP (entry.S limine_ap_entry). */
__attribute__((noreturn)) void limine_ap_main(struct svm_limine_mp_info* info,
                                              const struct limine_entry_frame* f) {
    uint64_t extra = info->extra_argument;
    uint64_t index = extra - EXTRA_MAGIC;
    if (index >= LIMINE_MAX_CPUS) halt_forever(); /* the BSP reports the missing AP */
    struct ap_report* r = &reports[index];
    const uint64_t* gprs = (const uint64_t*)f + 1;
    for (unsigned i = 0; i < 15; ++i)
        if (gprs[i] && &gprs[i] != &f->rdi) r->nonzero_gprs |= 1ull << i;
    r->info = f->rdi;
    r->extra = extra;
    r->rsp = LIMINE_ENTRY_RSP(f);
    r->ret = *(const uint64_t*)(uintptr_t)r->rsp;
    r->rflags = f->rflags;
    r->cr0 = read_cr0();
    r->cr3 = read_cr3();
    r->cr4 = read_cr4();
    r->efer = rdmsr(MSR_EFER);
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } gdtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    r->gdt_base = gdtr.base;
    r->gdt_limit = gdtr.limit;
    r->lapic_id = lapic_id();
    r->lapic_ok = BASE_REVISION < 5 || lapic_state_ok();
    __atomic_store_n(&r->done, 1, __ATOMIC_RELEASE);
    halt_forever();
}

static void check_ap(unsigned i, const struct svm_limine_mp_info* info) {
    const struct ap_report* r = &reports[i];
    check(r->lapic_id == i, "ap %u: reports lapic id %u", i, r->lapic_id);
    check(r->info == (uint64_t)(uintptr_t)info && r->extra == EXTRA_MAGIC + i,
          "ap %u: rdi = its mp_info 0x%llx, extra_argument 0x%llx", i, (unsigned long long)r->info,
          (unsigned long long)r->extra);
    check(r->nonzero_gprs == 0, "ap %u: other GPRs 0 (nonzero mask 0x%llx)", i,
          (unsigned long long)r->nonzero_gprs);
    check(r->rsp % 16 == 8 && r->ret == 0, "ap %u: rsp 0x%llx is 8 mod 16, [rsp] = 0x%llx", i,
          (unsigned long long)r->rsp, (unsigned long long)r->ret);
    check(!(r->rflags & (1u << 9)), "ap %u: IF clear (rflags 0x%llx)", i,
          (unsigned long long)r->rflags);
    check(
        r->cr0 == guest.cr0 && r->cr3 == guest.cr3 && r->cr4 == guest.cr4 && r->efer == guest.efer,
        "ap %u: cr0 cr3 cr4 efer as the BSP's", i);
    check(r->gdt_base == guest.gdt_base && r->gdt_limit == guest.gdt_limit, "ap %u: the BSP's GDT",
          i);
    if (BASE_REVISION >= 5) check(r->lapic_ok, "ap %u: local APIC state as at the BSP", i);
    char who[8] = "ap 0";
    who[3] = (char)('0' + i % 10);
    check_stack(who, r->rsp);
    for (unsigned j = 1; j < i; ++j)
        if (reports[j].done && reports[j].rsp == r->rsp)
            check(0, "ap %u: shares its stack with ap %u", i, j);
}

void check_mp(void) {
    const struct svm_limine_mp_response* r = RESPONSE(struct svm_limine_mp_response, req_mp);
    if (!check(r != 0, "mp response present")) return;
    int x2apic_cpu = (cpuid(1, 0).ecx >> 21) & 1;
    int want_flag = LIMINE_VARIANT_ODD && x2apic_cpu;
    check(((r->flags & SVM_LIMINE_MP_RESPONSE_X2APIC) != 0) == want_flag,
          "mp: flags 0x%x (x2APIC %s, %s)", r->flags,
          LIMINE_VARIANT_ODD ? "requested" : "not requested",
          x2apic_cpu ? "available" : "not available");
    if (r->flags & SVM_LIMINE_MP_RESPONSE_X2APIC)
        check((rdmsr(MSR_APIC_BASE) >> 10) & 1, "mp: x2APIC mode enabled on the BSP");
    check_eq("mp bsp_lapic_id", r->bsp_lapic_id, 0);
    check_eq("bsp lapic id read from its LAPIC", lapic_id(), 0);
    if (!check(r->cpu_count == guest.expected_cpus && r->cpu_count <= LIMINE_MAX_CPUS,
               "mp: cpu_count %llu (want %u)", (unsigned long long)r->cpu_count,
               guest.expected_cpus))
        return;
    struct svm_limine_mp_info* const* cpus = (struct svm_limine_mp_info* const*)(uintptr_t)r->cpus;
    int table_ok = 1;
    for (uint64_t i = 0; i < r->cpu_count; ++i)
        if (cpus[i]->lapic_id != i || cpus[i]->processor_id != i || cpus[i]->goto_address != 0 ||
            (uint64_t)(uintptr_t)cpus[i] < guest.hhdm)
            table_ok = 0;
    check(table_ok, "mp: cpus[i] in the HHDM with lapic_id = processor_id = i, goto_address 0");

    /* Release every AP: extra_argument first, then an atomic store of goto_address. */
    extern char limine_ap_entry[];
    for (uint64_t i = 0; i < r->cpu_count; ++i) {
        if (cpus[i]->lapic_id == r->bsp_lapic_id) continue;
        cpus[i]->extra_argument = EXTRA_MAGIC + i;
        __atomic_store_n(&cpus[i]->goto_address, (uint64_t)(uintptr_t)limine_ap_entry,
                         __ATOMIC_SEQ_CST);
    }
    unsigned reported = 0;
    for (uint64_t i = 1; i < r->cpu_count; ++i) {
        /* Bounded: ~20 s at the ~1 us per iteration of an emulated loop, far less on hardware. */
        for (uint32_t spin = 0;
             spin < 20000000u && !__atomic_load_n(&reports[i].done, __ATOMIC_ACQUIRE); ++spin)
            cpu_relax();
        if (!check(reports[i].done, "ap %llu: reported back", (unsigned long long)i)) continue;
        ++reported;
        check_ap((unsigned)i, cpus[i]);
    }
    check(reported + 1 == r->cpu_count, "mp: %u of %llu APs reported back", reported,
          (unsigned long long)(r->cpu_count - 1));
}
