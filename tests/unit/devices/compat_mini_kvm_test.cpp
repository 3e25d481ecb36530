#include <gtest/gtest.h>

#include <deque>
#include <string>

#include "devices/compat/mini_kvm_port.h"

namespace svm {
namespace {

// A MiniKvmPort with a fake vCPU (BL, RAX), console and input queue.
class MiniKvm : public ::testing::Test {
protected:
    MiniKvm() {
        MiniKvmPort::Deps deps;
        deps.console = [this](std::span<const uint8_t> b) { console.append(b.begin(), b.end()); };
        deps.take_input = [this]() -> std::optional<uint8_t> {
            if (input.empty()) return std::nullopt;
            uint8_t b = input.front();
            input.pop_front();
            return b;
        };
        deps.exit = [this] { ++exits; };
        deps.read_bl = [this] { return bl; };
        deps.set_rax = [this](uint64_t v) { rax = v; };
        deps.unknown = [this](uint8_t f) { unknown.push_back(f); };
        port = std::make_unique<MiniKvmPort>(std::move(deps));
    }
    // `out %al, (%dx)` with DX = 0x500.
    void out(uint8_t al) { port->write(0, std::span(&al, 1)); }
    // `in (%dx), %al`.
    uint8_t in() {
        uint8_t v = 0x5a;
        port->read(0, std::span(&v, 1));
        return v;
    }

    std::unique_ptr<MiniKvmPort> port;
    std::string console;
    std::deque<uint8_t> input;
    int exits = 0;
    std::optional<uint8_t> bl;
    std::optional<uint64_t> rax;
    std::vector<uint8_t> unknown;
};

TEST_F(MiniKvm, PutCharPrintsBlAndLeavesRaxAlone) {
    bl = 'H';
    out(MiniKvmPort::kPutChar);
    bl = 'i';
    out(MiniKvmPort::kPutChar);
    EXPECT_EQ(console, "Hi");
    EXPECT_FALSE(rax);  // the older ABI preserves RAX
    EXPECT_EQ(exits, 0);
}

TEST_F(MiniKvm, PutCharWithoutReadableRegistersPrintsNothing) {
    bl.reset();
    out(MiniKvmPort::kPutChar);
    EXPECT_EQ(console, "");
}

TEST_F(MiniKvm, ExitEndsTheRun) {
    out(MiniKvmPort::kExit);
    EXPECT_EQ(exits, 1);
}

TEST_F(MiniKvm, GetCharThenInReturnsTheByteAndSetsRax) {
    input = {'x', 'y'};
    out(MiniKvmPort::kGetChar);
    EXPECT_EQ(rax, uint64_t{'x'});
    EXPECT_EQ(in(), 'x');
    out(MiniKvmPort::kGetChar);
    EXPECT_EQ(in(), 'y');
    EXPECT_TRUE(input.empty());
}

TEST_F(MiniKvm, GetCharWithNoInputGivesFfAndMinusOne) {
    out(MiniKvmPort::kGetChar);
    EXPECT_EQ(rax, ~uint64_t{0});
    EXPECT_EQ(in(), 0xff);
}

TEST_F(MiniKvm, InWithoutGetCharReturnsZeroAndConsumesThePendingByte) {
    EXPECT_EQ(in(), 0);
    input = {'q'};
    out(MiniKvmPort::kGetChar);
    EXPECT_EQ(in(), 'q');
    EXPECT_EQ(in(), 0);  // one GETCHAR, one answer
}

TEST_F(MiniKvm, WideAccessesUseAlAndFillEveryByte) {
    input = {'z'};
    const uint8_t eax[4] = {MiniKvmPort::kGetChar, 0x12, 0x34, 0x56};
    port->write(0, eax);
    uint8_t v[2] = {};
    port->read(0, v);
    EXPECT_EQ(v[0], 'z');
    EXPECT_EQ(v[1], 'z');
}

TEST_F(MiniKvm, UnknownFunctionIsReportedOnceAndIgnored) {
    out(7);
    out(9);
    EXPECT_EQ(unknown, std::vector<uint8_t>{7});
    EXPECT_EQ(console, "");
    EXPECT_EQ(exits, 0);
    EXPECT_FALSE(rax);
}

TEST_F(MiniKvm, OtherOffsetsAreIgnored) {
    bl = 'A';
    const uint8_t one = MiniKvmPort::kPutChar;
    port->write(1, std::span(&one, 1));
    EXPECT_EQ(console, "");
    uint8_t v = 0x77;
    port->read(2, std::span(&v, 1));
    EXPECT_EQ(v, 0);
}

}  // namespace
}  // namespace svm
