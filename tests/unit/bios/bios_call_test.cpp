// bios_call() dispatch for the one-line services (int 0x11, 0x12, 0x19), unknown vectors, and
// bios_function_name().
#include "core/bios/bios_call.h"

#include <gtest/gtest.h>

namespace svm {
namespace {

TEST(BiosCall, EquipmentAndMemorySize) {
    auto memory = GuestMemory::create(1 << 20).value();
    BiosContext ctx{.memory = memory};
    ASSERT_TRUE(memory.write_obj<uint16_t>(0x410, 0x0226));
    ASSERT_TRUE(memory.write_obj<uint16_t>(0x413, 639));
    CpuState regs;
    regs.rax = 0x12345678ffff;
    EXPECT_EQ(bios_call(0x11, regs, ctx), BiosOutcome::Done);
    EXPECT_EQ(regs.rax, 0x123456780226u);
    EXPECT_EQ(bios_call(0x12, regs, ctx), BiosOutcome::Done);
    EXPECT_EQ(regs.rax & 0xffff, 639u);
}

TEST(BiosCall, RebootAndUnknownVector) {
    auto memory = GuestMemory::create(1 << 20).value();
    BiosContext ctx{.memory = memory};
    CpuState regs;
    EXPECT_EQ(bios_call(0x19, regs, ctx), BiosOutcome::Reboot);
    EXPECT_EQ(bios_call(0x14, regs, ctx), BiosOutcome::Unsupported);  // serial port BIOS
    EXPECT_TRUE(regs.rflags & 1);
    EXPECT_EQ((regs.rax >> 8) & 0xff, 0x86u);
}

TEST(BiosCall, FunctionNames) {
    EXPECT_EQ(bios_function_name(0x10, 0x4f), "int 0x10 AH=0x4f (VESA)");
    EXPECT_EQ(bios_function_name(0x13, 0x42), "int 0x13 AH=0x42 (extended read)");
    EXPECT_EQ(bios_function_name(0x15, 0xe8), "int 0x15 AH=0xe8 (memory map (E820/E801))");
    EXPECT_EQ(bios_function_name(0x16, 0x77), "int 0x16 AH=0x77");
    EXPECT_EQ(bios_function_name(0x12, 0x00), "int 0x12 (base memory size)");
    EXPECT_EQ(bios_function_name(0x14, 0x00), "int 0x14");
}

}  // namespace
}  // namespace svm
