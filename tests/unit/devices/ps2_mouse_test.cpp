// The PS/2 mouse's command answers and packets (OSDev wiki "PS/2 Mouse").
#include "devices/legacy/ps2_mouse.h"

#include <gtest/gtest.h>

#include <vector>

namespace svm {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes send(Ps2Mouse& m, Bytes bytes) {
    for (uint8_t b : bytes) m.receive(b);
    Bytes out;
    while (auto b = m.next_output()) out.push_back(*b);
    return out;
}

TEST(Ps2Mouse, ResetAndIdentify) {
    Ps2Mouse m;
    EXPECT_EQ(send(m, {0xff}), (Bytes{0xfa, 0xaa, 0x00}));
    EXPECT_EQ(send(m, {0xf2}), (Bytes{0xfa, 0x00}));
}

TEST(Ps2Mouse, IntelliMouseKnockGivesId3) {
    Ps2Mouse m;
    EXPECT_EQ(send(m, {0xf3, 200, 0xf3, 100, 0xf3, 80}), Bytes(6, 0xfa));
    EXPECT_EQ(send(m, {0xf2}), (Bytes{0xfa, 0x03}));
    EXPECT_EQ(m.sample_rate(), 80);
    // A reset goes back to ID 0.
    EXPECT_EQ(send(m, {0xff, 0xf2}), (Bytes{0xfa, 0xaa, 0x00, 0xfa, 0x00}));
}

TEST(Ps2Mouse, WrongKnockKeepsId0) {
    Ps2Mouse m;
    send(m, {0xf3, 200, 0xf3, 80, 0xf3, 100});
    EXPECT_EQ(send(m, {0xf2}), (Bytes{0xfa, 0x00}));
}

TEST(Ps2Mouse, ResolutionStatusAndReporting) {
    Ps2Mouse m;
    EXPECT_EQ(send(m, {0xe8, 0x03}), (Bytes{0xfa, 0xfa}));
    EXPECT_EQ(send(m, {0xe8, 0x09}), (Bytes{0xfa, 0xfe}));
    EXPECT_EQ(send(m, {0xe9}), (Bytes{0xfa, 0x00, 0x03, 100}));
    EXPECT_EQ(send(m, {0xf4}), Bytes{0xfa});
    EXPECT_EQ(send(m, {0xe7, 0xe9}), (Bytes{0xfa, 0xfa, 0x30, 0x03, 100}));
    EXPECT_EQ(send(m, {0xf6}), Bytes{0xfa});
    EXPECT_FALSE(m.reporting());
    EXPECT_EQ(m.resolution(), 2);
    EXPECT_EQ(send(m, {0xf5, 0x12}), (Bytes{0xfa, 0xfe}));
}

TEST(Ps2Mouse, PacketsOnlyWhileReporting) {
    Ps2Mouse m;
    EXPECT_FALSE(m.move(5, -3, 0x01));
    send(m, {0xf4});
    EXPECT_TRUE(m.move(5, -3, 0x01));
    EXPECT_EQ(send(m, {}), (Bytes{0x29, 0x05, 0xfd}));
    send(m, {0xf3, 200, 0xf3, 100, 0xf3, 80});
    EXPECT_TRUE(m.move(0, 0, 0, -1));
    EXPECT_EQ(send(m, {}), (Bytes{0x08, 0x00, 0x00, 0xff}));
}

// Read Data (0xEB) queues a packet per command: the queue stays within kOutputCapacity however
// often the guest sends it without reading.
TEST(Ps2Mouse, ReadDataPacketsAreBounded) {
    Ps2Mouse m;
    for (int i = 0; i < 100000; ++i) m.receive(0xeb);
    Bytes out = send(m, {});
    EXPECT_LE(out.size(), Ps2Mouse::kOutputCapacity);
    ASSERT_GE(out.size(), 4u);
    EXPECT_EQ(out[0], 0xfa);
    EXPECT_EQ(out[1], 0x08);  // a packet with no buttons and no movement
    EXPECT_EQ(send(m, {0xf2}), (Bytes{0xfa, 0x00}));
}

}  // namespace
}  // namespace svm
