#include "core/machine/input_switch.h"

#include <fmt/format.h>

namespace svm {

InputSwitch::InputSwitch(size_t vms, size_t first)
    : vms_(vms == 0 ? 1 : vms), current_(first < vms_ ? first : 0) {}

std::vector<InputSwitch::Action> InputSwitch::feed(std::span<const uint8_t> bytes) {
    std::vector<Action> actions;
    auto input = [&](uint8_t byte) {
        if (actions.empty() || actions.back().kind != Action::Kind::Input ||
            actions.back().vm != current_)
            actions.push_back({Action::Kind::Input, current_, ""});
        actions.back().bytes += static_cast<char>(byte);
    };
    for (uint8_t byte : bytes) {
        if (!escaped_) {
            if (byte == kEscape)
                escaped_ = true;
            else
                input(byte);
            continue;
        }
        escaped_ = false;
        if (byte >= '1' && byte <= '9') {
            const size_t vm = static_cast<size_t>(byte - '1');
            if (vm < vms_) {
                current_ = vm;
                actions.push_back({Action::Kind::Switched, vm, ""});
            }
        } else if (byte == 'n') {
            current_ = (current_ + 1) % vms_;
            actions.push_back({Action::Kind::Switched, current_, ""});
        } else if (byte == 'h') {
            actions.push_back({Action::Kind::Help, current_, ""});
        } else if (byte == kEscape) {
            input(kEscape);
        } else {
            input(kEscape);
            input(byte);
        }
    }
    return actions;
}

std::string InputSwitch::help() const {
    return fmt::format(
        "Ctrl-A 1..{}: type into that VM, Ctrl-A n: the next VM, Ctrl-A Ctrl-A: a Ctrl-A, "
        "Ctrl-A h: this help",
        vms_ < 9 ? vms_ : 9);
}

}  // namespace svm
