// Port 0x80 POST code latch.
#include "devices/legacy/post_port.h"

#include <algorithm>
#include <utility>

namespace svm {

PostPort::PostPort(std::function<void(uint8_t code)> on_change)
    : on_change_(std::move(on_change)) {}

void PostPort::read(uint64_t /*offset*/, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), last_code());
}

void PostPort::write(uint64_t /*offset*/, std::span<const uint8_t> data) {
    if (data.empty()) return;
    bool changed = false;
    {
        std::lock_guard lock(mutex_);
        changed = code_ != data[0];
        code_ = data[0];
    }
    if (changed && on_change_) on_change_(data[0]);
}

uint8_t PostPort::last_code() const {
    std::lock_guard lock(mutex_);
    return code_;
}

}  // namespace svm
