// The Intel 8042 PS/2 controller of a PC (ports 0x60 data, 0x64 status/command) with a PS/2
// keyboard on the first port and a PS/2 mouse on the second. OSDev wiki "8042 PS/2 Controller";
// IBM PS/2 Hardware Interface Technical Reference, "Keyboard/Auxiliary Device Controller".
//
// Not modelled: the timeout and parity error bits (the devices always answer), the controller's
// diagnostic dump (0xAC), the keyboard lock switch (always unlocked), password commands, and the
// A20 line's effect (KVM guests always have A20 enabled; the output-port bit is stored only).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <mutex>
#include <span>
#include <vector>

#include "devices/bus_device.h"
#include "devices/legacy/ps2_keyboard.h"
#include "devices/legacy/ps2_mouse.h"

namespace svm {

class I8042 final : public BusDevice {
public:
    // Register offsets: the device decodes offset 0 (port 0x60) and offset 4 (port 0x64), so it
    // can be registered over 0x60-0x64 or, through an offset adapter, at the two ports alone.
    static constexpr uint64_t kDataOffset = 0;
    static constexpr uint64_t kCommandOffset = 4;

    // The configuration byte as a BIOS leaves it: port 1 interrupt enabled, system flag set
    // (POST passed), translation to set 1 on, port 2 interrupt off, both clocks enabled.
    static constexpr uint8_t kDefaultConfig = 0x45;

    struct Callbacks {
        IrqLine keyboard_irq;  // IRQ 1: output buffer holds a port-1 (or controller) byte
        IrqLine mouse_irq;     // IRQ 12: output buffer holds a port-2 byte
        // The guest pulsed the CPU reset line: called with the controller command that did it
        // (0xF0-0xFF with bit 0 clear, or 0xD1 for an output-port write with bit 0 clear).
        std::function<void(uint8_t command)> reset;
    };

    // Any callback may be empty. The IRQ lines are called with the controller's lock held, so
    // they must not call back into it (KVM's irq line and the test harness do not); they are
    // called only when the level changes.
    explicit I8042(Callbacks callbacks);

    // ^BusDevice
    // Offset 0 reads the output buffer (clearing OBF and the IRQ; the last byte again if empty);
    // offset 4 reads the status register. Other offsets read 0xFF. Multi-byte accesses are
    // handled byte by byte at increasing offsets.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    // Offset 0 writes data (to the pending controller command, else to the keyboard); offset 4
    // writes a controller command. Other offsets are ignored.
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    // Host side: queues key events for the keyboard. Thread-safe. Returns how many were accepted
    // (Ps2Keyboard::kHeldEventCapacity bounds the queue).
    size_t press_keys(std::span<const KeyEvent> events);
    // Host side: a mouse movement (see Ps2Mouse::move). Thread-safe. Returns whether a packet
    // was queued.
    bool move_mouse(int dx, int dy, uint8_t buttons, int dz = 0);

    // For tests and the debugger: the configuration byte, the output port, the keyboard's held
    // events.
    uint8_t config() const;
    uint8_t output_port() const;
    size_t held_key_events() const;

private:
    enum class Source { Controller, Keyboard, Mouse };

    uint8_t read_data_locked();
    uint8_t status_locked() const;
    void write_data_locked(uint8_t value);
    void write_command_locked(uint8_t command);
    void write_config_locked(uint8_t value);
    void write_output_port_locked(uint8_t value);
    void answer_locked(uint8_t byte, Source source = Source::Controller);
    // Gives an unread key byte in the output buffer back to the keyboard, so the answer to the
    // command the guest is sending is what it reads next.
    void retract_scan_locked();
    // Fills the output buffer if it is empty and a source has a byte, then drives the IRQs.
    void refill_locked();
    void update_irqs_locked();

    const Callbacks callbacks_;

    // Lock order: mutex_ is a leaf, held while calling the IRQ lines (which must not re-enter).
    // reset is called without it.
    mutable std::mutex mutex_;
    Ps2Keyboard keyboard_;
    Ps2Mouse mouse_;

    // Controller answers, sent first. A guest that sends commands without reading the answers
    // must not grow it without end: beyond kMaxAnswers, answers are dropped (the real 8042 has a
    // one-byte output buffer; the longest legitimate backlog is a few bytes).
    static constexpr size_t kMaxAnswers = 16;
    std::vector<std::pair<uint8_t, Source>> answers_;
    bool obf_ = false;
    uint8_t out_ = 0;
    Source out_source_ = Source::Controller;
    // The raw keyboard bytes behind `out_` when it holds a key byte (with translation, the 0xF0
    // prefix swallowed into it), for retract_scan_locked.
    std::vector<uint8_t> out_raw_;
    bool out_is_scan_ = false;

    std::array<uint8_t, 32> ram_{};    // controller RAM; byte 0 is the configuration byte
    uint8_t pending_command_ = 0;      // a command waiting for its data byte on port 0x60, or 0
    bool last_write_command_ = false;  // status bit 3
    bool system_flag_ = true;          // status bit 2
    uint8_t output_port_ = 0x03;       // bit 0 reset line (1 = running), bit 1 A20
    uint8_t pending_reset_ = 0;  // the command that asked for a reset (write() reports it), or 0
    bool keyboard_level_ = false;
    bool mouse_level_ = false;
};

}  // namespace svm
