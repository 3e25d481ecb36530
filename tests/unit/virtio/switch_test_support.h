// Helpers for the switch tests: a card's side of a port that records what it receives, a fake
// uplink back-end, and frames tagged so a test can tell them apart.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <span>
#include <thread>
#include <vector>

#include "devices/virtio/net_backend.h"
#include "tests/unit/virtio/net_frames.h"

namespace svm::virtio::test {

constexpr auto kWait = std::chrono::seconds(5);
constexpr uint16_t kEtherTypeTest = 0x88b5;  // IEEE 802 local experimental EtherType 1

// Polls `done` for up to kWait (for counters a port's thread updates after its receiver).
template <typename F>
bool eventually(F done) {
    const auto deadline = std::chrono::steady_clock::now() + kWait;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    return true;
}

// A frame from `src` to `dst` whose first payload byte is `tag`.
inline std::vector<uint8_t> tagged(const Mac& dst, const Mac& src, uint8_t tag) {
    const uint8_t payload[] = {tag};
    return ethernet(dst, src, kEtherTypeTest, payload);
}
inline uint8_t tag_of(std::span<const uint8_t> frame) {
    return frame.size() > 14 ? frame[14] : 0;
}

// Collects the frames a port delivers, in order; thread-safe.
class Recorder {
public:
    NetBackend::Receiver receiver() {
        return [this](const VirtioNetHdr&, std::span<const uint8_t> frame) {
            std::lock_guard lock(mutex_);
            tags_.push_back(tag_of(frame));
            frames_.emplace_back(frame.begin(), frame.end());
            changed_.notify_all();
        };
    }
    // Waits until a frame tagged `tag` arrived; false after kWait.
    bool wait_for_tag(uint8_t tag) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(
            lock, kWait, [&] { return std::find(tags_.begin(), tags_.end(), tag) != tags_.end(); });
    }
    bool wait_for_count(size_t count) {
        std::unique_lock lock(mutex_);
        return changed_.wait_for(lock, kWait, [&] { return frames_.size() >= count; });
    }
    std::vector<uint8_t> tags() const {
        std::lock_guard lock(mutex_);
        return tags_;
    }
    std::vector<std::vector<uint8_t>> frames() const {
        std::lock_guard lock(mutex_);
        return frames_;
    }

private:
    mutable std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<uint8_t> tags_;
    std::vector<std::vector<uint8_t>> frames_;
};

// An uplink that records what the switch sends it and lets the test play the host.
struct FakeUplinkState {
    std::mutex mutex;
    std::vector<std::vector<uint8_t>> sent;
    NetBackend::Receiver receiver;
    bool started = false;
    bool stopped = false;
};

class FakeUplink final : public NetBackend {
public:
    explicit FakeUplink(FakeUplinkState& state) : state_(state) {}
    Result<void> send(const VirtioNetHdr&, std::span<const uint8_t> frame) override {
        std::lock_guard lock(state_.mutex);
        state_.sent.emplace_back(frame.begin(), frame.end());
        return {};
    }
    Result<void> start(Receiver receiver) override {
        std::lock_guard lock(state_.mutex);
        state_.receiver = std::move(receiver);
        state_.started = true;
        return {};
    }
    void stop() override {
        std::lock_guard lock(state_.mutex);
        state_.stopped = true;
    }

private:
    FakeUplinkState& state_;
};

}  // namespace svm::virtio::test
