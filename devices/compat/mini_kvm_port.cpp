#include "devices/compat/mini_kvm_port.h"

#include <algorithm>

namespace svm {

void MiniKvmPort::read(uint64_t offset, std::span<uint8_t> data) {
    uint8_t value = 0;  // no GETCHAR pending: mini-kvm answers 0
    if (offset == 0) {
        std::lock_guard lock(mutex_);
        if (pending_) value = *pending_;
        pending_.reset();
    }
    std::fill(data.begin(), data.end(), value);
}

void MiniKvmPort::write(uint64_t offset, std::span<const uint8_t> data) {
    if (offset != 0 || data.empty()) return;
    const uint8_t function = data[0];
    switch (function) {
        case kExit:
            deps_.exit();
            return;
        case kPutChar:
            if (auto bl = deps_.read_bl()) {
                const uint8_t byte = *bl;
                deps_.console(std::span(&byte, 1));
            }
            return;
        case kGetChar: {
            std::optional<uint8_t> byte = deps_.take_input();
            {
                std::lock_guard lock(mutex_);
                pending_ = byte.value_or(kNoInput);
            }
            // The RAX-returning generation: the byte, or -1 when nothing is waiting.
            deps_.set_rax(byte ? uint64_t{*byte} : ~uint64_t{0});
            return;
        }
        default: {
            bool first = false;
            {
                std::lock_guard lock(mutex_);
                first = !unknown_reported_;
                unknown_reported_ = true;
            }
            if (first) deps_.unknown(function);
            return;
        }
    }
}

}  // namespace svm
