// Standard input of a VM set (docs/multi-vm.md, "Standard input"): Ctrl-A escapes switch the VM
// that gets what is typed. No /dev/kvm.
#include "core/machine/input_switch.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace svm {
namespace {

using Kind = InputSwitch::Action::Kind;

std::span<const uint8_t> bytes_of(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// The actions as text: "0:abc" for input to VM 0, ">1" for a switch to VM 1, "?" for help.
std::string describe(const std::vector<InputSwitch::Action>& actions) {
    std::string out;
    for (const auto& a : actions) {
        if (!out.empty()) out += ' ';
        if (a.kind == Kind::Input) out += std::to_string(a.vm) + ":" + a.bytes;
        if (a.kind == Kind::Switched) out += ">" + std::to_string(a.vm);
        if (a.kind == Kind::Help) out += "?";
    }
    return out;
}

TEST(InputSwitch, PlainBytesGoToTheFirstVm) {
    InputSwitch s(2, 0);
    EXPECT_EQ(describe(s.feed(bytes_of("ls\r"))), "0:ls\r");
    InputSwitch second(3, 1);
    EXPECT_EQ(describe(second.feed(bytes_of("x"))), "1:x");
}

TEST(InputSwitch, CtrlADigitSwitchesAndTheRestOfTheCallGoesThere) {
    InputSwitch s(3, 0);
    EXPECT_EQ(describe(s.feed(bytes_of("ab\x01" "2cd\x01" "1e"))), "0:ab >1 1:cd >0 0:e");
    EXPECT_EQ(s.current(), 0u);
}

TEST(InputSwitch, AnEscapeSplitAcrossCallsStillSwitches) {
    InputSwitch s(2, 0);
    EXPECT_EQ(describe(s.feed(bytes_of("a\x01"))), "0:a");
    EXPECT_EQ(describe(s.feed(bytes_of("2b"))), ">1 1:b");
}

TEST(InputSwitch, NextWrapsAround) {
    InputSwitch s(2, 0);
    EXPECT_EQ(describe(s.feed(bytes_of("\x01n\x01n\x01n"))), ">1 >0 >1");
}

TEST(InputSwitch, DoubledEscapeIsOneCtrlAAndUnknownKeysPassThrough) {
    InputSwitch s(2, 0);
    EXPECT_EQ(describe(s.feed(bytes_of("\x01\x01"))), std::string("0:\x01"));
    EXPECT_EQ(describe(s.feed(bytes_of("\x01x"))), std::string("0:\x01x"));
}

TEST(InputSwitch, AVmBeyondTheSetIsIgnoredAndHelpIsOffered) {
    InputSwitch s(2, 1);
    EXPECT_EQ(describe(s.feed(bytes_of("\x01" "5z\x01h"))), "1:z ?");
    EXPECT_EQ(s.current(), 1u);
    EXPECT_EQ(s.help(),
              "Ctrl-A 1..2: type into that VM, Ctrl-A n: the next VM, Ctrl-A Ctrl-A: a Ctrl-A, "
              "Ctrl-A h: this help");
}

}  // namespace
}  // namespace svm
