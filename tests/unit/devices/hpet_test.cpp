// HPET registers, counter and comparators (IA-PC HPET Specification 1.0a, 2.3), with an injected
// clock: 10 ns = one tick of the 100 MHz counter.
#include "devices/legacy/hpet.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <utility>
#include <vector>

namespace svm {
namespace {

constexpr uint64_t kCap = 0x000, kConf = 0x010, kIsr = 0x020, kCounter = 0x0f0;
constexpr uint64_t kEnableCnf = 1, kLegRtCnf = 2;
constexpr uint64_t kLevel = 1 << 1, kIntEnb = 1 << 2, kPeriodic = 1 << 3, kValSet = 1 << 6,
                   k32Mode = 1 << 8;
constexpr uint64_t route(unsigned pin) {
    return uint64_t{pin} << 9;
}
constexpr uint64_t timer_conf(int n) {
    return 0x100 + 0x20 * n;
}
constexpr uint64_t timer_cmp(int n) {
    return 0x108 + 0x20 * n;
}

struct HpetHarness {
    uint64_t now = 1'000'000;  // ns, any epoch
    std::vector<std::pair<uint32_t, bool>> irqs;
    int reprograms = 0;
    Hpet hpet{Hpet::Config{}, [this] { return now; },
              [this](uint32_t line, bool level) { irqs.emplace_back(line, level); },
              [this] { ++reprograms; }};

    uint64_t rd(uint64_t offset, size_t size = 8) {
        uint8_t b[8] = {};
        hpet.read(offset, std::span(b, size));
        uint64_t v = 0;
        for (size_t i = 0; i < size; ++i) v |= uint64_t{b[i]} << (8 * i);
        return v;
    }
    void wr(uint64_t offset, uint64_t v, size_t size = 8) {
        uint8_t b[8];
        for (size_t i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(v >> (8 * i));
        hpet.write(offset, std::span<const uint8_t>(b, size));
    }
    void advance_ticks(uint64_t ticks) { now += ticks * 10; }
    // Edge pulses seen on `line`.
    int pulses(uint32_t line) const {
        int n = 0;
        for (size_t i = 0; i + 1 < irqs.size(); ++i)
            if (irqs[i] == std::pair{line, true} && irqs[i + 1] == std::pair{line, false}) ++n;
        return n;
    }
};

TEST(Hpet, CapabilitiesDescribeTheDevice) {
    HpetHarness h;
    uint64_t cap = h.rd(kCap);
    EXPECT_EQ(cap & 0xff, 1u);                 // REV_ID
    EXPECT_EQ((cap >> 8) & 0x1f, 2u);          // NUM_TIM_CAP = 3 timers - 1
    EXPECT_NE(cap & (1u << 13), 0u);           // COUNT_SIZE_CAP: 64-bit
    EXPECT_NE(cap & (1u << 15), 0u);           // LEG_RT_CAP
    EXPECT_EQ((cap >> 16) & 0xffff, 0x8086u);  // VENDOR_ID
    EXPECT_EQ(cap >> 32, 10000000u);           // 10 ns in femtoseconds
    EXPECT_EQ(h.rd(kCap + 4, 4), 10000000u);   // 32-bit read of the high half
    h.wr(kCap, 0);
    EXPECT_EQ(h.rd(kCap), cap);  // read-only
    uint64_t tcap = h.rd(timer_conf(0));
    EXPECT_EQ(tcap >> 32, 0x00f00000u);    // Tn_INT_ROUTE_CAP: pins 20-23
    EXPECT_NE(tcap & (1u << 4), 0u);       // periodic capable
    EXPECT_NE(tcap & (1u << 5), 0u);       // 64-bit comparator
    EXPECT_EQ(tcap & (1u << 15), 0u);      // no FSB delivery
    EXPECT_EQ(h.rd(timer_cmp(0)), ~0ull);  // comparators reset to all-ones
}

TEST(Hpet, CounterRunsOnlyWhileEnabledAndIsWritableWhileHalted) {
    HpetHarness h;
    h.advance_ticks(1000);
    EXPECT_EQ(h.rd(kCounter), 0u);
    h.wr(kConf, kEnableCnf);
    EXPECT_EQ(h.rd(kConf), kEnableCnf);
    h.advance_ticks(12345);
    EXPECT_EQ(h.rd(kCounter), 12345u);
    EXPECT_EQ(h.rd(kCounter, 4), 12345u);
    h.wr(kCounter, 7);  // ignored while running
    EXPECT_EQ(h.rd(kCounter), 12345u);
    h.wr(kConf, 0);
    h.advance_ticks(500);
    EXPECT_EQ(h.rd(kCounter), 12345u);  // halted
    h.wr(kCounter, 0x1'0000'0000ull);
    EXPECT_EQ(h.rd(kCounter), 0x1'0000'0000ull);
    h.wr(kCounter + 4, 2, 4);  // high dword alone
    EXPECT_EQ(h.rd(kCounter), 0x2'0000'0000ull);
    h.wr(kConf, kEnableCnf);
    h.advance_ticks(3);
    EXPECT_EQ(h.rd(kCounter), 0x2'0000'0003ull);
}

TEST(Hpet, OneShotFiresOnceAtTheComparatorEdgeTriggered) {
    HpetHarness h;
    h.wr(timer_conf(2), kIntEnb | route(21));
    EXPECT_EQ((h.rd(timer_conf(2)) >> 9) & 0x1f, 21u);
    h.wr(timer_cmp(2), 1000);
    h.wr(kConf, kEnableCnf);
    h.advance_ticks(999);
    h.hpet.tick();
    EXPECT_EQ(h.pulses(21), 0);
    h.advance_ticks(1);
    h.hpet.tick();
    EXPECT_EQ(h.pulses(21), 1);
    h.advance_ticks(100000);
    h.hpet.tick();
    EXPECT_EQ(h.pulses(21), 1);  // one-shot: not again
    EXPECT_EQ(h.rd(kIsr), 0u);   // edge-triggered timers set no status bit
    EXPECT_EQ(h.rd(timer_cmp(2)), 1000u);
}

TEST(Hpet, ComparatorWrittenBehindTheCounterDoesNotFire) {
    HpetHarness h;
    h.wr(timer_conf(0), kIntEnb | route(20));
    h.wr(kConf, kEnableCnf);
    h.advance_ticks(5000);
    h.wr(timer_cmp(0), 100);  // already passed
    h.advance_ticks(5000);
    h.hpet.tick();
    EXPECT_EQ(h.pulses(20), 0);
    EXPECT_FALSE(h.hpet.next_deadline_ns().has_value());  // 64-bit: never comes round
}

TEST(Hpet, PeriodicTimerFiresEveryPeriodAndAccumulates) {
    HpetHarness h;
    h.wr(timer_conf(0), kIntEnb | kPeriodic | kValSet | route(22));
    h.wr(timer_cmp(0), 100);                       // VAL_SET: comparator and period = 100
    EXPECT_EQ(h.rd(timer_conf(0)) & kValSet, 0u);  // VAL_SET clears itself
    h.wr(kConf, kEnableCnf);
    for (int i = 1; i <= 5; ++i) {
        h.advance_ticks(100);
        h.hpet.tick();
        EXPECT_EQ(h.pulses(22), i);
        EXPECT_EQ(h.rd(timer_cmp(0)), 100u * (i + 1));  // comparator += period
    }
    // Missed periods are coalesced into one interrupt; the comparator lands in the future.
    h.advance_ticks(1050);
    h.hpet.tick();
    EXPECT_EQ(h.pulses(22), 6);
    EXPECT_EQ(h.rd(timer_cmp(0)), 1600u);
}

TEST(Hpet, PeriodicWriteWithoutValSetChangesOnlyThePeriod) {
    HpetHarness h;
    // Linux's sequence (32-bit mode, 32-bit writes): VAL_SET + absolute first comparator, then
    // the period alone.
    h.wr(timer_conf(0), kIntEnb | kPeriodic | kValSet | k32Mode | route(20));
    h.wr(timer_cmp(0), 500, 4);
    h.wr(timer_cmp(0), 200, 4);
    EXPECT_EQ(h.rd(timer_cmp(0)), 500u);
    h.wr(kConf, kEnableCnf);
    h.advance_ticks(500);
    h.hpet.tick();
    EXPECT_EQ(h.pulses(20), 1);
    EXPECT_EQ(h.rd(timer_cmp(0)), 700u);
}

TEST(Hpet, LevelTriggeredSetsStatusUntilWrittenOne) {
    HpetHarness h;
    h.wr(timer_conf(1), kIntEnb | kLevel | route(23));
    h.wr(timer_cmp(1), 10);
    h.wr(kConf, kEnableCnf);
    h.advance_ticks(10);
    h.hpet.tick();
    EXPECT_EQ(h.rd(kIsr), 0b010u);
    ASSERT_FALSE(h.irqs.empty());
    EXPECT_EQ(h.irqs.back(), (std::pair<uint32_t, bool>{23, true}));
    h.wr(kIsr, 0b101);  // other bits: no effect
    EXPECT_EQ(h.rd(kIsr), 0b010u);
    h.wr(kIsr, 0b010);
    EXPECT_EQ(h.rd(kIsr), 0u);
    EXPECT_EQ(h.irqs.back(), (std::pair<uint32_t, bool>{23, false}));
}

TEST(Hpet, DisabledInterruptSetsNoStatusAndRaisesNothing) {
    HpetHarness h;
    h.wr(timer_conf(1), kLevel | route(23));
    h.wr(timer_cmp(1), 10);
    h.wr(kConf, kEnableCnf);
    h.advance_ticks(20);
    h.hpet.tick();
    EXPECT_EQ(h.rd(kIsr), 0u);
    EXPECT_TRUE(h.irqs.empty());
}

TEST(Hpet, LegacyReplacementRoutesTimer0ToIrq0AndTimer1ToIrq8) {
    HpetHarness h;
    h.wr(timer_conf(0), kIntEnb | route(20));
    h.wr(timer_conf(1), kIntEnb | route(21));
    h.wr(timer_cmp(0), 100);
    h.wr(timer_cmp(1), 200);
    h.wr(kConf, kEnableCnf | kLegRtCnf);
    EXPECT_EQ(h.rd(kConf), kEnableCnf | kLegRtCnf);
    h.advance_ticks(200);
    h.hpet.tick();
    EXPECT_EQ(h.pulses(0), 1);
    EXPECT_EQ(h.pulses(8), 1);
    EXPECT_EQ(h.pulses(20), 0);
    EXPECT_EQ(h.pulses(21), 0);
}

TEST(Hpet, UnsupportedRouteIsNotTaken) {
    HpetHarness h;
    h.wr(timer_conf(0), route(20));
    h.wr(timer_conf(0), route(5));  // pin 5 is not in INT_ROUTE_CAP
    EXPECT_EQ((h.rd(timer_conf(0)) >> 9) & 0x1f, 20u);
}

TEST(Hpet, ThirtyTwoBitModeWrapsTheComparison) {
    HpetHarness h;
    h.wr(kCounter, 0xffff'fff0ull);
    h.wr(timer_conf(0), kIntEnb | k32Mode | route(20));
    h.wr(timer_cmp(0), 0x1'0000'0010ull);  // upper half dropped in 32-bit mode
    EXPECT_EQ(h.rd(timer_cmp(0)), 0x10u);
    h.wr(kConf, kEnableCnf);
    h.advance_ticks(0x10);  // counter 0xFFFFFFFF'...: low 32 bits = 0, not yet 0x10
    h.hpet.tick();
    EXPECT_EQ(h.pulses(20), 0);
    h.advance_ticks(0x10);  // low 32 bits reach 0x10 (the 64-bit counter is 0x1'00000010)
    h.hpet.tick();
    EXPECT_EQ(h.pulses(20), 1);
}

TEST(Hpet, NextDeadlineIsTheEarliestEnabledComparator) {
    HpetHarness h;
    EXPECT_FALSE(h.hpet.next_deadline_ns().has_value());  // halted
    h.wr(timer_conf(0), kIntEnb | route(20));
    h.wr(timer_conf(1), kIntEnb | route(21));
    h.wr(timer_conf(2), route(22));  // no INT_ENB: does not count
    h.wr(timer_cmp(0), 3000);
    h.wr(timer_cmp(1), 2000);
    h.wr(timer_cmp(2), 10);
    h.wr(kConf, kEnableCnf);
    EXPECT_EQ(h.hpet.next_deadline_ns(), h.now + 2000 * 10);
    h.advance_ticks(2000);
    EXPECT_EQ(h.hpet.next_deadline_ns(), h.now + 1000 * 10);  // timer 1 fired on the way
    EXPECT_EQ(h.pulses(21), 1);
    EXPECT_GT(h.reprograms, 0);
}

TEST(Hpet, DisablingTheCounterDropsLevelLines) {
    HpetHarness h;
    h.wr(timer_conf(0), kIntEnb | kLevel | route(20));
    h.wr(timer_cmp(0), 1);
    h.wr(kConf, kEnableCnf);
    h.advance_ticks(1);
    h.hpet.tick();
    EXPECT_EQ(h.irqs.back(), (std::pair<uint32_t, bool>{20, true}));
    h.wr(kConf, 0);
    EXPECT_EQ(h.irqs.back(), (std::pair<uint32_t, bool>{20, false}));
    EXPECT_EQ(h.rd(kIsr), 1u);  // the status stays until cleared
}

TEST(Hpet, UnknownOffsetsReadZero) {
    HpetHarness h;
    EXPECT_EQ(h.rd(0x008), 0u);
    EXPECT_EQ(h.rd(0x110), 0u);  // FSB route
    EXPECT_EQ(h.rd(0x160), 0u);  // beyond timer 2
    EXPECT_EQ(h.rd(0x3f8), 0u);
}

}  // namespace
}  // namespace svm
