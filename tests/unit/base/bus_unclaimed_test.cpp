#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "core/bus.h"

namespace svm {
namespace {

class Nothing : public BusDevice {
public:
    void read(uint64_t, std::span<uint8_t> data) override {
        std::fill(data.begin(), data.end(), 0);
    }
    void write(uint64_t, std::span<const uint8_t>) override {}
};

TEST(BusUnclaimed, CountsReadsAndWritesPerAddressBusiestFirst) {
    Bus bus("io");
    ASSERT_TRUE(bus.add(0x3f8, 8, std::make_shared<Nothing>(), "com1"));
    uint8_t b[1];
    for (int i = 0; i < 5; ++i) bus.read(0x1f7, b);
    bus.write(0x1f6, b);
    bus.write(0x1f6, b);
    uint8_t w[2];
    bus.read(0x1f6, w);
    bus.read(0x3f8, b);  // claimed: not counted
    auto list = bus.unclaimed_accesses();
    ASSERT_EQ(list.size(), 2u);
    EXPECT_EQ(list[0].addr, 0x1f7u);
    EXPECT_EQ(list[0].reads, 5u);
    EXPECT_EQ(list[0].writes, 0u);
    EXPECT_EQ(list[0].size, 1);
    EXPECT_EQ(list[1].addr, 0x1f6u);
    EXPECT_EQ(list[1].reads, 1u);
    EXPECT_EQ(list[1].writes, 2u);
    EXPECT_EQ(list[1].size, 2);  // the last access's size
    EXPECT_EQ(bus.unclaimed_overflow(), 0u);
}

TEST(BusUnclaimed, StraddlingAccessesCountAtTheirAddress) {
    Bus bus("io");
    ASSERT_TRUE(bus.add(0x10, 4, std::make_shared<Nothing>(), "d"));
    uint8_t b[4];
    EXPECT_FALSE(bus.read(0x12, b));
    auto list = bus.unclaimed_accesses();
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].addr, 0x12u);
}

TEST(BusUnclaimed, TableIsBoundedAndCountsTheOverflow) {
    Bus bus("mmio");
    uint8_t b[1];
    for (uint64_t a = 0; a < Bus::kCounterSlots + 10; ++a) bus.read(0x1000 + a, b);
    EXPECT_EQ(bus.unclaimed_accesses().size(), Bus::kCounterSlots);
    EXPECT_EQ(bus.unclaimed_overflow(), 10u);
    // Addresses already in the table keep counting.
    bus.read(0x1000, b);
    auto list = bus.unclaimed_accesses();
    EXPECT_EQ(list[0].addr, 0x1000u);
    EXPECT_EQ(list[0].reads, 2u);
}

TEST(BusUnclaimed, CountsFromSeveralThreadsWithoutLosingAny) {
    Bus bus("io");
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t)
        threads.emplace_back([&bus, t] {
            uint8_t b[1];
            for (int i = 0; i < 10000; ++i) bus.read(i % 2 ? 0x64 : 0x60 + t, b);
        });
    for (auto& t : threads) t.join();
    uint64_t total = 0;
    for (const auto& a : bus.unclaimed_accesses()) total += a.total();
    EXPECT_EQ(total, 40000u);
    EXPECT_EQ(bus.unclaimed_accesses()[0].addr, 0x64u);
    EXPECT_EQ(bus.unclaimed_accesses()[0].reads, 20000u);
}

}  // namespace
}  // namespace svm
