// The switch's filtering database (devices/virtio/mac_table.h) on a synthetic clock.
#include "devices/virtio/mac_table.h"

#include <gtest/gtest.h>

#include <array>

namespace svm::virtio {
namespace {

using namespace std::chrono_literals;

std::array<uint8_t, 6> mac(uint8_t last) {
    return {0x52, 0x54, 0x00, 0x00, 0x00, last};
}

TEST(MacTable, LearnsLooksUpAndFollowsMoves) {
    MacTable table(8, 300s);
    MacTable::TimePoint t{};
    EXPECT_FALSE(table.lookup(mac(1), t));
    EXPECT_TRUE(table.learn(mac(1), 4, t));
    EXPECT_EQ(table.lookup(mac(1), t), 4u);
    EXPECT_TRUE(table.learn(mac(1), 7, t));  // moved
    EXPECT_EQ(table.lookup(mac(1), t), 7u);
    EXPECT_EQ(table.size(), 1u);
}

TEST(MacTable, EntriesAgeOutUnlessRefreshed) {
    MacTable table(8, 300s);
    MacTable::TimePoint t{};
    table.learn(mac(1), 1, t);
    table.learn(mac(2), 2, t);
    table.learn(mac(2), 2, t + 200s);  // heard again
    EXPECT_EQ(table.lookup(mac(1), t + 299s), 1u);
    EXPECT_FALSE(table.lookup(mac(1), t + 300s));
    EXPECT_EQ(table.size(), 1u);  // the aged entry is gone
    EXPECT_EQ(table.lookup(mac(2), t + 499s), 2u);
    EXPECT_FALSE(table.lookup(mac(2), t + 500s));
}

TEST(MacTable, AFullTableLearnsOnlyWhenSomethingExpired) {
    MacTable table(2, 300s);
    MacTable::TimePoint t{};
    EXPECT_TRUE(table.learn(mac(1), 1, t));
    EXPECT_TRUE(table.learn(mac(2), 2, t + 100s));
    EXPECT_FALSE(table.learn(mac(3), 3, t + 200s));
    EXPECT_TRUE(table.learn(mac(1), 5, t + 200s));  // known addresses are still refreshed
    EXPECT_FALSE(table.lookup(mac(3), t + 200s));
    EXPECT_TRUE(table.learn(mac(3), 3, t + 400s));  // mac(2) expired at 400 s
    EXPECT_EQ(table.size(), 2u);
    EXPECT_EQ(table.lookup(mac(3), t + 400s), 3u);
    EXPECT_EQ(table.lookup(mac(1), t + 400s), 5u);
}

TEST(MacTable, ForgetsAPortsAddresses) {
    MacTable table(8, 300s);
    MacTable::TimePoint t{};
    table.learn(mac(1), 1, t);
    table.learn(mac(2), 2, t);
    table.learn(mac(3), 1, t);
    table.forget_port(1);
    EXPECT_EQ(table.size(), 1u);
    EXPECT_EQ(table.lookup(mac(2), t), 2u);
}

}  // namespace
}  // namespace svm::virtio
