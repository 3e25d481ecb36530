#include "core/bus.h"

#include <gtest/gtest.h>

#include <vector>

namespace svm {
namespace {

// Records every access it sees, so tests can check that devices get offsets.
class RecordingDevice : public BusDevice {
public:
    void read(uint64_t offset, std::span<uint8_t> data) override {
        reads.push_back(offset);
        for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(offset + i);
    }
    void write(uint64_t offset, std::span<const uint8_t> data) override {
        writes.emplace_back(offset, std::vector<uint8_t>(data.begin(), data.end()));
    }
    std::vector<uint64_t> reads;
    std::vector<std::pair<uint64_t, std::vector<uint8_t>>> writes;
};

TEST(Bus, RoutesOffsetsNotAddresses) {
    Bus bus("io");
    auto dev = std::make_shared<RecordingDevice>();
    ASSERT_TRUE(bus.add(0x3f8, 8, dev, "com1"));
    uint8_t b[1];
    EXPECT_TRUE(bus.read(0x3fd, b));
    EXPECT_EQ(dev->reads, std::vector<uint64_t>{5});
    EXPECT_EQ(b[0], 5);
    const uint8_t v[2] = {0xaa, 0xbb};
    EXPECT_TRUE(bus.write(0x3f8, v));
    ASSERT_EQ(dev->writes.size(), 1u);
    EXPECT_EQ(dev->writes[0].first, 0u);
    EXPECT_EQ(dev->writes[0].second, (std::vector<uint8_t>{0xaa, 0xbb}));
}

TEST(Bus, RejectsEmptyOverflowingAndOverlappingRanges) {
    Bus bus("mmio");
    auto dev = std::make_shared<RecordingDevice>();
    EXPECT_FALSE(bus.add(0x1000, 0, dev, "empty"));
    EXPECT_FALSE(bus.add(~0ull - 1, 4, dev, "wraps"));
    ASSERT_TRUE(bus.add(0x1000, 0x100, dev, "a"));
    EXPECT_FALSE(bus.add(0x10ff, 1, dev, "tail"));
    EXPECT_FALSE(bus.add(0xf00, 0x101, dev, "head"));
    EXPECT_FALSE(bus.add(0x800, 0x1000, dev, "covers"));
    EXPECT_FALSE(bus.add(0x1010, 0x10, dev, "inside"));
    EXPECT_TRUE(bus.add(0x1100, 0x10, dev, "adjacent-after"));
    EXPECT_TRUE(bus.add(0xff0, 0x10, dev, "adjacent-before"));
    auto err = bus.add(0x1001, 1, dev, "x");
    ASSERT_FALSE(err);
    EXPECT_NE(err.error().message.find("overlaps a"), std::string::npos) << err.error().message;
}

TEST(Bus, UnclaimedReadsAreAllOnesAndWritesIgnored) {
    Bus bus("io");
    auto dev = std::make_shared<RecordingDevice>();
    ASSERT_TRUE(bus.add(0x10, 4, dev, "d"));
    uint8_t b[4] = {};
    EXPECT_FALSE(bus.read(0x20, b));
    for (uint8_t x : b) EXPECT_EQ(x, 0xff);
    // An access straddling the end of a range is not given to the device.
    EXPECT_FALSE(bus.read(0x12, b));
    EXPECT_TRUE(dev->reads.empty());
    const uint8_t v[1] = {1};
    EXPECT_FALSE(bus.write(0x9, v));
    EXPECT_TRUE(dev->writes.empty());
}

}  // namespace
}  // namespace svm
