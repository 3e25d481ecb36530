// The i8042 controller register by register (OSDev wiki "8042 PS/2 Controller").
#include "devices/legacy/i8042.h"

#include <gtest/gtest.h>

#include <vector>

namespace svm {
namespace {

using Bytes = std::vector<uint8_t>;

struct Harness {
    bool irq1 = false;
    bool irq12 = false;
    int irq1_raises = 0;
    int resets = 0;
    uint8_t last_reset_command = 0;
    I8042 dev{{[this](bool l) {
                   if (l && !irq1) ++irq1_raises;
                   irq1 = l;
               },
               [this](bool l) { irq12 = l; },
               [this](uint8_t command) {
                   ++resets;
                   last_reset_command = command;
               }}};

    uint8_t status() {
        uint8_t v = 0;
        dev.read(I8042::kCommandOffset, std::span(&v, 1));
        return v;
    }
    uint8_t data() {
        uint8_t v = 0;
        dev.read(I8042::kDataOffset, std::span(&v, 1));
        return v;
    }
    void command(uint8_t c) { dev.write(I8042::kCommandOffset, std::span(&c, 1)); }
    void write_data(uint8_t d) { dev.write(I8042::kDataOffset, std::span(&d, 1)); }
    // Reads while the output buffer is full (the OSDev flush loop); bounded.
    Bytes drain() {
        Bytes out;
        for (int i = 0; i < 100 && (status() & 0x01); ++i) out.push_back(data());
        return out;
    }
    void type(std::vector<KeyEvent> events) { dev.press_keys(events); }
    void tap(Key k) { type({{k, true}, {k, false}}); }
};

TEST(I8042, StatusAfterResetAndCommandDataBit) {
    Harness h;
    EXPECT_EQ(h.status(), 0x14);  // system flag, unlocked, nothing to read
    h.command(0xad);
    EXPECT_EQ(h.status() & 0x08, 0x08);  // last write was a command
    h.command(0x60);
    h.write_data(0x05);
    EXPECT_EQ(h.status() & 0x08, 0x00);
    EXPECT_EQ(h.status() & 0x02, 0x00);  // input buffer never full
}

TEST(I8042, ConfigurationByteReadWrite) {
    Harness h;
    h.command(0x20);
    EXPECT_EQ(h.status() & 0x01, 0x01);
    EXPECT_EQ(h.data(), I8042::kDefaultConfig);
    EXPECT_EQ(h.status() & 0x01, 0x00);
    h.command(0x60);
    h.write_data(0x30);  // no interrupts, both clocks off, no translation, system flag clear
    EXPECT_EQ(h.dev.config(), 0x30);
    EXPECT_EQ(h.status() & 0x04, 0x00);
    h.command(0x20);
    EXPECT_EQ(h.data(), 0x30);
    // Controller RAM bytes 1-31.
    h.command(0x65);
    h.write_data(0x99);
    h.command(0x25);
    EXPECT_EQ(h.data(), 0x99);
}

TEST(I8042, SelfTestAndInterfaceTests) {
    Harness h;
    h.command(0xaa);
    EXPECT_EQ(h.data(), 0x55);
    h.command(0xab);
    EXPECT_EQ(h.data(), 0x00);
    h.command(0xa9);
    EXPECT_EQ(h.data(), 0x00);
    EXPECT_EQ(h.status() & 0x04, 0x04);
}

TEST(I8042, EnableDisablePortsInConfig) {
    Harness h;
    h.command(0xad);
    h.command(0xa7);
    EXPECT_EQ(h.dev.config() & 0x30, 0x30);
    h.command(0xae);
    EXPECT_EQ(h.dev.config() & 0x30, 0x20);
    h.command(0xa8);
    EXPECT_EQ(h.dev.config() & 0x30, 0x00);
}

TEST(I8042, DisabledPortHoldsKeysAndFlushTerminates) {
    Harness h;
    h.command(0xad);
    h.tap(Key::H);
    EXPECT_EQ(h.drain(), Bytes{});
    EXPECT_EQ(h.dev.held_key_events(), 2u);
    h.command(0xae);
    EXPECT_EQ(h.drain(), (Bytes{0x23, 0xa3}));
}

TEST(I8042, TranslationOnGivesSet1) {
    Harness h;
    h.tap(Key::H);
    EXPECT_EQ(h.drain(), (Bytes{0x23, 0xa3}));
    h.type({{Key::Up, true}, {Key::Up, false}});
    EXPECT_EQ(h.drain(), (Bytes{0xe0, 0x48, 0xe0, 0xc8}));
}

TEST(I8042, TranslationOffGivesSet2WithBreakPrefix) {
    Harness h;
    h.command(0x60);
    h.write_data(0x05);  // translation off
    h.tap(Key::H);
    EXPECT_EQ(h.drain(), (Bytes{0x33, 0xf0, 0x33}));
    h.type({{Key::Up, true}, {Key::Up, false}});
    EXPECT_EQ(h.drain(), (Bytes{0xe0, 0x75, 0xe0, 0xf0, 0x75}));
}

TEST(I8042, KeyboardAnswersAreTranslatedToo) {
    Harness h;
    h.write_data(0xf2);
    EXPECT_EQ(h.drain(), (Bytes{0xfa, 0xab, 0x41}));  // translated identify
    h.write_data(0xf0);
    h.write_data(0x00);
    EXPECT_EQ(h.drain(), (Bytes{0xfa, 0xfa, 0x41}));  // set 2, translated
    h.command(0x60);
    h.write_data(0x05);
    h.write_data(0xf2);
    EXPECT_EQ(h.drain(), (Bytes{0xfa, 0xab, 0x83}));
    h.write_data(0xff);
    EXPECT_EQ(h.drain(), (Bytes{0xfa, 0xaa}));
    h.write_data(0xee);
    EXPECT_EQ(h.drain(), Bytes{0xee});
}

TEST(I8042, Irq1RaisedPerByteAndLoweredOnRead) {
    Harness h;
    h.tap(Key::H);
    EXPECT_TRUE(h.irq1);
    EXPECT_EQ(h.irq1_raises, 1);
    EXPECT_EQ(h.data(), 0x23);
    // The break byte follows at once: the line went low on the read and high again (an edge).
    EXPECT_TRUE(h.irq1);
    EXPECT_EQ(h.irq1_raises, 2);
    EXPECT_EQ(h.data(), 0xa3);
    EXPECT_FALSE(h.irq1);
    EXPECT_FALSE(h.irq12);
}

TEST(I8042, NoIrqWhenDisabledInConfig) {
    Harness h;
    h.command(0x60);
    h.write_data(0x44);  // port 1 interrupt off
    h.tap(Key::A);
    EXPECT_EQ(h.status() & 0x01, 0x01);
    EXPECT_FALSE(h.irq1);
    EXPECT_EQ(h.irq1_raises, 0);
    // Enabling it while a byte waits raises the line.
    h.command(0x60);
    h.write_data(0x45);
    EXPECT_TRUE(h.irq1);
    EXPECT_EQ(h.data(), 0x1e);
}

TEST(I8042, CommandRetractsAnUnreadKeyByte) {
    Harness h;
    h.tap(Key::H);  // 0x23 now waits in the output buffer
    h.command(0xaa);
    EXPECT_EQ(h.data(), 0x55);
    h.write_data(0xff);  // keyboard reset: its answers come before the held key
    EXPECT_EQ(h.drain(), (Bytes{0xfa, 0xaa, 0x23, 0xa3}));
}

TEST(I8042, OsdevInitSequenceKeepsTypedInput) {
    Harness h;
    h.type({{Key::LeftShift, true}, {Key::H, true}, {Key::H, false}, {Key::LeftShift, false}});
    h.command(0xad);
    h.command(0xa7);
    EXPECT_EQ(h.drain(), Bytes{});  // the flush loop ends and eats nothing
    h.command(0x20);
    uint8_t config = h.data();
    h.command(0x60);
    h.write_data(config & static_cast<uint8_t>(~0x43));
    h.command(0xaa);
    EXPECT_EQ(h.data(), 0x55);
    h.command(0xa8);
    h.command(0x20);
    EXPECT_EQ(h.data() & 0x20, 0x00);  // dual channel
    h.command(0xa7);
    h.command(0xab);
    EXPECT_EQ(h.data(), 0x00);
    h.command(0xa9);
    EXPECT_EQ(h.data(), 0x00);
    h.command(0xae);
    h.command(0xa8);
    h.write_data(0xff);
    EXPECT_EQ(h.drain(), (Bytes{0xfa, 0xaa, 0x12, 0x33, 0xf0, 0x33, 0xf0, 0x12}));
}

TEST(I8042, OutputPortReadWriteAndA20) {
    Harness h;
    h.command(0xd0);
    EXPECT_EQ(h.data() & 0x03, 0x03);
    h.command(0xd1);
    h.write_data(0x01);  // A20 off, CPU running
    EXPECT_EQ(h.dev.output_port() & 0x02, 0x00);
    EXPECT_EQ(h.resets, 0);
    h.command(0xdf);
    EXPECT_EQ(h.dev.output_port() & 0x02, 0x02);
    h.command(0xd1);
    h.write_data(0x02);  // bit 0 clear: reset
    EXPECT_EQ(h.resets, 1);
    EXPECT_EQ(h.last_reset_command, 0xd1);
}

TEST(I8042, PulseOutputLineResets) {
    Harness h;
    h.command(0xff);  // pulses nothing
    EXPECT_EQ(h.resets, 0);
    h.command(0xfe);
    EXPECT_EQ(h.resets, 1);
    EXPECT_EQ(h.last_reset_command, 0xfe);
    h.command(0xf0);
    EXPECT_EQ(h.resets, 2);
    h.command(0xfd);  // bit 0 set: no reset
    EXPECT_EQ(h.resets, 2);
}

TEST(I8042, WriteOutputBuffers) {
    Harness h;
    h.command(0xd2);
    h.write_data(0x33);
    EXPECT_TRUE(h.irq1);
    EXPECT_EQ(h.status() & 0x21, 0x01);
    EXPECT_EQ(h.data(), 0x33);  // not translated
    h.command(0x60);
    h.write_data(0x47);  // both interrupts on
    h.command(0xd3);
    h.write_data(0x77);
    EXPECT_EQ(h.status() & 0x21, 0x21);
    EXPECT_TRUE(h.irq12);
    EXPECT_FALSE(h.irq1);
    EXPECT_EQ(h.data(), 0x77);
    EXPECT_FALSE(h.irq12);
}

TEST(I8042, MouseThroughD4WithIrq12) {
    Harness h;
    h.command(0x60);
    h.write_data(0x47);
    h.command(0xd4);
    h.write_data(0xff);
    EXPECT_TRUE(h.irq12);
    EXPECT_EQ(h.status() & 0x20, 0x20);
    EXPECT_EQ(h.drain(), (Bytes{0xfa, 0xaa, 0x00}));
    h.command(0xd4);
    h.write_data(0xf2);
    EXPECT_EQ(h.drain(), (Bytes{0xfa, 0x00}));
    h.command(0xd4);
    h.write_data(0xf4);
    EXPECT_EQ(h.drain(), Bytes{0xfa});
    EXPECT_TRUE(h.dev.move_mouse(1, 1, 0));
    EXPECT_EQ(h.drain(), (Bytes{0x08, 0x01, 0x01}));
    // Port 2 disabled: mouse bytes wait.
    h.command(0xa7);
    h.dev.move_mouse(2, 0, 0);
    EXPECT_EQ(h.drain(), Bytes{});
    h.command(0xa8);
    EXPECT_EQ(h.drain(), (Bytes{0x08, 0x02, 0x00}));
}

TEST(I8042, EmptyReadReturnsLastByte) {
    Harness h;
    h.command(0xaa);
    EXPECT_EQ(h.data(), 0x55);
    EXPECT_EQ(h.data(), 0x55);
    EXPECT_EQ(h.status() & 0x01, 0x00);
}

TEST(I8042, UnusedOffsetsReadAllOnes) {
    Harness h;
    uint8_t v = 0;
    h.dev.read(2, std::span(&v, 1));
    EXPECT_EQ(v, 0xff);
}

// A guest that sends commands and never reads the answers must not grow the controller's or the
// keyboard's answer queue without bound: each is capped, the first answers kept.
TEST(I8042, UnreadAnswersAreBounded) {
    Harness h;
    for (int i = 0; i < 100000; ++i) h.command(0x20);  // read configuration byte
    Bytes answers = h.drain();
    ASSERT_FALSE(answers.empty());
    EXPECT_EQ(answers[0], I8042::kDefaultConfig);
    EXPECT_LE(answers.size(), 32u);
    for (int i = 0; i < 100000; ++i) h.write_data(0xee);  // keyboard echo
    answers = h.drain();
    ASSERT_FALSE(answers.empty());
    EXPECT_EQ(answers[0], 0xee);
    EXPECT_LE(answers.size(), 32u);
    // Still answering afterwards.
    h.command(0xaa);
    EXPECT_EQ(h.drain(), Bytes{0x55});
}

}  // namespace
}  // namespace svm
