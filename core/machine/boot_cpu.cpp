#include "core/machine/boot_cpu.h"

#include <svm/limine_protocol.h>
#include <svm/machine.h>

#include <array>

#include "core/x86_64/boot_page_tables.h"

namespace svm {

namespace {

constexpr uint64_t kTssOffset = 0x100;  // the TSS follows the GDT in its page
constexpr uint32_t kTssLimit = 0x67;    // a 104-byte TSS with no I/O permission bitmap

// Segment descriptors (Intel SDM Vol. 3A, 3.4.5 "Segment Descriptors"): flat 4 GiB, DPL 0.
constexpr uint64_t kCode64Desc = 0x00af9b000000ffff;  // L=1, P, S, type 0xB (exec/read, accessed)
constexpr uint64_t kDataDesc = 0x00cf93000000ffff;    // D/B=1, G=1, type 0x3 (read/write, accessed)
constexpr uint64_t kCode32Desc = 0x00cf9b000000ffff;  // D/B=1, G=1, type 0xB

Segment flat(uint16_t selector, uint8_t type, bool l, bool db) {
    Segment s;
    s.selector = selector;
    s.base = 0;
    s.limit = 0xffffffff;
    s.type = type;
    s.present = true;
    s.s = true;
    s.l = l;
    s.db = db;
    s.g = true;
    return s;
}

Segment real_mode(uint16_t selector, uint8_t type) {
    Segment s;
    s.selector = selector;
    s.base = uint64_t{selector} << 4;
    s.limit = 0xffff;
    s.type = type;
    s.present = true;
    s.s = true;
    return s;
}

Segment tss(uint64_t address) {
    Segment s;
    s.selector = SVM_SEL_TSS;
    s.base = address;
    s.limit = kTssLimit;
    s.type = 0xb;  // busy 32/64-bit TSS, as VM entry requires (SDM Vol. 3C, 27.3.1.2)
    s.present = true;
    return s;
}

Segment unusable_ldt() {
    Segment s;
    s.type = 0x2;
    s.unusable = true;
    return s;
}

}  // namespace

Result<void> write_boot_gdt(GuestMemory& memory, uint64_t gdt_addr) {
    const uint64_t kTssAddr = gdt_addr + kTssOffset;
    // A 64-bit TSS descriptor takes two GDT slots (SDM Vol. 3A, 8.2.3).
    uint64_t tss_low = kTssLimit | ((kTssAddr & 0xffffff) << 16) | (uint64_t{0x8b} << 40) |
                       (((kTssAddr >> 24) & 0xff) << 56);
    uint64_t tss_high = kTssAddr >> 32;
    std::array<uint64_t, 6> gdt = {0, kCode64Desc, kDataDesc, kCode32Desc, tss_low, tss_high};
    TRY(memory.write_obj(gdt_addr, gdt));
    TRY(memory.fill(kTssAddr, 0, kTssLimit + 1));
    // The I/O map base points past the limit: no I/O permission bitmap.
    return memory.write_obj<uint16_t>(kTssAddr + 0x66, kTssLimit + 1);
}

Result<void> write_limine_gdt(GuestMemory& memory, uint64_t gdt_addr) {
    // PROTOCOL.md "Machine State at Entry", x86-64: null, 16-bit code and data (base 0, limit
    // 0xffff), 32-bit code and data (flat 4 GiB), 64-bit code and data, in this order.
    constexpr std::array<uint64_t, 7> kGdt = {
        0,
        0x00009b000000ffff,  // 16-bit code: P, S, type 0xB (exec/read, accessed), byte limit
        0x000093000000ffff,  // 16-bit data: type 0x3 (read/write, accessed)
        kCode32Desc,
        kDataDesc,
        kCode64Desc,
        kDataDesc,
    };
    return memory.write_obj(gdt_addr, kGdt);
}

Result<uint64_t> build_kernel_page_tables(GuestMemory& memory, const KernelImage& image) {
    if (image.mode != CpuMode::Long) return uint64_t{0};
    uint64_t pool = image.layout.page_tables, pages = kBootPageTablePages;
    int levels = 4;
    if (image.limine) {
        pool = image.limine->page_table_pool;
        pages = image.limine->page_table_pages;
        levels = image.limine->paging_levels;
    }
    return build_boot_page_tables(memory, image.mappings, pool, pages, levels);
}

CpuState limine_cpu_state(const KernelImage& image, uint64_t cr3) {
    SVM_ASSERT(image.limine && image.mode == CpuMode::Long);
    CpuState s;
    // PROTOCOL.md "Machine State at Entry", x86-64, with base revision 5's stricter rules for
    // every revision: RFLAGS 0x2; CR0 PE, ET, WP, PG; CR4 PAE (and LA57 for 5-level paging);
    // EFER LME, LMA, NXE and nothing else; no TSS (TR base 0, limit 0), no LDT, no IDT; every general register 0 but RSP.
    s.rflags = x86::RFLAGS_FIXED;
    s.cr0 = x86::CR0_PE | x86::CR0_ET | x86::CR0_WP | x86::CR0_PG;
    s.cr4 = x86::CR4_PAE;
    if (image.limine->paging_levels == 5) s.cr4 |= x86::CR4_LA57;  // "Paging Mode Feature"
    s.cr3 = cr3;
    s.efer = x86::EFER_LME | x86::EFER_LMA | x86::EFER_NXE;
    s.cs = flat(SVM_LIMINE_SEL_CODE64, 0xb, true, false);
    s.ds = s.es = s.fs = s.gs = s.ss = flat(SVM_LIMINE_SEL_DATA64, 0x3, false, true);
    s.gdt = {image.layout.gdt, 7 * 8 - 1};
    s.idt = {0, 0};
    s.tr = tss(0);
    s.tr.selector = 0;
    s.tr.limit = 0;
    s.ldt = unusable_ldt();
    s.rip = image.entry;
    s.rsp = image.limine->rsp;
    return s;
}

CpuState boot_cpu_state(const KernelImage& image, uint64_t cr3) {
    if (image.limine) return limine_cpu_state(image, cr3);
    CpuState s;
    s.rflags = x86::RFLAGS_FIXED;  // interrupts disabled
    const BootLayout& at = image.layout;
    s.tr = tss(at.gdt + kTssOffset);
    s.ldt = unusable_ldt();
    s.gdt = {at.gdt, 6 * 8 - 1};
    s.idt = {0, 0};  // no IDT: an early exception triple-faults with a clear report
    s.rip = image.entry;
    s.rax = SVM_BOOT_MAGIC;
    s.rbx = at.machine_table;
    switch (image.mode) {
        case CpuMode::Real: {
            s.cr0 = x86::CR0_ET;
            s.idt = {0, 0x3ff};  // the real-mode interrupt vector table at 0
            s.cs = real_mode(0, 0xb);
            s.ds = s.es = s.fs = s.gs = real_mode(0, 0x3);
            // Default SS:SP = 0x7000:0xfff0 and ES:DI = 0x8000:0000 (the machine table). The
            // layout keeps both below 1 MiB unless loaded ranges fill all low memory.
            s.ss = real_mode(static_cast<uint16_t>(at.stack_base >> 4), 0x3);
            s.rsp = at.stack_top - at.stack_base - 0x10;
            s.rdi = 0;
            s.es = real_mode(static_cast<uint16_t>(at.machine_table >> 4), 0x3);
            s.tr.limit = 0xffff;
            break;
        }
        case CpuMode::Protected: {
            s.cr0 = x86::CR0_PE | x86::CR0_ET;
            s.cs = flat(SVM_SEL_CODE32, 0xb, false, true);
            s.ds = s.es = s.fs = s.gs = s.ss = flat(SVM_SEL_DATA, 0x3, false, true);
            s.rsp = at.stack_top;
            s.rsi = at.machine_table;
            break;
        }
        case CpuMode::Long: {
            // SSE usable from the first instruction (CR0.MP, CR4.OSFXSR and OSXMMEXCPT; SDM Vol.
            // 3A, 13.1.4): x86-64 compilers emit SSE for ordinary C, so a kernel built with default
            // flags works without enabling it first. x87 and SSE exceptions stay masked.
            s.cr0 = x86::CR0_PE | (1ull << 1) /* MP */ | x86::CR0_ET | (1ull << 5) /* NE */ |
                    x86::CR0_WP | x86::CR0_PG;
            s.cr4 = x86::CR4_PAE | (1ull << 9) /* OSFXSR */ | (1ull << 10) /* OSXMMEXCPT */;
            s.cr3 = cr3;
            s.efer = x86::EFER_LME | x86::EFER_LMA;
            s.cs = flat(SVM_SEL_CODE64, 0xb, true, false);
            s.ds = s.es = s.fs = s.gs = s.ss = flat(SVM_SEL_DATA, 0x3, false, true);
            s.rsp = at.stack_top;
            s.rdi = at.machine_table;
            break;
        }
    }
    // The Multiboot handoff (spec 3.2 / 3.3 "Machine state"): EAX magic, EBX info; svm passes the
    // machine table in ESI, which both specifications leave undefined.
    if (image.eax) s.rax = *image.eax;
    if (image.ebx) s.rbx = *image.ebx;
    return s;
}

}  // namespace svm
