#include "core/display/display_hub.h"

namespace svm {

void DisplayHub::attach(std::shared_ptr<FrameSource> source, InputSink input) {
    std::lock_guard lock(mutex_);
    source_ = std::move(source);
    sink_ = std::move(input);
    fresh_ = true;
}

void DisplayHub::detach() {
    std::lock_guard lock(mutex_);
    source_.reset();
    sink_ = {};
}

void DisplayHub::refresh(Surface& surface, std::vector<Rect>& changed) {
    std::lock_guard lock(mutex_);
    if (!source_) return;
    if (fresh_) {
        // A rebuilt machine draws everything: its renderer has never seen this surface.
        surface.resize(0, 0);
        fresh_ = false;
    }
    source_->refresh(surface, changed);
}

InputSink DisplayHub::input() {
    InputSink sink;
    sink.key = [this](KeyEvent event) {
        std::lock_guard lock(mutex_);
        if (sink_.key) sink_.key(event);
    };
    sink.pointer = [this](int dx, int dy, uint8_t buttons, int dz) {
        std::lock_guard lock(mutex_);
        if (sink_.pointer) sink_.pointer(dx, dy, buttons, dz);
    };
    return sink;
}

}  // namespace svm
