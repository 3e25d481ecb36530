// A PS/2 mouse (with the IntelliMouse wheel extension) on the i8042's second port: the commands
// an OS driver sends and their answers, and movement packets from a host source. OSDev wiki
// "PS/2 Mouse", "Mouse Input"; IBM PS/2 Hardware Interface Technical Reference, "Pointing Device";
// Microsoft's IntelliMouse protocol (the 200-100-80 sample-rate knock gives device ID 3).
// Not thread-safe: the I8042 that owns it serialises every call.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace svm {

class Ps2Mouse {
public:
    // Bytes of answers and movement packets waiting for the controller; movement beyond this is
    // dropped (a mouse's own buffer is one packet; a little more keeps a slow guest's motion).
    static constexpr size_t kOutputCapacity = 1024;

    // Power-on state: ID 0, 100 samples/s, 4 counts/mm, scaling 1:1, stream mode, reporting off.
    Ps2Mouse() = default;

    // Handles a byte the controller forwards (i8042 command 0xD4): a command or the data byte
    // of the previous one. Answers (0xFA ACK first) are queued for next_output(); unknown
    // commands and bytes in wrap mode are answered as the reference says (0xFE; echo).
    void receive(uint8_t byte);

    bool has_output() const { return !output_.empty(); }
    // Takes the next byte for the controller, or std::nullopt if none.
    std::optional<uint8_t> next_output();

    // Host side: reports a movement (dx right, dy up, in counts; clamped to -256..255) and the
    // buttons (bit 0 left, 1 right, 2 middle), and dz wheel clicks (ID 3 only). Queues a 3-byte
    // packet (4 with ID 3) if reporting is enabled in stream mode; returns whether it did.
    bool move(int dx, int dy, uint8_t buttons, int dz = 0);

    uint8_t device_id() const { return id_; }
    uint8_t sample_rate() const { return rate_; }
    uint8_t resolution() const { return resolution_; }
    bool reporting() const { return reporting_; }

private:
    void answer(uint8_t byte);
    void set_defaults();
    // Queues a movement packet; returns false (queues nothing) if it does not fit in
    // kOutputCapacity.
    bool push_packet(int dx, int dy, uint8_t buttons, int dz);

    std::deque<uint8_t> output_;
    uint8_t pending_command_ = 0;          // 0xF3 or 0xE8 while their data byte is awaited; else 0
    uint8_t last_sent_ = 0;                // what 0xFE (resend) repeats
    std::array<uint8_t, 3> last_rates_{};  // the last three sample rates set, oldest first

    uint8_t id_ = 0;
    uint8_t rate_ = 100;
    uint8_t resolution_ = 2;  // 0-3: 1, 2, 4, 8 counts/mm
    bool scaling_2_1_ = false;
    bool remote_ = false;
    bool wrap_ = false;
    bool reporting_ = false;
    uint8_t buttons_ = 0;
};

}  // namespace svm
