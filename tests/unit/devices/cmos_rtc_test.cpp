// The CMOS RAM and MC146818A RTC with an injected clock (OSDev wiki "CMOS", "RTC"; MC146818A
// datasheet).
#include "devices/legacy/cmos_rtc.h"

#include <gtest/gtest.h>

#include <memory>

namespace svm {
namespace {

constexpr int64_t kSecond = 1'000'000'000;
constexpr int64_t kMs = 1'000'000;
// 2026-11-29 16:40:05 UTC, a Sunday.
constexpr int64_t kSunday164005 = 1795970405;
constexpr int64_t kMidnight = 1795910400;  // 2026-11-29 00:00:00
constexpr int64_t kNoon = 1795953600;      // 2026-11-29 12:00:00

struct Harness {
    int64_t now = kSunday164005 * kSecond;
    bool irq = false;
    int raises = 0;
    int reschedules = 0;
    std::unique_ptr<CmosRtc> rtc;

    explicit Harness(uint64_t memory = 128ull << 20) {
        rtc = std::make_unique<CmosRtc>(CmosRtc::Options{[this] { return now; },
                                                         [this](bool l) {
                                                             if (l && !irq) ++raises;
                                                             irq = l;
                                                         },
                                                         memory, [this] { ++reschedules; }});
    }
    uint8_t get(uint8_t index) {
        rtc->write(0, std::span<const uint8_t>(&index, 1));
        uint8_t v = 0;
        rtc->read(1, std::span(&v, 1));
        return v;
    }
    void set(uint8_t index, uint8_t value) {
        rtc->write(0, std::span<const uint8_t>(&index, 1));
        rtc->write(1, std::span<const uint8_t>(&value, 1));
    }
    uint16_t get16(uint8_t low) { return static_cast<uint16_t>(get(low) | (get(low + 1) << 8)); }
};

TEST(CmosRtc, BcdTwentyFourHourByDefault) {
    Harness h;
    EXPECT_EQ(h.get(0x0b), 0x02);
    EXPECT_EQ(h.get(0x00), 0x05);
    EXPECT_EQ(h.get(0x02), 0x40);
    EXPECT_EQ(h.get(0x04), 0x16);
    EXPECT_EQ(h.get(0x06), 0x01);  // Sunday
    EXPECT_EQ(h.get(0x07), 0x29);
    EXPECT_EQ(h.get(0x08), 0x11);
    EXPECT_EQ(h.get(0x09), 0x26);
    EXPECT_EQ(h.get(0x32), 0x20);  // century
}

TEST(CmosRtc, BinaryMode) {
    Harness h;
    h.set(0x0b, 0x06);
    EXPECT_EQ(h.get(0x00), 5);
    EXPECT_EQ(h.get(0x02), 40);
    EXPECT_EQ(h.get(0x04), 16);
    EXPECT_EQ(h.get(0x07), 29);
    EXPECT_EQ(h.get(0x09), 26);
    EXPECT_EQ(h.get(0x32), 20);
}

TEST(CmosRtc, TwelveHourMode) {
    Harness h;
    h.set(0x0b, 0x00);             // BCD, 12-hour
    EXPECT_EQ(h.get(0x04), 0x84);  // 4 PM
    h.now = kMidnight * kSecond;
    EXPECT_EQ(h.get(0x04), 0x12);  // 12 AM
    h.now = kNoon * kSecond;
    EXPECT_EQ(h.get(0x04), 0x92);  // 12 PM
    h.now = (kMidnight + 3600) * kSecond;
    EXPECT_EQ(h.get(0x04), 0x01);  // 1 AM
    h.set(0x0b, 0x04);             // binary, 12-hour
    h.now = kSunday164005 * kSecond;
    EXPECT_EQ(h.get(0x04), 0x84);
    h.now = (kNoon - 3600) * kSecond;
    EXPECT_EQ(h.get(0x04), 11);
}

TEST(CmosRtc, UipIsSetOnlyJustBeforeTheUpdate) {
    Harness h;
    h.now = kSunday164005 * kSecond + 500 * kMs;
    EXPECT_EQ(h.get(0x0a), 0x26);
    h.now = (kSunday164005 + 1) * kSecond - CmosRtc::kUipNanoseconds;
    EXPECT_EQ(h.get(0x0a), 0xa6);
    // During UIP the registers still read the old second, consistently.
    EXPECT_EQ(h.get(0x00), 0x05);
    h.now = (kSunday164005 + 1) * kSecond - 1;
    EXPECT_EQ(h.get(0x0a) & 0x80, 0x80);
    h.now = (kSunday164005 + 1) * kSecond;
    EXPECT_EQ(h.get(0x0a) & 0x80, 0x00);
    EXPECT_EQ(h.get(0x00), 0x06);
}

TEST(CmosRtc, SetFreezesAndSetsTheTime) {
    Harness h;
    h.set(0x0b, 0x82);  // SET, 24 h, BCD
    h.now += 10 * kSecond;
    EXPECT_EQ(h.get(0x00), 0x05);  // frozen
    h.now = (kSunday164005 + 1) * kSecond - 1000;
    EXPECT_EQ(h.get(0x0a) & 0x80, 0x00);  // no UIP while SET
    h.set(0x04, 0x08);
    h.set(0x02, 0x30);
    h.set(0x00, 0x00);
    h.set(0x09, 0x27);
    EXPECT_EQ(h.get(0x04), 0x08);
    h.set(0x0b, 0x02);  // run again from 2027-11-29 08:30:00
    EXPECT_EQ(h.get(0x00), 0x00);
    EXPECT_EQ(h.get(0x09), 0x27);
    h.now += 61 * kSecond;
    EXPECT_EQ(h.get(0x02), 0x31);
    EXPECT_EQ(h.get(0x00), 0x01);
    EXPECT_EQ(h.get(0x04), 0x08);
}

TEST(CmosRtc, CenturyWrite) {
    Harness h;
    h.set(0x32, 0x19);
    EXPECT_EQ(h.get(0x32), 0x19);
    EXPECT_EQ(h.get(0x09), 0x26);
    EXPECT_EQ(h.get(0x06), 0x02);  // 1926-11-29 was a Monday
}

TEST(CmosRtc, StatusDAndIndexNmiBit) {
    Harness h;
    EXPECT_EQ(h.get(0x0d), 0x80);
    h.get(0x80 | 0x00);  // index write with NMI disable
    EXPECT_TRUE(h.rtc->nmi_disabled());
    EXPECT_EQ(h.get(0x80 | 0x07), 0x29);  // bit 7 is not part of the index
    h.get(0x07);
    EXPECT_FALSE(h.rtc->nmi_disabled());
    uint8_t v = 0;
    h.rtc->read(0, std::span(&v, 1));
    EXPECT_EQ(v, 0xff);
}

TEST(CmosRtc, MemorySizeBytesFor1MiB) {
    Harness h(1ull << 20);
    EXPECT_EQ(h.get16(0x15), 640);
    EXPECT_EQ(h.get16(0x17), 0);
    EXPECT_EQ(h.get16(0x30), 0);
    EXPECT_EQ(h.get16(0x34), 0);
}

TEST(CmosRtc, MemorySizeBytesFor32MiB) {
    Harness h(32ull << 20);
    EXPECT_EQ(h.get16(0x17), 31 * 1024);
    EXPECT_EQ(h.get16(0x30), 31 * 1024);
    EXPECT_EQ(h.get16(0x34), (32 - 16) * 16);
}

TEST(CmosRtc, MemorySizeBytesFor128MiB) {
    Harness h(128ull << 20);
    EXPECT_EQ(h.get16(0x15), 640);
    EXPECT_EQ(h.get16(0x17), 0xffff);  // 127 MiB in KiB does not fit: capped, as QEMU does
    EXPECT_EQ(h.get16(0x30), 0xffff);
    EXPECT_EQ(h.get16(0x34), (128 - 16) * 16);
}

TEST(CmosRtc, MemorySizeBytesFor3GiBAreCapped) {
    Harness h(3ull << 30);
    EXPECT_EQ(h.get16(0x17), 0xffff);
    EXPECT_EQ(h.get16(0x30), 0xffff);
    EXPECT_EQ(h.get16(0x34), ((3ull << 30) - (16ull << 20)) >> 16);
}

TEST(CmosRtc, ChecksumCoversBytes10To2D) {
    Harness h(128ull << 20);
    EXPECT_EQ(h.get(0x10), 0);
    EXPECT_EQ(h.get(0x12), 0);
    EXPECT_EQ(h.get(0x14), 0);
    uint16_t sum = 0;
    for (uint8_t i = 0x10; i <= 0x2d; ++i) sum = static_cast<uint16_t>(sum + h.get(i));
    EXPECT_NE(sum, 0);
    EXPECT_EQ((h.get(0x2e) << 8) | h.get(0x2f), sum);
}

TEST(CmosRtc, PeriodicInterruptAtTheRateAndStatusCReArms) {
    Harness h;
    h.now = kSunday164005 * kSecond;  // on a tick boundary of every rate
    h.set(0x0a, 0x2f);                // rate 15: 2 Hz
    EXPECT_EQ(h.get(0x0c), 0x00);     // clear anything from before
    h.set(0x0b, 0x42);                // PIE
    auto next = h.rtc->next_event();
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(*next, h.now + 500 * kMs);
    h.now += 499 * kMs;
    h.rtc->tick();
    EXPECT_FALSE(h.irq);
    h.now += 1 * kMs;
    h.rtc->tick();
    EXPECT_TRUE(h.irq);
    EXPECT_EQ(h.raises, 1);
    EXPECT_FALSE(h.rtc->next_event().has_value());  // nothing new until C is read
    h.now += 600 * kMs;
    h.rtc->tick();
    EXPECT_EQ(h.raises, 1);        // still asserted: no new edge without reading C
    EXPECT_EQ(h.get(0x0c), 0xd0);  // IRQF | PF | UF (16:40:06 passed; UF is set, not enabled)
    EXPECT_FALSE(h.irq);
    EXPECT_TRUE(h.rtc->next_event().has_value());
}

// Before 1970 the RTC's time is negative nanoseconds: the next periodic boundary must still be
// the first one after now, not one period later (found by tests/fuzz, truncating division).
TEST(CmosRtc, PeriodicInterruptBefore1970ComesOnTime) {
    Harness h;
    h.now = kSunday164005 * kSecond + 300 * kMs;  // 0.3 s into a second
    h.set(0x0a, 0x2f);                            // rate 15: 2 Hz
    h.set(0x32, 0x19);                            // 1950: the same time of day
    h.set(0x09, 0x50);
    h.get(0x0c);        // clear what the default rate raised meanwhile
    h.set(0x0b, 0x42);  // PIE
    auto next = h.rtc->next_event();
    ASSERT_TRUE(next.has_value());
    EXPECT_EQ(*next, h.now + 200 * kMs);  // the boundary at .5 s
    h.now += 200 * kMs;
    h.rtc->tick();
    EXPECT_TRUE(h.irq);
    EXPECT_EQ(h.get(0x0c), 0xc0);  // IRQF | PF
    EXPECT_EQ(*h.rtc->next_event(), h.now + 500 * kMs);
}

TEST(CmosRtc, StatusCReadClearsFlagsAndLowersIrq) {
    Harness h;
    h.now = kSunday164005 * kSecond + 100 * kMs;
    h.set(0x0b, 0x12);  // UIE
    h.now = (kSunday164005 + 1) * kSecond;
    h.rtc->tick();
    EXPECT_TRUE(h.irq);
    int before = h.reschedules;
    // IRQF | UF; PF is set too (the default 1024 Hz rate runs; its interrupt is not enabled).
    EXPECT_EQ(h.get(0x0c), 0xd0);
    EXPECT_FALSE(h.irq);
    EXPECT_GT(h.reschedules, before);
    EXPECT_EQ(h.get(0x0c), 0x00);
    EXPECT_EQ(*h.rtc->next_event(), (kSunday164005 + 2) * kSecond);
}

TEST(CmosRtc, PeriodicRateTable) {
    Harness h;
    h.set(0x0b, 0x42);
    h.now = kSunday164005 * kSecond;
    struct {
        uint8_t rate;
        int64_t period_ns;
    } rates[] = {{1, 3906250}, {2, 7812500}, {3, 122071}, {6, 976563}, {15, 500000000}};
    for (auto r : rates) {
        h.set(0x0a, static_cast<uint8_t>(0x20 | r.rate));
        EXPECT_EQ(*h.rtc->next_event() - h.now, r.period_ns) << int(r.rate);
    }
    h.set(0x0a, 0x20);  // rate 0: off
    EXPECT_FALSE(h.rtc->next_event().has_value());
}

TEST(CmosRtc, UpdateEndedFlagWithoutInterruptEnable) {
    Harness h;
    h.get(0x0c);
    h.now += kSecond;
    EXPECT_EQ(h.get(0x0c) & 0xb0, 0x10);  // UF set, but no IRQF: UIE is off
    EXPECT_FALSE(h.irq);
}

TEST(CmosRtc, AlarmMatchesAndDontCare) {
    Harness h;
    h.set(0x01, 0x10);  // 16:40:10
    h.set(0x03, 0x40);
    h.set(0x05, 0x16);
    h.set(0x0b, 0x22);  // AIE
    h.get(0x0c);
    h.now = (kSunday164005 + 4) * kSecond;  // 16:40:09
    h.rtc->tick();
    EXPECT_FALSE(h.irq);
    EXPECT_EQ(*h.rtc->next_event(), (kSunday164005 + 5) * kSecond);
    h.now = (kSunday164005 + 5) * kSecond;  // 16:40:10
    h.rtc->tick();
    EXPECT_TRUE(h.irq);
    EXPECT_EQ(h.get(0x0c) & 0xa0, 0xa0);  // IRQF | AF
    // Every second: all three "don't care".
    h.set(0x01, 0xff);
    h.set(0x03, 0xff);
    h.set(0x05, 0xff);
    h.now += kSecond;
    h.rtc->tick();
    EXPECT_TRUE(h.irq);
}

TEST(CmosRtc, SetClearsUie) {
    Harness h;
    h.set(0x0b, 0x92);
    EXPECT_EQ(h.get(0x0b), 0x82);
}

// The century and year registers can name years 0-16599, far outside what int64 nanoseconds
// hold (1677-2262): a guest-set time is clamped to 1900-2199 instead of overflowing.
TEST(CmosRtc, FarFutureAndPastTimesAreClampedNotOverflowed) {
    Harness h;
    h.set(0x32, 0x99);  // century 99: the year 9926
    EXPECT_EQ(h.get(0x32), 0x21);
    EXPECT_EQ(h.get(0x09), 0x99);
    EXPECT_EQ(h.get(0x08), 0x12);
    EXPECT_EQ(h.get(0x07), 0x31);
    h.set(0x32, 0x00);  // the year 0099, then 0000
    h.set(0x09, 0x00);
    EXPECT_EQ(h.get(0x32), 0x19);
    EXPECT_EQ(h.get(0x09), 0x00);
    EXPECT_EQ(h.get(0x08), 0x01);
    EXPECT_EQ(h.get(0x07), 0x01);
    h.now += 2 * kSecond;  // and the clock runs on from there
    EXPECT_EQ(h.get(0x00), 0x02);
    // Binary mode, with SET: century 255.
    h.set(0x0b, 0x86);
    h.set(0x32, 0xff);
    h.set(0x0b, 0x06);
    EXPECT_EQ(h.get(0x32), 21);
    EXPECT_EQ(h.get(0x09), 99);
}

}  // namespace
}  // namespace svm
