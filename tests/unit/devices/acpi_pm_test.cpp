// ACPI PM1 event/control block and PM timer (ACPI 6.4, 4.8.3), with an injected clock.
#include "devices/legacy/acpi_pm.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>

namespace svm {
namespace {

constexpr uint64_t kStatus = 0, kEnable = 2, kControl = 4, kTimer = 8;
constexpr uint64_t kSecond = 1'000'000'000;

struct PmHarness {
    uint64_t now = 5 * kSecond;  // any epoch
    int power_offs = 0;
    AcpiPm pm{[this] { return now; }, 0, [this] { ++power_offs; }};

    uint32_t in(uint64_t offset, size_t size) {
        uint8_t b[4] = {};
        pm.read(offset, std::span(b, size));
        uint32_t v = 0;
        for (size_t i = 0; i < size; ++i) v |= uint32_t{b[i]} << (8 * i);
        return v;
    }
    void out(uint64_t offset, uint32_t v, size_t size) {
        uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                        static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
        pm.write(offset, std::span<const uint8_t>(b, size));
    }
};

TEST(AcpiPmTimer, StartsAtZeroAndCountsAt3579545Hz) {
    PmHarness h;
    EXPECT_EQ(h.in(kTimer, 4), 0u);
    h.now += kSecond;
    EXPECT_EQ(h.in(kTimer, 4), 3579545u);  // < 2^24, so not wrapped
    h.now += kSecond / 1000;               // 1 ms more: 3579.545 ticks
    EXPECT_EQ(h.in(kTimer, 4), (3579545u + 3579u) & 0xffffffu);
    EXPECT_EQ(h.pm.timer(), (3579545u + 3579u) & 0xffffffu);
}

TEST(AcpiPmTimer, WrapsAt24Bits) {
    PmHarness h;
    h.now += 10 * kSecond;  // 35795450 ticks
    EXPECT_EQ(h.in(kTimer, 4), 35795450u % (1u << 24));
    EXPECT_EQ(h.in(kTimer, 4) >> 24, 0u);
    // After a long run (2 hours) the product with the rate must not overflow.
    h.now += 7200 * kSecond;
    uint64_t ticks = (7210ull * 3579545ull) & 0xffffff;
    EXPECT_EQ(h.in(kTimer, 4), ticks);
}

TEST(AcpiPmTimer, ReadOnlyAndByteReadable) {
    PmHarness h;
    h.now += kSecond;
    h.out(kTimer, 0, 4);
    EXPECT_EQ(h.in(kTimer, 4), 3579545u);
    EXPECT_EQ(h.in(kTimer, 1), 3579545u & 0xff);
    EXPECT_EQ(h.in(kTimer + 2, 1), (3579545u >> 16) & 0xff);
}

TEST(AcpiPmStatus, TmrStsFollowsBit23AndIsWriteOneToClear) {
    PmHarness h;
    EXPECT_EQ(h.in(kStatus, 2), 0u);
    // Bit 23 first changes at 2^23 ticks = 2.343 s.
    h.now += 2 * kSecond;
    EXPECT_EQ(h.in(kStatus, 2), 0u);
    h.now += kSecond / 2;
    EXPECT_EQ(h.in(kStatus, 2), AcpiPm::kTmrSts);
    h.out(kStatus, 0, 2);  // writing 0 changes nothing
    EXPECT_EQ(h.in(kStatus, 2), AcpiPm::kTmrSts);
    h.out(kStatus, AcpiPm::kTmrSts, 2);
    EXPECT_EQ(h.in(kStatus, 2), 0u);
    h.now += 2 * kSecond + kSecond / 2;  // the next change of bit 23
    EXPECT_EQ(h.in(kStatus, 2), AcpiPm::kTmrSts);
}

TEST(AcpiPmEnable, StoresOnlyDefinedBits) {
    PmHarness h;
    h.out(kEnable, 0xffff, 2);
    EXPECT_EQ(h.in(kEnable, 2), 0x0721u);
    h.out(kEnable + 1, 0x00, 1);  // high byte alone
    EXPECT_EQ(h.in(kEnable, 2), 0x0021u);
    h.out(kEnable, 0, 2);
    EXPECT_EQ(h.in(kEnable, 2), 0u);
}

TEST(AcpiPmControl, SciEnReadsOneAndSlpTypReadsBack) {
    PmHarness h;
    EXPECT_EQ(h.in(kControl, 2), 0x0001u);
    h.out(kControl, 5 << 10, 2);  // SLP_TYP 5 without SLP_EN
    EXPECT_EQ(h.in(kControl, 2), 0x1401u);
    EXPECT_EQ(h.power_offs, 0);
    EXPECT_EQ(h.in(6, 2), 0u);  // reserved
}

TEST(AcpiPmControl, S5WithSlpEnPowersOff) {
    PmHarness h;
    h.out(kControl, 0x2000, 2);
    EXPECT_EQ(h.power_offs, 1);
    EXPECT_EQ(h.in(kControl, 2) & 0x2000, 0u);  // SLP_EN is write-only
}

TEST(AcpiPmControl, HighByteWriteAlonePowersOff) {
    PmHarness h;
    h.out(kControl + 1, 0x20, 1);
    EXPECT_EQ(h.power_offs, 1);
}

TEST(AcpiPmControl, OtherSleepTypesAndMissingSlpEnDoNotPowerOff) {
    PmHarness h;
    for (uint32_t type = 1; type < 8; ++type) h.out(kControl, 0x2000 | type << 10, 2);
    h.out(kControl, 0x0000, 2);
    h.out(kControl, 0x1c00, 2);  // every SLP_TYP bit, but no SLP_EN
    EXPECT_EQ(h.power_offs, 0);
}

TEST(AcpiPmControl, DwordWriteAtEventBlockReachesControlOnlyIfItCoversIt) {
    PmHarness h;
    // A dword at offset 2 covers PM1_EN and PM1_CNT: its high word is the control value.
    h.out(kEnable, 0x20000000, 4);
    EXPECT_EQ(h.power_offs, 1);
}

}  // namespace
}  // namespace svm
