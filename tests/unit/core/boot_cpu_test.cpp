#include "core/machine/boot_cpu.h"

#include <gtest/gtest.h>
#include <svm/limine_protocol.h>
#include <svm/machine.h>

#include <memory>

namespace svm {
namespace {

TEST(BootCpu, RealModeFlatBinary) {
    KernelImage image;
    image.mode = CpuMode::Real;
    image.entry = 0x1234;
    CpuState s = boot_cpu_state(image, 0);
    EXPECT_EQ(mode_of(s), CpuMode::Real);
    EXPECT_EQ(code_bits(s), 16);
    EXPECT_EQ(s.cs.selector, 0);
    EXPECT_EQ(s.cs.base, 0u);
    EXPECT_EQ(s.rip, 0x1234u);
    EXPECT_EQ(s.ss.selector, 0x7000);
    EXPECT_EQ(s.ss.base + s.rsp, 0x7fff0u);
    EXPECT_EQ(s.es.base + s.rdi, SVM_MACHINE_TABLE_ADDR);
    EXPECT_EQ(s.rbx, SVM_MACHINE_TABLE_ADDR);
    EXPECT_EQ(s.rax, SVM_BOOT_MAGIC);
    EXPECT_FALSE(s.rflags & x86::RFLAGS_IF);
}

TEST(BootCpu, LongModeElf64) {
    KernelImage image;
    image.mode = CpuMode::Long;
    image.entry = 0xffffffff80100000;
    CpuState s = boot_cpu_state(image, 0x91000);
    EXPECT_EQ(mode_of(s), CpuMode::Long);
    EXPECT_EQ(code_bits(s), 64);
    EXPECT_EQ(s.cs.selector, SVM_SEL_CODE64);
    EXPECT_EQ(s.ss.selector, SVM_SEL_DATA);
    EXPECT_EQ(s.cr3, 0x91000u);
    EXPECT_TRUE(s.cr0 & x86::CR0_PG);
    EXPECT_TRUE(s.cr4 & x86::CR4_PAE);
    EXPECT_EQ(s.cr4 & 0x600, 0x600u);  // OSFXSR | OSXMMEXCPT: SSE usable
    EXPECT_TRUE(s.cr0 & 2);            // MP
    EXPECT_TRUE(s.efer & x86::EFER_LMA);
    EXPECT_EQ(s.rdi, SVM_MACHINE_TABLE_ADDR);
    EXPECT_EQ(s.rsp, SVM_BOOT_STACK_TOP);
    EXPECT_EQ(s.rip, 0xffffffff80100000u);
    EXPECT_EQ(s.tr.selector, SVM_SEL_TSS);
}

TEST(BootCpu, MultibootHandoffRegisters) {
    KernelImage image;
    image.mode = CpuMode::Protected;
    image.entry = 0x100010;
    image.eax = 0x2badb002;
    image.ebx = 0x83000;
    CpuState s = boot_cpu_state(image, 0);
    EXPECT_EQ(mode_of(s), CpuMode::Protected);
    EXPECT_EQ(code_bits(s), 32);
    EXPECT_EQ(s.cs.selector, SVM_SEL_CODE32);
    EXPECT_EQ(s.rax, 0x2badb002u);
    EXPECT_EQ(s.rbx, 0x83000u);
    EXPECT_EQ(s.rsi, SVM_MACHINE_TABLE_ADDR);
    EXPECT_FALSE(s.cr0 & x86::CR0_PG);
}

// A kernel that covered svm's default areas: every entry register follows the layout.
TEST(BootCpu, EntryRegistersFollowAMovedLayout) {
    KernelImage image;
    image.layout.stack_base = 0x1000;
    image.layout.stack_top = 0x11000;
    image.layout.machine_table = 0x11000;
    image.layout.gdt = 0x13000;
    image.mode = CpuMode::Long;
    CpuState s = boot_cpu_state(image, 0);
    EXPECT_EQ(s.rdi, 0x11000u);
    EXPECT_EQ(s.rbx, 0x11000u);
    EXPECT_EQ(s.rsp, 0x11000u);
    EXPECT_EQ(s.gdt.base, 0x13000u);
    EXPECT_EQ(s.tr.base, 0x13100u);
    image.mode = CpuMode::Protected;
    s = boot_cpu_state(image, 0);
    EXPECT_EQ(s.rsi, 0x11000u);
    EXPECT_EQ(s.rsp, 0x11000u);
    image.mode = CpuMode::Real;
    s = boot_cpu_state(image, 0);
    EXPECT_EQ(s.ss.base + s.rsp, 0x10ff0u);
    EXPECT_EQ(s.ss.selector, 0x100);
    EXPECT_EQ(s.es.base + s.rdi, 0x11000u);
}

TEST(BootCpu, GdtAtAMovedAddress) {
    auto memory = GuestMemory::create(1 << 20).value();
    ASSERT_TRUE(write_boot_gdt(memory, 0x5000));
    uint64_t tss = memory.read_obj<uint64_t>(0x5000 + SVM_SEL_TSS).value();
    EXPECT_EQ(((tss >> 16) & 0xffffff) | (((tss >> 56) & 0xff) << 24), 0x5100u);
    EXPECT_EQ(memory.read_obj<uint64_t>(SVM_GDT_ADDR + SVM_SEL_CODE64).value(), 0u);
}

TEST(BootCpu, GdtDescriptorsMatchTheSegmentsLoaded) {
    auto memory = GuestMemory::create(1 << 20).value();
    ASSERT_TRUE(write_boot_gdt(memory));
    // 64-bit code at 0x08: L=1 (bit 53), P, S, type 0xB.
    uint64_t code64 = memory.read_obj<uint64_t>(SVM_GDT_ADDR + SVM_SEL_CODE64).value();
    EXPECT_TRUE(code64 & (1ull << 53));
    EXPECT_EQ((code64 >> 40) & 0xff, 0x9bu);
    uint64_t code32 = memory.read_obj<uint64_t>(SVM_GDT_ADDR + SVM_SEL_CODE32).value();
    EXPECT_TRUE(code32 & (1ull << 54));  // D/B
    uint64_t tss = memory.read_obj<uint64_t>(SVM_GDT_ADDR + SVM_SEL_TSS).value();
    EXPECT_EQ((tss >> 40) & 0xff, 0x8bu);
    EXPECT_EQ(((tss >> 16) & 0xffffff) | (((tss >> 56) & 0xff) << 24), SVM_GDT_ADDR + 0x100u);
    auto small = GuestMemory::create(0x10000).value();
    EXPECT_FALSE(write_boot_gdt(small));
}

// A Limine executable's BSP (PROTOCOL.md "Machine State at Entry", x86-64, with base revision 5's
// stricter rules, which svm applies to every revision).
KernelImage limine_image() {
    KernelImage image;
    image.format = "limine";
    image.mode = CpuMode::Long;
    image.entry = 0xffffffff80001000;
    image.layout.gdt = 0x13000;
    image.limine = std::make_shared<LimineStart>();
    image.limine->base_revision = 3;
    image.limine->rsp = 0xffff800000412ff8;
    return image;
}

TEST(BootCpu, LimineEntryState) {
    KernelImage image = limine_image();
    CpuState s = boot_cpu_state(image, 0x400000);
    EXPECT_EQ(mode_of(s), CpuMode::Long);
    EXPECT_EQ(code_bits(s), 64);
    EXPECT_EQ(s.rip, 0xffffffff80001000u);
    EXPECT_EQ(s.rsp, 0xffff800000412ff8u);
    EXPECT_EQ(s.cr3, 0x400000u);
    EXPECT_EQ(s.cs.selector, 0x28);
    EXPECT_TRUE(s.cs.l);
    EXPECT_FALSE(s.cs.db);
    EXPECT_EQ(s.cs.base, 0u);
    for (const Segment* seg : {&s.ds, &s.es, &s.ss, &s.fs, &s.gs}) {
        EXPECT_EQ(seg->selector, 0x30);
        EXPECT_EQ(seg->base, 0u);
        EXPECT_TRUE(seg->present);
        EXPECT_TRUE(seg->s);
        EXPECT_EQ(seg->type & 0xa, 0x2);  // data, writable
    }
    EXPECT_EQ(s.rflags, 0x2u);
    EXPECT_EQ(s.cr0, 0x80010011u);  // PE | ET | WP | PG, nothing else
    EXPECT_EQ(s.cr4, 0x20u);        // PAE only
    EXPECT_EQ(s.efer, 0xd00u);      // LME | LMA | NXE
    // Every general register 0 but RSP.
    for (uint64_t reg : {s.rax, s.rbx, s.rcx, s.rdx, s.rsi, s.rdi, s.rbp, s.r8, s.r9, s.r10, s.r11,
                         s.r12, s.r13, s.r14, s.r15})
        EXPECT_EQ(reg, 0u);
    EXPECT_EQ(s.idt.base, 0u);
    EXPECT_EQ(s.idt.limit, 0u);
    EXPECT_EQ(s.tr.base, 0u);
    EXPECT_EQ(s.tr.limit, 0u);
    EXPECT_EQ(s.ldt.selector, 0);
    EXPECT_TRUE(s.ldt.unusable);
    EXPECT_EQ(s.gdt.base, 0x13000u);
    EXPECT_EQ(s.gdt.limit, 55);  // seven descriptors
}

TEST(BootCpu, LimineEntryStateIgnoresMultibootRegisters) {
    KernelImage image = limine_image();
    image.eax = 0x2badb002;
    image.ebx = 0x83000;
    CpuState s = boot_cpu_state(image, 0x400000);
    EXPECT_EQ(s.rax, 0u);
    EXPECT_EQ(s.rbx, 0u);
}

// One GDT descriptor, decoded (Intel SDM Vol. 3A, 3.4.5 "Segment Descriptors").
struct Descriptor {
    uint64_t base;
    uint64_t limit;  // in bytes, granularity applied
    unsigned type;
    bool s, present, l, db, g;
};
Descriptor decode(uint64_t d) {
    Descriptor out;
    out.base = ((d >> 16) & 0xffffff) | (((d >> 56) & 0xff) << 24);
    uint64_t raw = (d & 0xffff) | (((d >> 48) & 0xf) << 16);
    out.g = (d >> 55) & 1;
    out.limit = out.g ? (raw << 12) | 0xfff : raw;
    out.type = (d >> 40) & 0xf;
    out.s = (d >> 44) & 1;
    out.present = (d >> 47) & 1;
    out.l = (d >> 53) & 1;
    out.db = (d >> 54) & 1;
    return out;
}

TEST(BootCpu, LimineGdtHasTheSevenDescriptors) {
    auto memory = GuestMemory::create(1 << 20).value();
    ASSERT_TRUE(memory.fill(0, 0xcc, memory.size()));
    ASSERT_TRUE(write_limine_gdt(memory, 0x13000));
    auto at = [&](unsigned selector) {
        return memory.read_obj<uint64_t>(0x13000 + selector).value();
    };
    EXPECT_EQ(at(0x00), 0u);
    struct Want {
        unsigned selector;
        bool code;
        uint64_t limit;
        bool l, db;
    };
    const Want wants[] = {
        {SVM_LIMINE_SEL_CODE16, true, 0xffff, false, false},
        {SVM_LIMINE_SEL_DATA16, false, 0xffff, false, false},
        {SVM_LIMINE_SEL_CODE32, true, 0xffffffff, false, true},
        {SVM_LIMINE_SEL_DATA32, false, 0xffffffff, false, true},
        {SVM_LIMINE_SEL_CODE64, true, 0, true, false},    // 64-bit: limit irrelevant
        {SVM_LIMINE_SEL_DATA64, false, 0, false, false},  // (want.limit 0: not checked)
    };
    for (const Want& want : wants) {
        SCOPED_TRACE(want.selector);
        Descriptor d = decode(at(want.selector));
        EXPECT_EQ(d.base, 0u);
        EXPECT_TRUE(d.present);
        EXPECT_TRUE(d.s);
        // Code, readable (type 1x1x) or data, writable (type 0x1x).
        EXPECT_EQ(d.type & 0xa, want.code ? 0xau : 0x2u);
        EXPECT_EQ(d.l, want.l);
        if (want.limit) {
            EXPECT_EQ(d.limit, want.limit);
            EXPECT_EQ(d.db, want.db);
        }
    }
    // The 64-bit code descriptor must not set D with L (SDM Vol. 3A, 5.2.1: reserved).
    EXPECT_FALSE(decode(at(SVM_LIMINE_SEL_CODE64)).db);
    // Seven descriptors exactly: the byte after them is untouched.
    EXPECT_EQ(memory.read_obj<uint8_t>(0x13000 + 56).value(), 0xcc);
    // The segments boot_cpu_state loads match their descriptors.
    CpuState s = boot_cpu_state(limine_image(), 0x400000);
    Descriptor code = decode(at(s.cs.selector)), data = decode(at(s.ds.selector));
    EXPECT_EQ(s.cs.l, code.l);
    EXPECT_EQ(s.cs.db, code.db);
    EXPECT_EQ(s.cs.type, code.type);
    EXPECT_EQ(s.ds.type, data.type);
    EXPECT_EQ(s.ds.db, data.db);
    EXPECT_EQ(s.ds.g, data.g);
}

TEST(BootCpu, LimineGdtOutsideRamIsAnError) {
    auto small = GuestMemory::create(0x10000).value();
    EXPECT_FALSE(write_limine_gdt(small, 0xfff0));
    EXPECT_TRUE(write_limine_gdt(small, 0x10000 - 56));
}

}  // namespace
}  // namespace svm
