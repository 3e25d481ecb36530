#include "core/machine/boot_cpu.h"

#include <gtest/gtest.h>
#include <svm/machine.h>

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

}  // namespace
}  // namespace svm
