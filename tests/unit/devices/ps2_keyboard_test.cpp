// The PS/2 keyboard's command answers and held input (OSDev wiki "PS/2 Keyboard", "Commands").
#include "devices/legacy/ps2_keyboard.h"

#include <gtest/gtest.h>

#include <vector>

namespace svm {
namespace {

using Bytes = std::vector<uint8_t>;

Bytes drain(Ps2Keyboard& k) {
    Bytes out;
    while (auto o = k.next_output()) out.push_back(o->byte);
    return out;
}

Bytes send(Ps2Keyboard& k, Bytes bytes) {
    for (uint8_t b : bytes) k.receive(b);
    return drain(k);
}

TEST(Ps2Keyboard, ResetAnswersAckAndSelfTestPassed) {
    Ps2Keyboard k;
    EXPECT_EQ(send(k, {0xff}), (Bytes{0xfa, 0xaa}));
}

TEST(Ps2Keyboard, EchoIdentifyAndUnknown) {
    Ps2Keyboard k;
    EXPECT_EQ(send(k, {0xee}), Bytes{0xee});
    EXPECT_EQ(send(k, {0xf2}), (Bytes{0xfa, 0xab, 0x83}));
    EXPECT_EQ(send(k, {0x42}), Bytes{0xfe});
}

TEST(Ps2Keyboard, ScanCodeSetGetAndSet) {
    Ps2Keyboard k;
    EXPECT_EQ(send(k, {0xf0, 0x00}), (Bytes{0xfa, 0xfa, 0x02}));
    EXPECT_EQ(send(k, {0xf0, 0x01}), (Bytes{0xfa, 0xfa}));
    EXPECT_EQ(k.scan_code_set(), 1);
    EXPECT_EQ(send(k, {0xf0, 0x00}), (Bytes{0xfa, 0xfa, 0x01}));
    EXPECT_EQ(send(k, {0xf0, 0x07}), (Bytes{0xfa, 0xfe}));
    EXPECT_EQ(k.scan_code_set(), 1);
}

TEST(Ps2Keyboard, LedsAndTypematicTakeADataByte) {
    Ps2Keyboard k;
    EXPECT_EQ(send(k, {0xed, 0x05}), (Bytes{0xfa, 0xfa}));
    EXPECT_EQ(k.leds(), 0x05);
    EXPECT_EQ(send(k, {0xf3, 0x20}), (Bytes{0xfa, 0xfa}));
    EXPECT_EQ(k.typematic(), 0x20);
    EXPECT_EQ(send(k, {0xf6}), Bytes{0xfa});
    EXPECT_EQ(k.leds(), 0);
    EXPECT_EQ(k.typematic(), 0x2b);
}

TEST(Ps2Keyboard, ResendRepeatsTheLastByte) {
    Ps2Keyboard k;
    EXPECT_EQ(send(k, {0xee}), Bytes{0xee});
    EXPECT_EQ(send(k, {0xfe}), Bytes{0xee});
}

TEST(Ps2Keyboard, DisableScanningHoldsKeysAndEnableReleasesThem) {
    Ps2Keyboard k;
    EXPECT_EQ(send(k, {0xf5}), Bytes{0xfa});
    EXPECT_FALSE(k.scanning());
    k.queue_key({Key::A, true});
    EXPECT_FALSE(k.has_output());
    EXPECT_EQ(send(k, {0xf4}), (Bytes{0xfa, 0x1c}));
}

TEST(Ps2Keyboard, ResetKeepsHeldInputAndAnswersFirst) {
    Ps2Keyboard k;
    k.queue_key({Key::Q, true});
    k.queue_key({Key::Q, false});
    EXPECT_EQ(send(k, {0xff}), (Bytes{0xfa, 0xaa, 0x15, 0xf0, 0x15}));
}

TEST(Ps2Keyboard, KeysUseTheSetSelectedWhenSent) {
    Ps2Keyboard k;
    k.queue_key({Key::Q, false});
    EXPECT_EQ(send(k, {0xf0, 0x01}), (Bytes{0xfa, 0xfa, 0x90}));
}

TEST(Ps2Keyboard, HeldQueueIsBounded) {
    Ps2Keyboard k;
    for (size_t i = 0; i < Ps2Keyboard::kHeldEventCapacity; ++i)
        EXPECT_TRUE(k.queue_key({Key::A, (i % 2) == 0}));
    EXPECT_FALSE(k.queue_key({Key::A, true}));
    EXPECT_EQ(k.dropped_events(), 1u);
    EXPECT_EQ(k.held_events(), Ps2Keyboard::kHeldEventCapacity);
}

TEST(Ps2Keyboard, UnreadScanBytesComeBackFirst) {
    Ps2Keyboard k;
    k.queue_key({Key::Up, true});
    auto first = k.next_output();
    ASSERT_TRUE(first && first->scan);
    EXPECT_EQ(first->byte, 0xe0);
    const uint8_t back[] = {0xe0};
    k.unread_scan(back);
    EXPECT_EQ(drain(k), (Bytes{0xe0, 0x75}));
}

// Command answers nobody reads are capped (a guest can send commands forever).
TEST(Ps2Keyboard, UnreadAnswersAreBounded) {
    Ps2Keyboard k;
    for (int i = 0; i < 100000; ++i) k.receive(0xee);
    Bytes out = drain(k);
    EXPECT_FALSE(out.empty());
    EXPECT_LE(out.size(), 16u);
    EXPECT_EQ(send(k, {0xff}), (Bytes{0xfa, 0xaa}));  // a reset still answers
}

}  // namespace
}  // namespace svm
