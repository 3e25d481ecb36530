// System Control Port A.
#include "devices/legacy/port92.h"

#include <algorithm>
#include <utility>

namespace svm {

Port92::Port92(std::function<void()> on_reset) : on_reset_(std::move(on_reset)) {}

void Port92::read(uint64_t /*offset*/, std::span<uint8_t> data) {
    std::lock_guard lock(mutex_);
    std::fill(data.begin(), data.end(), value_);
}

void Port92::write(uint64_t /*offset*/, std::span<const uint8_t> data) {
    if (data.empty()) return;
    {
        std::lock_guard lock(mutex_);
        value_ = static_cast<uint8_t>(data[0] & ~kFastReset);
    }
    if ((data[0] & kFastReset) && on_reset_) on_reset_();
}

}  // namespace svm
