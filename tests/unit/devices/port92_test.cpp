// System Control Port A (port 0x92): fast A20 and fast reset.
#include "devices/legacy/port92.h"

#include <gtest/gtest.h>

namespace svm {
namespace {

struct Port92Harness {
    int resets = 0;
    Port92 port{[this] { ++resets; }};
    uint8_t in() {
        uint8_t b = 0;
        port.read(0, std::span(&b, 1));
        return b;
    }
    void out(uint8_t v) { port.write(0, std::span<const uint8_t>(&v, 1)); }
};

TEST(Port92, A20ReadsOneFromPowerOnAndReadsBack) {
    Port92Harness h;
    EXPECT_EQ(h.in(), Port92::kA20);
    h.out(0x00);
    EXPECT_EQ(h.in(), 0x00);
    h.out(0x02);
    EXPECT_EQ(h.in(), 0x02);
    EXPECT_EQ(h.resets, 0);
}

TEST(Port92, Bit0RequestsAResetAndReadsZero) {
    Port92Harness h;
    h.out(0x03);
    EXPECT_EQ(h.resets, 1);
    EXPECT_EQ(h.in(), 0x02);
    h.out(0x01);
    EXPECT_EQ(h.resets, 2);
}

}  // namespace
}  // namespace svm
