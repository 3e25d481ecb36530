/*
 * The BSP's machine state at entry (PROTOCOL.md "Machine State at Entry", x86-64; the contract's
 * "Entry machine state"): registers entry.S captured, segment and descriptor-table registers,
 * control registers, MSRs, the 8259 masks and the local APIC (base revision 5 and later).
 */
#include "lib/cpu.h"
#include "lib/io.h"
#include "limine/limine_guest.h"

#define MSR_PAT 0x277u
#define MSR_APIC_BASE 0x1Bu

static uint16_t read_sel(int which) {
    uint16_t v = 0;
    switch (which) {
        case 0:
            __asm__ volatile("mov %%cs, %0" : "=r"(v));
            break;
        case 1:
            __asm__ volatile("mov %%ds, %0" : "=r"(v));
            break;
        case 2:
            __asm__ volatile("mov %%es, %0" : "=r"(v));
            break;
        case 3:
            __asm__ volatile("mov %%ss, %0" : "=r"(v));
            break;
        case 4:
            __asm__ volatile("mov %%fs, %0" : "=r"(v));
            break;
        default:
            __asm__ volatile("mov %%gs, %0" : "=r"(v));
            break;
    }
    return v;
}

struct __attribute__((packed)) dtr {
    uint16_t limit;
    uint64_t base;
};

void capture_cpu_state(void) {
    struct dtr gdtr;
    __asm__ volatile("sgdt %0" : "=m"(gdtr));
    guest.gdt_base = gdtr.base;
    guest.gdt_limit = gdtr.limit;
    guest.cr0 = read_cr0();
    guest.cr3 = read_cr3();
    guest.cr4 = read_cr4();
    guest.efer = rdmsr(MSR_EFER);
}

static uint64_t want_efer(void) {
    int nx = (cpuid(0x80000001u, 0).edx >> 20) & 1;
    return nx ? 0xD00u : 0x500u;
}

/* Descriptor fields (SDM Vol. 3A, 3.4.5). */
static uint64_t desc_base(uint64_t d) {
    return ((d >> 16) & 0xFFFFFFu) | ((d >> 56) & 0xFFu) << 24;
}
static uint64_t desc_limit(uint64_t d) {
    uint64_t l = (d & 0xFFFFu) | ((d >> 48) & 0xFu) << 16;
    return (d >> 55) & 1 ? (l << 12) | 0xFFFu : l;
}

/* code: executable + readable; else data + writable. dbit/lbit: the D/B and L flags wanted. */
static int desc_ok(uint64_t d, int code, uint64_t limit, int dbit, int lbit) {
    int present = (d >> 47) & 1, s = (d >> 44) & 1, exec = (d >> 43) & 1, rw = (d >> 41) & 1;
    if (!present || !s || exec != code || !rw || desc_base(d) != 0) return 0;
    if (limit && desc_limit(d) != limit) return 0;
    return (int)((d >> 54) & 1) == dbit && (int)((d >> 53) & 1) == lbit;
}

static void check_gdt(void) {
    check(guest.gdt_limit >= 0x37, "gdt: limit 0x%x holds 7 descriptors", guest.gdt_limit);
    const uint64_t* gdt = (const uint64_t*)(uintptr_t)guest.gdt_base;
    check(gdt[0] == 0, "gdt 0x00: null descriptor");
    check(desc_ok(gdt[1], 1, 0xFFFF, 0, 0), "gdt 0x08: 16-bit code, base 0, limit 0xffff (0x%llx)",
          (unsigned long long)gdt[1]);
    check(desc_ok(gdt[2], 0, 0xFFFF, 0, 0), "gdt 0x10: 16-bit data, base 0, limit 0xffff (0x%llx)",
          (unsigned long long)gdt[2]);
    check(desc_ok(gdt[3], 1, 0xFFFFFFFF, 1, 0),
          "gdt 0x18: 32-bit code, base 0, limit 0xffffffff (0x%llx)", (unsigned long long)gdt[3]);
    check(desc_ok(gdt[4], 0, 0xFFFFFFFF, 1, 0),
          "gdt 0x20: 32-bit data, base 0, limit 0xffffffff (0x%llx)", (unsigned long long)gdt[4]);
    check(desc_ok(gdt[5], 1, 0, 0, 1), "gdt 0x28: 64-bit code, base 0 (0x%llx)",
          (unsigned long long)gdt[5]);
    check(desc_ok(gdt[6], 0, 0, (int)((gdt[6] >> 54) & 1), 0),
          "gdt 0x30: 64-bit data, base 0 (0x%llx)", (unsigned long long)gdt[6]);
}

static void check_tables(void) {
    struct dtr idtr;
    uint16_t ldtr, tr;
    __asm__ volatile("sidt %0" : "=m"(idtr));
    __asm__ volatile("sldt %0" : "=r"(ldtr));
    __asm__ volatile("str %0" : "=r"(tr));
    check(idtr.limit == 0 && idtr.base == 0, "idtr: base 0x%llx limit 0x%x (want 0, 0)",
          (unsigned long long)idtr.base, idtr.limit);
    check_eq("ldtr selector", ldtr, 0);
    if (BASE_REVISION >= 5) {
        /* A null TR selector's hidden base/limit cannot be read back; a real one is checked in
         * the GDT (16-byte system descriptor). */
        int ok = 1;
        if (tr != 0) {
            const uint64_t* d = (const uint64_t*)(uintptr_t)(guest.gdt_base + (tr & ~7u));
            ok = (tr & ~7u) + 15 <= guest.gdt_limit && desc_base(d[0]) == 0 &&
                 (d[1] & 0xFFFFFFFFu) == 0 && desc_limit(d[0]) == 0;
        }
        check(ok, "tr: selector 0x%x, base 0 limit 0", tr);
    }
}

void check_entry_state(const struct limine_entry_frame* f) {
    static const char* const names[] = {"r15", "r14", "r13", "r12", "r11", "r10", "r9", "r8",
                                        "rbp", "rdi", "rsi", "rdx", "rcx", "rbx", "rax"};
    const uint64_t* gprs = (const uint64_t*)f + 1; /* r15 .. rax */
    unsigned nonzero = 0;
    for (unsigned i = 0; i < 15; ++i)
        if (gprs[i] && nonzero++ == 0)
            check(0, "entry %s = 0x%llx, want 0", names[i], (unsigned long long)gprs[i]);
    if (nonzero == 0) check(1, "entry: rax..r15 (except rsp) are 0");
    uint64_t rsp = LIMINE_ENTRY_RSP(f);
    check(rsp % 16 == 8, "entry rsp 0x%llx is 8 mod 16", (unsigned long long)rsp);
    check_eq("entry [rsp] (return address)", *(const uint64_t*)(uintptr_t)rsp, 0);
    check_eq("entry rflags", f->rflags, 0x2);

    static const char* const sel_names[] = {"cs", "ds", "es", "ss", "fs", "gs"};
    for (int i = 0; i < 6; ++i)
        check_eq(sel_names[i], read_sel(i), i == 0 ? SVM_LIMINE_SEL_CODE64 : SVM_LIMINE_SEL_DATA64);
    check_eq("cr0", guest.cr0, 0x80010011u);
    /* PAE, plus LA57 with 5-level paging ("Paging Mode Feature"). */
    check_eq("cr4", guest.cr4,
             0x20u | (guest.paging_mode == SVM_LIMINE_PAGING_X86_64_5LVL ? CR4_LA57 : 0));
    check_eq("efer", guest.efer, want_efer());
    check_eq("pat", rdmsr(MSR_PAT), SVM_LIMINE_PAT);
    check_eq("8259 master imr", inb(0x21), 0xFF);
    check_eq("8259 slave imr", inb(0xA1), 0xFF);
    check_gdt();
    check_tables();
}

void check_stack(const char* who, uint64_t entry_rsp) {
    uint64_t size = LIMINE_VARIANT_ODD ? LIMINE_STACK_SIZE : LIMINE_DEFAULT_STACK;
    uint64_t top = entry_rsp + 8; /* above the pushed return address */
    /* svm hands out stack pointers as HHDM addresses (core/loader/limine_loader.cpp), with the
     * HHDM offset of the paging mode it chose. */
    check(entry_rsp >= guest.hhdm && translate(entry_rsp) == entry_rsp - guest.hhdm,
          "%s stack: rsp 0x%llx is an HHDM address", who, (unsigned long long)entry_rsp);
    unsigned bad = 0;
    for (uint64_t v = (top - size + 0xFFF) & ~0xFFFull; v < top; v += 4096) {
        uint64_t p = translate(v);
        if (p == LIMINE_UNMAPPED ||
            !memmap_covers(p, 1, 1u << SVM_LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE))
            ++bad;
    }
    check(bad == 0,
          "%s stack: 0x%llx bytes below 0x%llx mapped in bootloader-reclaimable memory "
          "(%u bad pages)",
          who, (unsigned long long)size, (unsigned long long)top, bad);
}

/* Base revision 5 and later: the local APIC state on every CPU (the APs check it themselves). */
void check_lapic_state(void) {
    if (BASE_REVISION < 5) return;
    check((rdmsr(MSR_APIC_BASE) >> 11) & 1, "lapic: enabled in IA32_APIC_BASE");
    check_eq("lapic svr", lapic_read(0xF0), 0x1FF);
    check_eq("lapic tpr", lapic_read(0x80), 0);
    static const uint32_t lvt[] = {0x320, 0x350, 0x360, 0x370};
    static const char* const lvt_names[] = {"timer", "lint0", "lint1", "error"};
    for (int i = 0; i < 4; ++i) {
        uint32_t v = lapic_read(lvt[i]);
        check((v >> 16) & 1, "lapic lvt %s masked (0x%x)", lvt_names[i], v);
    }
}
