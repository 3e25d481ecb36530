// The BIOS trap on a synthetic vCPU state (core/machine/pc/bios_trap.h): the vector from the
// stub's IP, the caller's registers from the interrupt frame, CF/ZF into the stacked FLAGS, IP
// at the stub's continuation or wait loop, and the refusals. Uses the real ROM and the real
// services (core/bios/).
#include "core/machine/pc/bios_trap.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/bios/bios_disk_image.h"
#include "core/loader/boot_sector.h"
#include "core/machine/bios_tables.h"

namespace svm {

std::span<const uint8_t> bios_rom_image();

namespace {

constexpr uint16_t kCallerIp = 0x7C10;  // the `int` instruction; the return address is +2
constexpr uint16_t kFrameSp = 0x7BFA;   // SP after the `int` pushed FLAGS, CS, IP
constexpr uint16_t kCallerFlags = 0x0202;

Segment real_segment(uint16_t selector, uint8_t type = 0x3) {
    Segment s;
    s.selector = selector;
    s.base = uint64_t{selector} << 4;
    s.limit = 0xFFFF;
    s.type = type;
    s.present = true;
    s.s = true;
    return s;
}

class BiosTrapTest : public ::testing::Test {
protected:
    void SetUp() override {
        rom_ = parse_bios_rom(bios_rom_image()).value();
        ASSERT_TRUE(memory_.write(kBiosRomBase, bios_rom_image()));
        ASSERT_TRUE(memory_.write(0, build_bios_ivt(rom_)));
        ASSERT_TRUE(memory_.write(kBdaAddr, build_bios_data_area(SVM_EBDA_ADDR, 639)));
    }

    // The vCPU at the `out` of `vector`'s stub (IP past it, as the emulator reports it), called
    // with `int vector` from 0000:kCallerIp.
    CpuState at_stub(uint8_t vector, uint16_t ax) {
        uint16_t stub = 0;
        for (size_t i = 0; i < rom_.vectors.size(); ++i)
            if (rom_.vectors[i] == vector) stub = static_cast<uint16_t>(rom_.stubs + i * 16);
        EXPECT_NE(stub, 0) << "no stub for vector " << int(vector);
        EXPECT_TRUE(memory_.write_obj<uint16_t>(kFrameSp, kCallerIp + 2));
        EXPECT_TRUE(memory_.write_obj<uint16_t>(kFrameSp + 2, 0));
        EXPECT_TRUE(memory_.write_obj<uint16_t>(kFrameSp + 4, kCallerFlags));
        CpuState s;
        s.cr0 = x86::CR0_ET;
        s.cs = real_segment(kBiosRomSegment, 0xB);
        s.ds = s.es = s.fs = s.gs = s.ss = real_segment(0);
        s.rip = stub + 2u;
        s.rsp = kFrameSp;
        s.rflags = x86::RFLAGS_FIXED;  // IF clear: the `int` cleared it
        s.rax = ax;
        return s;
    }
    uint16_t stacked_flags() { return memory_.read_obj<uint16_t>(kFrameSp + 4).value(); }
    uint16_t stub_of(uint8_t vector) {
        for (size_t i = 0; i < rom_.vectors.size(); ++i)
            if (rom_.vectors[i] == vector) return static_cast<uint16_t>(rom_.stubs + i * 16);
        return 0;
    }

    GuestMemory memory_ = GuestMemory::create(2 << 20).value();
    BiosRomLayout rom_;
    BiosContext ctx_{memory_};
};

TEST_F(BiosTrapTest, IvtPointsTheServedVectorsAtTheirStubs) {
    auto ivt = build_bios_ivt(rom_);
    auto entry = [&](unsigned v) {
        return std::pair<uint16_t, uint16_t>(ivt[v * 4] | ivt[v * 4 + 1] << 8,
                                             ivt[v * 4 + 2] | ivt[v * 4 + 3] << 8);
    };
    EXPECT_EQ(entry(0x13), (std::pair<uint16_t, uint16_t>(stub_of(0x13), 0xF000)));
    EXPECT_EQ(entry(0x1C), (std::pair<uint16_t, uint16_t>(rom_.default_iret, 0xF000)));
    EXPECT_EQ(entry(0x0A).first, rom_.default_irq_master);
    EXPECT_EQ(entry(0x74).first, rom_.default_irq_slave);
    EXPECT_EQ(entry(0x80).first, rom_.default_iret);
}

TEST_F(BiosTrapTest, UnsupportedCallIsNamedAtTheCallersIntInstruction) {
    CpuState s = at_stub(0x10, 0x4F00);
    auto r = run_bios_trap(rom_, s, memory_, ctx_);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->vector, 0x10);
    EXPECT_EQ(r->ah, 0x4F);
    EXPECT_EQ(r->outcome, BiosOutcome::Unsupported);
    EXPECT_EQ(r->caller_cs, 0);
    EXPECT_EQ(r->caller_ip, kCallerIp);
    EXPECT_NE(s.rax & 0xFFFF, 0x004Fu);         // a VBE caller sees the failure
    EXPECT_EQ(stacked_flags() & 0x200, 0x200);  // the caller's IF comes back with iret
    EXPECT_EQ(s.rip, stub_of(0x10) + 2u);       // the stub's iret
    EXPECT_EQ(s.rsp, kFrameSp);                 // SP stays the stub's
    EXPECT_EQ(s.cs.selector, kBiosRomSegment);
}

TEST_F(BiosTrapTest, AFailingServiceSetsCarryInTheStackedFlags) {
    CpuState s = at_stub(0x1A, 0x0300);  // set the RTC time: not provided, CF set, AH = 0x86
    auto r = run_bios_trap(rom_, s, memory_, ctx_);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(stacked_flags() & 1, 1);
    EXPECT_EQ((s.rax >> 8) & 0xFF, 0x86u);
}

TEST_F(BiosTrapTest, TheOutAddressItselfFindsTheSameStub) {
    CpuState s = at_stub(0x12, 0x0000);
    s.rip -= 2;  // hardware KVM's fast PIO path reports IP at the `out`
    auto r = run_bios_trap(rom_, s, memory_, ctx_);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->vector, 0x12);
    EXPECT_EQ(s.rax & 0xFFFF, 639u);  // int 0x12: KiB of conventional memory
    EXPECT_EQ(s.rip, stub_of(0x12) + 2u);
}

TEST_F(BiosTrapTest, DiskReadFillsTheBufferAndClearsCarry) {
    std::string path = "/tmp/svm-bios-trap-test.img";
    {
        std::ofstream out(path, std::ios::binary);
        std::string disk(4 * 512, '\0');
        for (size_t i = 0; i < disk.size(); ++i) disk[i] = static_cast<char>(i / 512 + 1);
        out << disk;
    }
    ctx_.disks[0x80] = BiosDisk::open(path, false).value();
    std::remove(path.c_str());
    ASSERT_TRUE(memory_.write_obj<uint16_t>(kFrameSp + 4, kCallerFlags | 1));  // CF set before
    CpuState s = at_stub(0x13, 0x0201);                                        // read 1 sector
    ASSERT_TRUE(memory_.write_obj<uint16_t>(kFrameSp + 4, kCallerFlags | 1));
    s.rcx = 0x0002;  // cylinder 0, sector 2
    s.rdx = 0x0080;  // head 0, drive 0x80
    s.rbx = 0x8000;  // ES:BX = 0000:8000
    auto r = run_bios_trap(rom_, s, memory_, ctx_);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->outcome, BiosOutcome::Done);
    EXPECT_EQ(memory_.read_obj<uint8_t>(0x8000).value(), 2);
    EXPECT_EQ(memory_.read_obj<uint8_t>(0x81FF).value(), 2);
    EXPECT_EQ(stacked_flags() & 1, 0);   // CF cleared in the frame
    EXPECT_EQ((s.rax >> 8) & 0xFF, 0u);  // AH = 0: success
}

TEST_F(BiosTrapTest, KeyboardWithNothingTypedWaitsOrReportsZf) {
    CpuState wait = at_stub(0x16, 0x0000);
    auto r = run_bios_trap(rom_, wait, memory_, ctx_);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->outcome, BiosOutcome::WaitForKey);
    EXPECT_EQ(wait.rip, stub_of(0x16) + rom_.stub_wait);  // sti; hlt; jmp stub

    CpuState peek = at_stub(0x16, 0x0100);
    r = run_bios_trap(rom_, peek, memory_, ctx_);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->outcome, BiosOutcome::Done);
    EXPECT_EQ(stacked_flags() & 0x40, 0x40);  // ZF: no key
    EXPECT_EQ(peek.rip, stub_of(0x16) + 2u);
}

TEST_F(BiosTrapTest, TimerInterruptLeavesTheInterruptedFlagsAlone) {
    ASSERT_TRUE(memory_.write_obj<uint32_t>(0x46C, 41));
    CpuState s = at_stub(0x08, 0x1234);
    ASSERT_TRUE(memory_.write_obj<uint16_t>(kFrameSp + 4, 0x0243));  // ZF, CF, IF of the code
    auto r = run_bios_trap(rom_, s, memory_, ctx_);
    ASSERT_TRUE(r) << r.error().message;
    EXPECT_EQ(r->caller_ip, kCallerIp + 2);  // the interrupted instruction
    EXPECT_EQ(stacked_flags(), 0x0243);
    EXPECT_EQ(s.rip, stub_of(0x08) + 2u);  // on to int 0x1C and the EOI
}

TEST_F(BiosTrapTest, WritesOutsideTheStubsAreRefused) {
    CpuState s = at_stub(0x10, 0x0E41);
    s.cs = real_segment(0);
    s.rip = 0x7C20;
    EXPECT_FALSE(run_bios_trap(rom_, s, memory_, ctx_));
    CpuState in_rom = at_stub(0x10, 0x0E41);
    in_rom.rip = rom_.entry;
    EXPECT_FALSE(run_bios_trap(rom_, in_rom, memory_, ctx_));
    CpuState protected_mode = at_stub(0x10, 0x0E41);
    protected_mode.cr0 |= x86::CR0_PE;
    EXPECT_FALSE(run_bios_trap(rom_, protected_mode, memory_, ctx_));
}

}  // namespace
}  // namespace svm
