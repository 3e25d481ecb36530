#include "devices/virtio/port_queue.h"

namespace svm::virtio {

PortQueue::Push PortQueue::push(const VirtioNetHdr& header, std::span<const uint8_t> frame) {
    {
        std::lock_guard lock(mutex_);
        if (!open_) return Push::Closed;
        if (frames_.size() >= max_frames_ || bytes_ + frame.size() > max_bytes_) return Push::Full;
        frames_.push_back({header, std::vector<uint8_t>(frame.begin(), frame.end())});
        bytes_ += frame.size();
    }
    ready_.notify_one();
    return Push::Queued;
}

std::optional<PortQueue::Frame> PortQueue::pop() {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [this] { return !open_ || !frames_.empty(); });
    if (!open_) {
        frames_.clear();
        bytes_ = 0;
        return std::nullopt;
    }
    Frame frame = std::move(frames_.front());
    frames_.pop_front();
    bytes_ -= frame.bytes.size();
    return frame;
}

void PortQueue::open() {
    std::lock_guard lock(mutex_);
    open_ = true;
}

void PortQueue::close() {
    {
        std::lock_guard lock(mutex_);
        open_ = false;
        frames_.clear();
        bytes_ = 0;
    }
    ready_.notify_all();
}

bool PortQueue::is_open() const {
    std::lock_guard lock(mutex_);
    return open_;
}

}  // namespace svm::virtio
