// bios_call_return_address (core/debug/bios_step_over.h) on synthetic real-mode memory.
#include "core/debug/bios_step_over.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace svm {
namespace {

struct Memory {
    std::vector<uint8_t> bytes = std::vector<uint8_t>(1 << 20);
    PhysicalReader reader() {
        return [this](uint64_t gpa, std::span<uint8_t> out) {
            if (gpa + out.size() > bytes.size()) return false;
            std::memcpy(out.data(), bytes.data() + gpa, out.size());
            return true;
        };
    }
    void vector(uint8_t n, uint16_t segment, uint16_t offset) {
        bytes[n * 4] = offset & 0xff;
        bytes[n * 4 + 1] = offset >> 8;
        bytes[n * 4 + 2] = segment & 0xff;
        bytes[n * 4 + 3] = segment >> 8;
    }
};

CpuState real_mode_at(uint16_t cs, uint16_t ip) {
    CpuState s;
    s.cs.selector = cs;
    s.cs.base = uint64_t{cs} << 4;
    s.rip = ip;
    return s;
}

TEST(BiosStepOver, IntToTheBiosRomEndsAtTheNextInstruction) {
    Memory m;
    m.vector(0x10, 0xf000, 0x0100);
    m.bytes[0x7c05] = 0xcd;
    m.bytes[0x7c06] = 0x10;
    auto r = bios_call_return_address(real_mode_at(0, 0x7c05), m.reader());
    ASSERT_TRUE(r);
    EXPECT_EQ(*r, 0x7c07u);
    // The same code seen through another segment: CS.base + IP + 2.
    m.bytes[0x17c05] = 0xcd;
    m.bytes[0x17c06] = 0x10;
    EXPECT_EQ(bios_call_return_address(real_mode_at(0x1000, 0x7c05), m.reader()), 0x17c07u);
}

TEST(BiosStepOver, OtherInstructionsAndOtherHandlersAreSteppedNormally) {
    Memory m;
    m.vector(0x10, 0xf000, 0x0100);
    m.vector(0x80, 0x0800, 0x0000);  // the boot sector's own handler
    m.bytes[0x7c00] = 0x90;          // nop
    m.bytes[0x7c01] = 0xcd;
    m.bytes[0x7c02] = 0x80;
    EXPECT_FALSE(bios_call_return_address(real_mode_at(0, 0x7c00), m.reader()));
    EXPECT_FALSE(bios_call_return_address(real_mode_at(0, 0x7c01), m.reader()));
    // Protected mode: never (the kernel's own IDT).
    m.bytes[0x7c03] = 0xcd;
    m.bytes[0x7c04] = 0x10;
    CpuState pm = real_mode_at(0, 0x7c03);
    pm.cr0 = x86::CR0_PE;
    EXPECT_FALSE(bios_call_return_address(pm, m.reader()));
    EXPECT_TRUE(bios_call_return_address(real_mode_at(0, 0x7c03), m.reader()));
}

TEST(BiosStepOver, IpWrapsAtTheSegmentEndAndUnreadableMemoryIsNoStepOver) {
    Memory m;
    m.vector(0x13, 0xf000, 0x0200);
    // int 0x13 at 1000:FFFF: the immediate is at 1000:0000, the return address 1000:0001.
    m.bytes[0x1ffff] = 0xcd;
    m.bytes[0x10000] = 0x13;
    EXPECT_EQ(bios_call_return_address(real_mode_at(0x1000, 0xffff), m.reader()), 0x10001u);
    PhysicalReader nothing = [](uint64_t, std::span<uint8_t>) { return false; };
    EXPECT_FALSE(bios_call_return_address(real_mode_at(0, 0x7c00), nothing));
}

}  // namespace
}  // namespace svm
