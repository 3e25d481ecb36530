// Standard input of a VM set (docs/multi-vm.md, "Standard input"): what is typed goes to one VM
// at a time, and an escape switches VMs while they run, as QEMU's multiplexed stdio does with
// Ctrl-A (QEMU manual, "Keys in the character backend multiplexer"):
//
//   Ctrl-A 1 .. Ctrl-A 9   from now on, input goes to VM 1 .. 9 (in set order)
//   Ctrl-A n               to the next VM (after the last, the first again)
//   Ctrl-A Ctrl-A          one Ctrl-A to the current VM
//   Ctrl-A h               a help line
//   Ctrl-A, anything else  both bytes to the current VM, as typed
//
// A pure state machine: feed() says what to do with the bytes; the set's loop does it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace svm {

class InputSwitch {
public:
    static constexpr uint8_t kEscape = 0x01;  // Ctrl-A

    // What feed() found, in order.
    struct Action {
        enum class Kind {
            Input,     // `bytes` for VM `vm`
            Switched,  // input goes to VM `vm` from now on
            Help,      // show the help line
        };
        Kind kind;
        size_t vm = 0;
        std::string bytes;
    };

    // `vms`: how many VMs (1 or more); `first`: the VM (0-based) input goes to at the start.
    InputSwitch(size_t vms, size_t first);

    // Takes typed bytes (any split: an escape may end one call and its key start the next) and
    // returns the actions. Switching to a VM beyond the set's size is ignored.
    std::vector<Action> feed(std::span<const uint8_t> bytes);

    size_t current() const { return current_; }

    // "Ctrl-A 1..N: input to that VM, Ctrl-A n: the next, Ctrl-A Ctrl-A: a Ctrl-A".
    std::string help() const;

private:
    size_t vms_;
    size_t current_;
    bool escaped_ = false;  // the last byte was an unhandled Ctrl-A
};

}  // namespace svm
