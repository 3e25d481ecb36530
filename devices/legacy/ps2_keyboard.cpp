// PS/2 keyboard commands: OSDev wiki "PS/2 Keyboard", "Commands"; IBM PS/2 Hardware Interface
// Technical Reference, keyboard "Commands from the System".
#include "devices/legacy/ps2_keyboard.h"

namespace svm {
namespace {

constexpr uint8_t kAck = 0xfa;
constexpr uint8_t kResend = 0xfe;
constexpr uint8_t kSelfTestPassed = 0xaa;
constexpr uint8_t kEcho = 0xee;

constexpr uint8_t kCmdSetLeds = 0xed;
constexpr uint8_t kCmdEcho = 0xee;
constexpr uint8_t kCmdScanCodeSet = 0xf0;
constexpr uint8_t kCmdIdentify = 0xf2;
constexpr uint8_t kCmdTypematic = 0xf3;
constexpr uint8_t kCmdEnable = 0xf4;
constexpr uint8_t kCmdDisable = 0xf5;
constexpr uint8_t kCmdSetDefaults = 0xf6;
constexpr uint8_t kCmdResend = 0xfe;
constexpr uint8_t kCmdReset = 0xff;

}  // namespace

void Ps2Keyboard::receive(uint8_t byte) {
    if (pending_command_ != 0) {
        uint8_t command = pending_command_;
        pending_command_ = 0;
        switch (command) {
            case kCmdSetLeds:
                leds_ = byte & 0x07;  // bit 0 Scroll Lock, 1 Num Lock, 2 Caps Lock
                answer(kAck);
                return;
            case kCmdTypematic:
                typematic_ = byte & 0x7f;  // bits 4:0 rate, 6:5 delay, bit 7 must be 0
                answer(kAck);
                return;
            case kCmdScanCodeSet:
                if (byte == 0) {
                    // "Get": ACK, then the set number (the controller translates it when
                    // translation is on, so guests read 0x43/0x41/0x3F there, as on hardware).
                    answer(kAck);
                    answer(static_cast<uint8_t>(set_));
                } else if (byte <= 3) {
                    set_ = byte;
                    answer(kAck);
                } else {
                    answer(kResend);
                }
                return;
        }
    }
    switch (byte) {
        case kCmdSetLeds:
        case kCmdTypematic:
        case kCmdScanCodeSet:
            pending_command_ = byte;
            answer(kAck);
            return;
        case kCmdEcho:
            answer(kEcho);
            return;
        case kCmdIdentify:
            // An MF2 keyboard: 0xAB 0x83 (the controller turns 0x83 into 0x41 when translating).
            answer(kAck);
            answer(0xab);
            answer(0x83);
            return;
        case kCmdEnable:
            // The hardware also clears its output buffer here; svm keeps held host input (it is
            // what the user typed, and the guest has not seen it yet).
            scanning_ = true;
            answer(kAck);
            return;
        case kCmdDisable:
            // "Default disable": power-on parameters, scanning stopped. Keys are held meanwhile.
            set_defaults();
            scanning_ = false;
            answer(kAck);
            return;
        case kCmdSetDefaults:
            set_defaults();
            answer(kAck);
            return;
        case kCmdResend:
            answer(last_sent_);
            return;
        case kCmdReset:
            // ACK, then the result of the basic assurance test. Pending answers are dropped;
            // held host input is kept, so a guest that resets the keyboard during its start-up
            // still sees what the user typed before (docs/devices.md).
            answers_.clear();
            set_defaults();
            scanning_ = true;
            answer(kAck);
            answer(kSelfTestPassed);
            return;
        default:
            answer(kResend);
            return;
    }
}

bool Ps2Keyboard::has_output() const {
    return !answers_.empty() || (scanning_ && (!scan_.empty() || !events_.empty()));
}

std::optional<Ps2Keyboard::Output> Ps2Keyboard::next_output() {
    if (!answers_.empty()) {
        uint8_t byte = answers_.front();
        answers_.pop_front();
        last_sent_ = byte;
        return Output{byte, false};
    }
    if (!scanning_) return std::nullopt;
    if (scan_.empty() && !events_.empty()) {
        // A key's bytes are produced in the scan code set selected when it is sent, so held
        // input follows what the guest chose after it was typed.
        for (uint8_t b : scancode_bytes(events_.front(), set_)) scan_.push_back(b);
        events_.pop_front();
    }
    if (scan_.empty()) return std::nullopt;
    uint8_t byte = scan_.front();
    scan_.pop_front();
    last_sent_ = byte;
    return Output{byte, true};
}

void Ps2Keyboard::unread_scan(std::span<const uint8_t> bytes) {
    for (size_t i = bytes.size(); i-- > 0;) scan_.push_front(bytes[i]);
}

bool Ps2Keyboard::queue_key(KeyEvent event) {
    if (events_.size() >= kHeldEventCapacity) {
        ++dropped_;
        return false;
    }
    events_.push_back(event);
    return true;
}

void Ps2Keyboard::answer(uint8_t byte) {
    if (answers_.size() < kAnswerCapacity) answers_.push_back(byte);
}

void Ps2Keyboard::set_defaults() {
    set_ = 2;
    leds_ = 0;
    typematic_ = 0x2b;
    pending_command_ = 0;
}

}  // namespace svm
