#include "devices/compat/string_window.h"

namespace svm {

void StringWindow::set(const std::string& text) {
    std::lock_guard lock(mutex_);
    text_ = text.substr(0, size_ ? size_ - 1 : 0);
}

void StringWindow::read(uint64_t offset, std::span<uint8_t> data) {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < data.size(); ++i) {
        const uint64_t at = offset + i;
        data[i] = at < text_.size() ? static_cast<uint8_t>(text_[at]) : 0;
    }
}

}  // namespace svm
