// PS/2 mouse commands: OSDev wiki "PS/2 Mouse" (command table, "Mouse ID"); IBM PS/2 Hardware
// Interface Technical Reference, "Pointing Device", commands and the status request format.
#include "devices/legacy/ps2_mouse.h"

#include <algorithm>

namespace svm {
namespace {

constexpr uint8_t kAck = 0xfa;
constexpr uint8_t kResend = 0xfe;

constexpr uint8_t kCmdScaling11 = 0xe6;
constexpr uint8_t kCmdScaling21 = 0xe7;
constexpr uint8_t kCmdSetResolution = 0xe8;
constexpr uint8_t kCmdStatus = 0xe9;
constexpr uint8_t kCmdStreamMode = 0xea;
constexpr uint8_t kCmdReadData = 0xeb;
constexpr uint8_t kCmdResetWrap = 0xec;
constexpr uint8_t kCmdWrapMode = 0xee;
constexpr uint8_t kCmdRemoteMode = 0xf0;
constexpr uint8_t kCmdIdentify = 0xf2;
constexpr uint8_t kCmdSetRate = 0xf3;
constexpr uint8_t kCmdEnable = 0xf4;
constexpr uint8_t kCmdDisable = 0xf5;
constexpr uint8_t kCmdSetDefaults = 0xf6;
constexpr uint8_t kCmdResend = 0xfe;
constexpr uint8_t kCmdReset = 0xff;

}  // namespace

void Ps2Mouse::receive(uint8_t byte) {
    if (wrap_ && byte != kCmdResetWrap && byte != kCmdReset) {
        answer(byte);  // wrap (echo) mode: every other byte comes back unchanged
        return;
    }
    if (pending_command_ != 0) {
        uint8_t command = pending_command_;
        pending_command_ = 0;
        if (command == kCmdSetRate) {
            rate_ = byte;
            last_rates_ = {last_rates_[1], last_rates_[2], byte};
            // The IntelliMouse knock: rates 200, 100, 80 in a row switch to ID 3 (wheel).
            if (last_rates_ == std::array<uint8_t, 3>{200, 100, 80}) id_ = 3;
            answer(kAck);
        } else {  // kCmdSetResolution
            if (byte > 3) {
                answer(kResend);
                return;
            }
            resolution_ = byte;
            answer(kAck);
        }
        return;
    }
    switch (byte) {
        case kCmdSetRate:
        case kCmdSetResolution:
            pending_command_ = byte;
            answer(kAck);
            return;
        case kCmdScaling11:
        case kCmdScaling21:
            scaling_2_1_ = byte == kCmdScaling21;
            answer(kAck);
            return;
        case kCmdStatus: {
            // Byte 1: bit 6 remote mode, 5 reporting enabled, 4 scaling 2:1, 2 left, 1 middle,
            // 0 right button; then the resolution and the sample rate.
            uint8_t status = static_cast<uint8_t>(
                (remote_ ? 0x40 : 0) | (reporting_ ? 0x20 : 0) | (scaling_2_1_ ? 0x10 : 0) |
                ((buttons_ & 1) << 2) | ((buttons_ & 4) >> 1) | ((buttons_ & 2) >> 1));
            answer(kAck);
            answer(status);
            answer(resolution_);
            answer(rate_);
            return;
        }
        case kCmdStreamMode:
        case kCmdRemoteMode:
            remote_ = byte == kCmdRemoteMode;
            answer(kAck);
            return;
        case kCmdReadData:
            answer(kAck);
            push_packet(0, 0, buttons_, 0);  // no movement accumulates: svm sends it at once
            return;
        case kCmdResetWrap:
        case kCmdWrapMode:
            wrap_ = byte == kCmdWrapMode;
            answer(kAck);
            return;
        case kCmdIdentify:
            answer(kAck);
            answer(id_);
            return;
        case kCmdEnable:
            reporting_ = true;
            answer(kAck);
            return;
        case kCmdDisable:
            reporting_ = false;
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
            // ACK, self-test passed (0xAA), device ID 0; back to power-on state.
            output_.clear();
            set_defaults();
            wrap_ = false;
            id_ = 0;
            last_rates_ = {};
            answer(kAck);
            answer(0xaa);
            answer(0x00);
            return;
        default:
            answer(kResend);
            return;
    }
}

std::optional<uint8_t> Ps2Mouse::next_output() {
    if (output_.empty()) return std::nullopt;
    uint8_t byte = output_.front();
    output_.pop_front();
    last_sent_ = byte;
    return byte;
}

bool Ps2Mouse::move(int dx, int dy, uint8_t buttons, int dz) {
    buttons_ = buttons & 0x07;
    if (!reporting_ || remote_) return false;
    return push_packet(dx, dy, buttons_, dz);
}

void Ps2Mouse::answer(uint8_t byte) {
    if (output_.size() < kOutputCapacity) output_.push_back(byte);
}

void Ps2Mouse::set_defaults() {
    rate_ = 100;
    resolution_ = 2;
    scaling_2_1_ = false;
    remote_ = false;
    reporting_ = false;
    pending_command_ = 0;
}

bool Ps2Mouse::push_packet(int dx, int dy, uint8_t buttons, int dz) {
    if (output_.size() + (id_ == 3 ? 4 : 3) > kOutputCapacity) return false;
    // Byte 0: bit 0 left, 1 right, 2 middle, 3 always 1, 4 X sign, 5 Y sign, 6 X overflow,
    // 7 Y overflow; bytes 1-2: the low 8 bits of the 9-bit two's-complement deltas; byte 3 (ID 3):
    // the wheel delta, -8..7.
    bool x_over = dx < -256 || dx > 255;
    bool y_over = dy < -256 || dy > 255;
    dx = std::clamp(dx, -256, 255);
    dy = std::clamp(dy, -256, 255);
    uint8_t head =
        static_cast<uint8_t>(0x08 | (buttons & 0x07) | (dx < 0 ? 0x10 : 0) | (dy < 0 ? 0x20 : 0) |
                             (x_over ? 0x40 : 0) | (y_over ? 0x80 : 0));
    output_.push_back(head);
    output_.push_back(static_cast<uint8_t>(dx & 0xff));
    output_.push_back(static_cast<uint8_t>(dy & 0xff));
    if (id_ == 3) output_.push_back(static_cast<uint8_t>(std::clamp(dz, -8, 7) & 0xff));
    return true;
}

}  // namespace svm
