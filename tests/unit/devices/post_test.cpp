// Port 0x80 POST codes: last value stored and read back, changes reported once.
#include <gtest/gtest.h>

#include <vector>

#include "devices/legacy/post_port.h"

namespace svm {
namespace {

TEST(PostPort, StoresLastCodeAndReportsChangesOnly) {
    std::vector<uint8_t> seen;
    PostPort port([&](uint8_t code) { seen.push_back(code); });
    uint8_t b = 0xff;
    port.read(0, std::span(&b, 1));
    EXPECT_EQ(b, 0x00);
    for (uint8_t code : {0x12, 0x12, 0x12, 0x34, 0x00, 0x00}) {
        port.write(0, std::span<const uint8_t>(&code, 1));
    }
    EXPECT_EQ(seen, (std::vector<uint8_t>{0x12, 0x34, 0x00}));
    uint8_t code = 0xab;
    port.write(0, std::span<const uint8_t>(&code, 1));
    port.read(0, std::span(&b, 1));
    EXPECT_EQ(b, 0xab);
    EXPECT_EQ(port.last_code(), 0xab);
}

}  // namespace
}  // namespace svm
