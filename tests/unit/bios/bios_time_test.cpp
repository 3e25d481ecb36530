// int 0x1A and int 0x08 with a fake clock: the tick rate, setting the count, midnight, the RTC.
#include <gtest/gtest.h>

#include <chrono>

#include "core/bios/bios_call.h"

namespace svm {
namespace {

using namespace std::chrono;

class BiosTime : public ::testing::Test {
protected:
    BiosTime() : memory_(GuestMemory::create(1 << 20).value()), ctx_{.memory = memory_} {
        ctx_.since_boot = [this] { return now_; };
        ctx_.outb = [this](uint16_t port, uint8_t v) { eois_ += port == 0x20 && v == 0x20; };
    }
    BiosOutcome call(uint16_t ax, uint16_t cx = 0, uint16_t dx = 0) {
        regs_.rax = ax;
        regs_.rcx = cx;
        regs_.rdx = dx;
        regs_.rflags = 0x3;
        return bios_call(0x1a, regs_, ctx_);
    }
    uint32_t ticks() {
        call(0x0000);
        return static_cast<uint32_t>((regs_.rcx & 0xffff) << 16 | (regs_.rdx & 0xffff));
    }

    GuestMemory memory_;
    BiosContext ctx_;
    CpuState regs_;
    steady_clock::duration now_{};
    int eois_ = 0;
};

TEST_F(BiosTime, TickRate) {
    EXPECT_EQ(ticks(), 0u);
    now_ = seconds(1);
    EXPECT_EQ(ticks(), 18u);  // 18.2065 Hz
    now_ = seconds(100);
    EXPECT_EQ(ticks(), 1820u);
    now_ = hours(1);
    EXPECT_EQ(ticks(), 65543u);  // 3600 * 1193182 / 65536 = 65543.4
    EXPECT_EQ(memory_.read_obj<uint32_t>(0x46c).value(), 65543u);  // the BDA agrees
    EXPECT_FALSE(regs_.rflags & 1);
    EXPECT_EQ(regs_.rax & 0xff, 0u);
}

TEST_F(BiosTime, SetTicks) {
    now_ = seconds(10);
    call(0x0100, 0x0001, 0x0000);  // 0x10000
    EXPECT_EQ(ticks(), 0x10000u);
    now_ = seconds(11);
    EXPECT_EQ(ticks(), 0x10000u + 18);
}

TEST_F(BiosTime, MidnightReportedOnce) {
    call(0x0100, 0x0018, 0x00a0);  // 0x1800A0: 16 ticks before midnight
    now_ = seconds(1);             // 18 ticks later
    EXPECT_EQ(ticks(), 2u);
    EXPECT_EQ(regs_.rax & 0xff, 1u);
    EXPECT_EQ(ticks(), 2u);
    EXPECT_EQ(regs_.rax & 0xff, 0u);  // cleared by the read
}

TEST_F(BiosTime, TimerInterruptCountsAndWraps) {
    ASSERT_TRUE(memory_.write_obj<uint32_t>(0x46c, 0x1800af));
    EXPECT_EQ(bios_call(0x08, regs_, ctx_), BiosOutcome::Done);
    EXPECT_EQ(memory_.read_obj<uint32_t>(0x46c).value(), 0u);
    EXPECT_EQ(memory_.read_obj<uint8_t>(0x470).value(), 1);
    bios_call(0x08, regs_, ctx_);
    EXPECT_EQ(memory_.read_obj<uint32_t>(0x46c).value(), 1u);
    EXPECT_EQ(eois_, 2);
    // Without a clock, int 0x1A reads the BDA count and the flag int 0x08 set.
    ctx_.since_boot = nullptr;
    EXPECT_EQ(ticks(), 1u);
    EXPECT_EQ(regs_.rax & 0xff, 1u);
    EXPECT_EQ(memory_.read_obj<uint8_t>(0x470).value(), 0);
}

TEST_F(BiosTime, RtcTimeAndDate) {
    // 2024-02-29 13:45:07 UTC.
    ctx_.wall_clock = [] { return system_clock::time_point(seconds(1709214307)); };
    call(0x0200);
    EXPECT_FALSE(regs_.rflags & 1);
    EXPECT_EQ(regs_.rcx & 0xffff, 0x1345u);
    EXPECT_EQ(regs_.rdx & 0xffff, 0x0700u);
    call(0x0400);
    EXPECT_FALSE(regs_.rflags & 1);
    EXPECT_EQ(regs_.rcx & 0xffff, 0x2024u);
    EXPECT_EQ(regs_.rdx & 0xffff, 0x0229u);
}

TEST_F(BiosTime, RtcWithoutClockAndUnsupported) {
    EXPECT_EQ(call(0x0200), BiosOutcome::Unsupported);
    EXPECT_TRUE(regs_.rflags & 1);
    EXPECT_EQ(call(0x0300), BiosOutcome::Unsupported);
    EXPECT_EQ((regs_.rax >> 8) & 0xff, 0x86u);
}

}  // namespace
}  // namespace svm
