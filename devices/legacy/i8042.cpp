// i8042 registers and commands: OSDev wiki "8042 PS/2 Controller" (status register,
// configuration byte, command table, output port); IBM PS/2 Hardware Interface Technical
// Reference, "Keyboard/Auxiliary Device Controller".
#include "devices/legacy/i8042.h"

#include <utility>

#include "devices/legacy/scancode.h"

namespace svm {
namespace {

// Status register (port 0x64 read).
constexpr uint8_t kStatusOutputFull = 0x01;
constexpr uint8_t kStatusSystem = 0x04;
constexpr uint8_t kStatusCommand = 0x08;    // last write went to 0x64
constexpr uint8_t kStatusUnlocked = 0x10;   // keyboard lock switch: never locked
constexpr uint8_t kStatusMouseFull = 0x20;  // the output buffer holds a port-2 byte

// Configuration byte (controller RAM byte 0).
constexpr uint8_t kConfigKeyboardIrq = 0x01;
constexpr uint8_t kConfigMouseIrq = 0x02;
constexpr uint8_t kConfigSystem = 0x04;
constexpr uint8_t kConfigKeyboardDisabled = 0x10;
constexpr uint8_t kConfigMouseDisabled = 0x20;
constexpr uint8_t kConfigTranslate = 0x40;

// Output port (commands 0xD0/0xD1).
constexpr uint8_t kOutputResetLine = 0x01;  // 0 = hold the CPU in reset
constexpr uint8_t kOutputA20 = 0x02;
constexpr uint8_t kOutputKeyboardFull = 0x10;
constexpr uint8_t kOutputMouseFull = 0x20;

constexpr uint8_t kBreakPrefix = 0xf0;

}  // namespace

I8042::I8042(Callbacks callbacks) : callbacks_(std::move(callbacks)) {
    ram_[0] = kDefaultConfig;
}

void I8042::read(uint64_t offset, std::span<uint8_t> data) {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t at = offset + i;
        if (at == kDataOffset) {
            data[i] = read_data_locked();
        } else if (at == kCommandOffset) {
            data[i] = status_locked();
        } else {
            data[i] = 0xff;
        }
    }
}

void I8042::write(uint64_t offset, std::span<const uint8_t> data) {
    uint8_t reset = 0;
    {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < data.size(); ++i) {
            uint64_t at = offset + i;
            if (at != kDataOffset && at != kCommandOffset) continue;
            if (at == kDataOffset) {
                write_data_locked(data[i]);
            } else {
                write_command_locked(data[i]);
            }
            if (pending_reset_) reset = std::exchange(pending_reset_, 0);
        }
    }
    if (reset && callbacks_.reset) callbacks_.reset(reset);
}

size_t I8042::press_keys(std::span<const KeyEvent> events) {
    std::lock_guard lock(mutex_);
    size_t accepted = 0;
    for (const KeyEvent& e : events)
        if (keyboard_.queue_key(e)) ++accepted;
    refill_locked();
    return accepted;
}

bool I8042::move_mouse(int dx, int dy, uint8_t buttons, int dz) {
    std::lock_guard lock(mutex_);
    bool queued = mouse_.move(dx, dy, buttons, dz);
    refill_locked();
    return queued;
}

uint8_t I8042::config() const {
    std::lock_guard lock(mutex_);
    return ram_[0];
}

uint8_t I8042::output_port() const {
    std::lock_guard lock(mutex_);
    return output_port_;
}

size_t I8042::held_key_events() const {
    std::lock_guard lock(mutex_);
    return keyboard_.held_events();
}

uint8_t I8042::read_data_locked() {
    // Reading an empty buffer returns the last byte again, as the 8042's output register does.
    if (!obf_) return out_;
    const uint8_t value = out_;
    obf_ = false;
    out_raw_.clear();
    out_is_scan_ = false;
    // Drop the line before loading the next byte so every byte is a new edge (the PIC's IRQ 1
    // is edge-triggered; on hardware the next byte arrives about a millisecond later).
    update_irqs_locked();
    refill_locked();
    // The register keeps showing `value` until a new byte arrives.
    if (!obf_) out_ = value;
    return value;
}

uint8_t I8042::status_locked() const {
    uint8_t status = kStatusUnlocked;
    if (obf_) status |= kStatusOutputFull;
    if (obf_ && out_source_ == Source::Mouse) status |= kStatusMouseFull;
    if (system_flag_) status |= kStatusSystem;
    if (last_write_command_) status |= kStatusCommand;
    // Bit 1 (input buffer full) is always 0: every write is handled before the access returns.
    return status;
}

void I8042::write_data_locked(uint8_t value) {
    last_write_command_ = false;
    uint8_t command = std::exchange(pending_command_, 0);
    if (command >= 0x60 && command <= 0x7f) {
        if (command == 0x60) {
            write_config_locked(value);
        } else {
            ram_[command & 0x1f] = value;
        }
        return;
    }
    switch (command) {
        case 0xd1:
            write_output_port_locked(value);
            return;
        case 0xd2:  // as if the keyboard sent it (not translated)
            answer_locked(value, Source::Keyboard);
            return;
        case 0xd3:  // as if the mouse sent it
            answer_locked(value, Source::Mouse);
            return;
        case 0xd4:
            mouse_.receive(value);
            refill_locked();
            return;
    }
    // No command waits for data: the byte goes to the keyboard. Sending to the keyboard enables
    // its interface (the clock line must run for the transfer), as QEMU's i8042 does too.
    retract_scan_locked();
    ram_[0] &= static_cast<uint8_t>(~kConfigKeyboardDisabled);
    keyboard_.receive(value);
    refill_locked();
}

void I8042::write_command_locked(uint8_t command) {
    last_write_command_ = true;
    pending_command_ = 0;
    // The answer to this command must be the next byte the guest reads, not a key that was
    // waiting in the buffer: the key goes back to the keyboard (see docs/devices.md).
    retract_scan_locked();
    if (command >= 0x20 && command <= 0x3f) {  // read controller RAM byte N (0 = config)
        answer_locked(ram_[command & 0x1f]);
        return;
    }
    if (command >= 0x60 && command <= 0x7f) {  // write controller RAM byte N: data follows
        pending_command_ = command;
        return;
    }
    if (command >= 0xf0) {
        // Pulse output lines: bit N clear pulses line N; line 0 is the CPU reset.
        if (!(command & 0x01)) pending_reset_ = command;
        return;
    }
    switch (command) {
        case 0xa7:  // disable port 2
            ram_[0] |= kConfigMouseDisabled;
            break;
        case 0xa8:  // enable port 2
            ram_[0] &= static_cast<uint8_t>(~kConfigMouseDisabled);
            break;
        case 0xa9:  // test port 2: 0x00 = passed
            answer_locked(0x00);
            break;
        case 0xaa:  // controller self-test: 0x55 = passed; sets the system flag
            system_flag_ = true;
            answer_locked(0x55);
            break;
        case 0xab:  // test port 1
            answer_locked(0x00);
            break;
        case 0xad:  // disable port 1
            ram_[0] |= kConfigKeyboardDisabled;
            break;
        case 0xae:  // enable port 1
            ram_[0] &= static_cast<uint8_t>(~kConfigKeyboardDisabled);
            break;
        case 0xc0:  // read input port: bit 7 = keyboard not inhibited
            answer_locked(0x80);
            break;
        case 0xd0: {  // read output port, with the buffer-full lines as they are now
            uint8_t port =
                output_port_ & static_cast<uint8_t>(~(kOutputKeyboardFull | kOutputMouseFull));
            if (obf_) port |= out_source_ == Source::Mouse ? kOutputMouseFull : kOutputKeyboardFull;
            answer_locked(port);
            break;
        }
        case 0xd1:  // write output port
        case 0xd2:  // write port 1 output buffer
        case 0xd3:  // write port 2 output buffer
        case 0xd4:  // write to port 2 input
            pending_command_ = command;
            break;
        case 0xdd:  // A20 off (HP Vectra extension, widely copied)
            output_port_ &= static_cast<uint8_t>(~kOutputA20);
            break;
        case 0xdf:  // A20 on
            output_port_ |= kOutputA20;
            break;
        default:  // unknown commands are ignored, as most 8042 firmware does
            break;
    }
    refill_locked();
}

void I8042::write_config_locked(uint8_t value) {
    ram_[0] = value & 0x77;  // bits 3 and 7 must be zero
    system_flag_ = (value & kConfigSystem) != 0;
    refill_locked();
}

void I8042::write_output_port_locked(uint8_t value) {
    // Bit 0 = 0 asserts the CPU reset line (write() reports it); the line is released at once,
    // since svm ends or restarts the run. Bit 1 is A20 (always on under KVM: stored only).
    output_port_ = value;
    if (!(value & kOutputResetLine)) {
        pending_reset_ = 0xd1;
        output_port_ |= kOutputResetLine;
    }
}

void I8042::answer_locked(uint8_t byte, Source source) {
    if (answers_.size() < kMaxAnswers) answers_.emplace_back(byte, source);
    refill_locked();
}

void I8042::retract_scan_locked() {
    if (!obf_ || out_source_ != Source::Keyboard || !out_is_scan_) return;
    keyboard_.unread_scan(out_raw_);
    obf_ = false;
    out_raw_.clear();
    out_is_scan_ = false;
    update_irqs_locked();
}

void I8042::refill_locked() {
    if (!obf_) {
        if (!answers_.empty()) {
            out_ = answers_.front().first;
            out_source_ = answers_.front().second;
            answers_.erase(answers_.begin());
            out_is_scan_ = false;
            obf_ = true;
        } else if (!(ram_[0] & kConfigKeyboardDisabled) && keyboard_.has_output()) {
            auto byte = keyboard_.next_output();
            out_raw_.assign(1, byte->byte);
            out_is_scan_ = byte->scan;
            out_ = byte->byte;
            if (ram_[0] & kConfigTranslate) {
                // Translation (configuration bit 6): 0xF0 is swallowed and sets bit 7 of the
                // translated byte after it, turning a set-2 break into a set-1 break.
                bool release = false;
                while (out_raw_.back() == kBreakPrefix && keyboard_.has_output()) {
                    auto next = keyboard_.next_output();
                    out_raw_.push_back(next->byte);
                    release = true;
                }
                uint8_t raw = out_raw_.back();
                out_ = raw == kBreakPrefix ? raw : translate_set2_to_set1(raw);
                if (release && raw != kBreakPrefix) out_ |= 0x80;
            }
            out_source_ = Source::Keyboard;
            obf_ = true;
        } else if (!(ram_[0] & kConfigMouseDisabled) && mouse_.has_output()) {
            out_ = *mouse_.next_output();
            out_source_ = Source::Mouse;
            out_is_scan_ = false;
            out_raw_.clear();
            obf_ = true;
        }
    }
    update_irqs_locked();
}

void I8042::update_irqs_locked() {
    bool keyboard = obf_ && out_source_ != Source::Mouse && (ram_[0] & kConfigKeyboardIrq);
    bool mouse = obf_ && out_source_ == Source::Mouse && (ram_[0] & kConfigMouseIrq);
    if (keyboard != keyboard_level_) {
        keyboard_level_ = keyboard;
        if (callbacks_.keyboard_irq) callbacks_.keyboard_irq(keyboard);
    }
    if (mouse != mouse_level_) {
        mouse_level_ = mouse;
        if (callbacks_.mouse_irq) callbacks_.mouse_irq(mouse);
    }
}

}  // namespace svm
