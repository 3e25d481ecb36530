// mini-kvm's hypercall port (github.com/seolcu/mini-kvm): the guest writes the function number to
// port 0x500 with `out %al, (%dx)` and passes its argument in BL; input comes back through a
// following `in (%dx), %al` on the same port. Functions (mini-kvm src/hypercall.h):
//   0 HC_EXIT     the guest is done; mini-kvm exits with status 0.
//   1 HC_PUTCHAR  write BL to the console.
//   2 HC_GETCHAR  take the next input byte, if any (mini-kvm's keyboard_buffer_pop, which does not
//                 block); the next `in` on the port returns it, or 0xFF when there was none. An
//                 `in` with no GETCHAR pending returns 0 (mini-kvm's handle_hypercall_in).
// Later mini-kvm versions also return the result in RAX (GETCHAR: the byte, or -1; that version
// blocks until a key arrives). svm sets RAX for GETCHAR too, so both generations of guests work,
// and leaves RAX alone for the other functions (the older ABI preserves it). Unknown functions are
// logged once and ignored. svm's own hypercall ABI (<svm/hypercall.h>) is off under --compat
// mini-kvm. A single pending GETCHAR is kept for the machine (mini-kvm runs one guest per vCPU).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

#include "devices/bus_device.h"

namespace svm {

class MiniKvmPort final : public BusDevice {
public:
    struct Deps {
        OutputSink console;
        // The next byte typed on svm's standard input (COM1's receive queue), if any.
        std::function<std::optional<uint8_t>()> take_input;
        // The guest called HC_EXIT.
        std::function<void()> exit;
        // BL of the vCPU doing the `out`, and a way to set its RAX (the call's result). Return
        // nothing / do nothing when the vCPU state cannot be read.
        std::function<std::optional<uint8_t>()> read_bl;
        std::function<void(uint64_t rax)> set_rax;
        // Told once about an unknown function number.
        std::function<void(uint8_t function)> unknown = [](uint8_t) {};
    };

    static constexpr uint8_t kExit = 0;
    static constexpr uint8_t kPutChar = 1;
    static constexpr uint8_t kGetChar = 2;
    static constexpr uint8_t kNoInput = 0xff;  // `in` after a GETCHAR that found nothing

    explicit MiniKvmPort(Deps deps) : deps_(std::move(deps)) {}

    // ^BusDevice
    // Offset 0 is the port. A write's first byte (AL) is the function; any access size works, as
    // mini-kvm looks only at the port. A read returns the pending GETCHAR result in every byte.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    Deps deps_;
    std::mutex mutex_;                // guards the fields below; leaf lock
    std::optional<uint8_t> pending_;  // GETCHAR issued: the byte for the next `in`
    bool unknown_reported_ = false;
};

}  // namespace svm
