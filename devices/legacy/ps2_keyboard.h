// A PS/2 (MF2) keyboard as seen from the i8042's first port: the commands an OS driver sends and
// their answers, and the scan codes of keys the host presses. OSDev wiki "PS/2 Keyboard"; IBM
// PS/2 Hardware Interface Technical Reference, "Keyboards (101- and 102-Key)", "Commands from the
// System". Not thread-safe: the I8042 that owns it serialises every call.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>

#include "devices/legacy/scancode.h"

namespace svm {

class Ps2Keyboard {
public:
    // Key events the host may queue before the guest reads them (a press and a release each;
    // typing one upper-case letter takes four). Events beyond it are dropped and counted. They
    // are held, not lost, while the guest has scanning or the port disabled and across a
    // keyboard reset (see hold_scan_bytes and docs/devices.md, "PS/2 controller (i8042)").
    static constexpr size_t kHeldEventCapacity = 4096;

    // One byte the keyboard sends to the controller.
    struct Output {
        uint8_t byte;
        bool scan;  // true: part of a key's scan code (host input); false: a command answer
    };

    // Power-on state: scan code set 2, scanning enabled, LEDs off, typematic 10.9 cps / 500 ms.
    Ps2Keyboard() = default;

    // Handles a byte the controller sends to the keyboard (a command, or the data byte of the
    // previous command). Answers are queued for next_output(): 0xFA (ACK) for every accepted
    // command and data byte, 0xFE (resend) for unknown commands and invalid data.
    void receive(uint8_t byte);

    // Returns whether next_output() has a byte: a command answer, or (while scanning is
    // enabled) a scan code byte of a held key event.
    bool has_output() const;
    // Takes the next byte for the controller: command answers first, then scan codes. Returns
    // std::nullopt when has_output() is false.
    std::optional<Output> next_output();
    // Puts scan code bytes the controller took but the guest did not read back in front of the
    // held input, in order (see I8042: a guest command retracts an unread key byte).
    void unread_scan(std::span<const uint8_t> bytes);

    // Host side: queues a key press or release. Returns false (and counts it) if the
    // kHeldEventCapacity-event queue is full.
    bool queue_key(KeyEvent event);

    int scan_code_set() const { return set_; }
    bool scanning() const { return scanning_; }
    uint8_t leds() const { return leds_; }
    uint8_t typematic() const { return typematic_; }
    size_t held_events() const { return events_.size(); }
    size_t dropped_events() const { return dropped_; }

private:
    void answer(uint8_t byte);
    void set_defaults();

    // Command answers, sent before any scan code. Bounded: a guest that sends commands without
    // reading the answers loses the answers beyond kAnswerCapacity (one command answers at most
    // three bytes).
    static constexpr size_t kAnswerCapacity = 16;
    std::deque<uint8_t> answers_;
    std::deque<uint8_t> scan_;     // bytes of the key event being sent
    std::deque<KeyEvent> events_;  // held key events, not yet turned into bytes
    size_t dropped_ = 0;

    uint8_t pending_command_ = 0;  // 0xED, 0xF0 or 0xF3 while their data byte is awaited; else 0
    uint8_t last_sent_ = 0xaa;     // what 0xFE (resend) repeats
    int set_ = 2;
    bool scanning_ = true;
    uint8_t leds_ = 0;
    uint8_t typematic_ = 0x2b;  // 10.9 characters/s after 500 ms (the power-on default)
};

}  // namespace svm
