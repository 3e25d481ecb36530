// The PS/2 keyboard through --stdin keyboard, and the CMOS clock (label `kvm`): the guests'
// contract is in guest/pc/input/*.c and docs/guests.md.
#include <gtest/gtest.h>

#include <ctime>
#include <sstream>
#include <string>
#include <vector>

#include "svm_process.h"

namespace svm::test {
namespace {

// The "scancode 0x.." lines of the output, in order.
std::vector<std::string> scancodes(const std::string& out) {
    std::vector<std::string> codes;
    std::istringstream in(out);
    for (std::string line; std::getline(in, line);)
        if (line.rfind("scancode ", 0) == 0) codes.push_back(line.substr(9));
    return codes;
}

class PcInput : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

// stdin is at EOF before the guest initialises the controller (it resets the keyboard and
// self-tests the controller first): the typed keys are held and arrive after, in order.
TEST_F(PcInput, KeyboardEchoesScanCodesTypedOnStdin) {
    auto r = run_svm({"--stdin", "keyboard", "--timeout", "60", guest("kbd_echo.elf")}, "hiq");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_lines(r, {"check ps2 self-test: ok", "check ps2 port 1 test: ok",
                     "check keyboard reset ack: ok", "check keyboard self-test: ok", "SUCCESS"});
    EXPECT_EQ(scancodes(r.out), (std::vector<std::string>{"0x23", "0xa3", "0x17", "0x97", "0x10"}))
        << r.out;
}

TEST_F(PcInput, ShiftedLettersGetTheShiftKey) {
    auto r = run_svm({"--stdin", "keyboard", "--timeout", "60", guest("kbd_echo.elf")}, "Aq");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_EQ(scancodes(r.out), (std::vector<std::string>{"0x2a", "0x1e", "0x9e", "0xaa", "0x10"}))
        << r.out;
}

// The same keys through IRQ 1 and the I/O APIC: one edge per byte.
TEST_F(PcInput, KeyboardInterruptsThroughTheIoApic) {
    auto r = run_svm({"--stdin", "keyboard", "--timeout", "60", guest("kbd_irq.elf")}, "hiq");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_lines(r, {"check machine i8042: ok", "irq scancode 0x23", "irq scancode 0xa3",
                     "irq scancode 0x17", "irq scancode 0x97", "irq scancode 0x10",
                     "check keyboard interrupts: ok", "SUCCESS"});
}

TEST_F(PcInput, RtcMatchesTheHostClockInUtc) {
    std::string now = std::to_string(static_cast<long long>(time(nullptr)));
    auto r = run_svm({"--cmdline", "now=" + now, guest("rtc_time.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_lines(r, {"check rtc settles: ok", "check rtc binary 12-hour agrees: ok",
                     "check rtc matches host: ok", "check rtc status d valid: ok", "SUCCESS"});
}

TEST_F(PcInput, RtcLocaltimeAddsTheHostOffset) {
    time_t t = time(nullptr);
    struct tm local {};
    localtime_r(&t, &local);
    std::string now = std::to_string(static_cast<long long>(t + local.tm_gmtoff));
    auto r = run_svm({"--rtc", "localtime", "--cmdline", "now=" + now, guest("rtc_time.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_lines(r, {"check rtc matches host: ok", "SUCCESS"});
}

}  // namespace
}  // namespace svm::test
