// The frames a switch has for one of its ports, waiting for the port's own thread to hand them
// to the receiver (a virtio-net card). Bounded in frames and bytes: a card whose guest does not
// take frames loses new ones (counted by the switch), and never holds up the sender.
//
// The queue is a gate too: it accepts frames only between open() and close(), so a stopped
// port gets nothing and a closed queue wakes its thread for good.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

#include "devices/virtio/net_backend.h"

namespace svm::virtio {

class PortQueue {
public:
    struct Frame {
        VirtioNetHdr header;
        std::vector<uint8_t> bytes;
    };
    enum class Push { Queued, Closed, Full };

    PortQueue(size_t max_frames, size_t max_bytes)
        : max_frames_(max_frames), max_bytes_(max_bytes) {}

    // Copies the frame in, unless the queue is closed or full. Safe from any thread.
    Push push(const VirtioNetHdr& header, std::span<const uint8_t> frame);
    // Sleeps until a frame is queued (returns it) or the queue is closed (returns nullopt, and
    // drops whatever was still queued).
    std::optional<Frame> pop();
    // Accepts frames from now on.
    void open();
    // Refuses frames from now on and wakes pop().
    void close();
    bool is_open() const;

private:
    const size_t max_frames_, max_bytes_;
    // A leaf lock: nothing else is taken, and nothing is called, while it is held.
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    bool open_ = false;
    std::deque<Frame> frames_;
    size_t bytes_ = 0;
};

}  // namespace svm::virtio
