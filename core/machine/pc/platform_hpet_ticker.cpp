// HPET interrupt delivery thread.
#include "core/machine/pc/platform_hpet_ticker.h"

#include <chrono>
#include <cstdint>

namespace svm {

uint64_t HpetTicker::now_ns() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

HpetTicker::HpetTicker() = default;

HpetTicker::~HpetTicker() {
    {
        std::lock_guard lock(state_->mutex);
        state_->stop = true;
    }
    state_->wake.notify_all();
    if (thread_.joinable()) thread_.join();
}

std::function<void()> HpetTicker::waker() const {
    return [state = state_] {
        {
            std::lock_guard lock(state->mutex);
            ++state->generation;
        }
        state->wake.notify_all();
    };
}

void HpetTicker::start(std::shared_ptr<Hpet> hpet) {
    if (thread_.joinable()) return;
    thread_ = std::thread([state = state_, hpet = std::move(hpet)] { run(state, hpet); });
}

void HpetTicker::run(const std::shared_ptr<State>& state, const std::shared_ptr<Hpet>& hpet) {
    std::unique_lock lock(state->mutex);
    while (!state->stop) {
        uint64_t seen = state->generation;
        lock.unlock();
        // next_deadline_ns() first fires whatever is due, then says when to look again.
        std::optional<uint64_t> deadline = hpet->next_deadline_ns();
        lock.lock();
        auto changed = [&] { return state->stop || state->generation != seen; };
        // A deadline past what steady_clock can represent (a 64-bit comparator far ahead) is as
        // good as none.
        if (!deadline || *deadline > static_cast<uint64_t>(INT64_MAX)) {
            state->wake.wait(lock, changed);
        } else {
            std::chrono::steady_clock::time_point at{std::chrono::nanoseconds(*deadline)};
            // A guest may program a period of a few nanoseconds: waking faster than this would
            // burn a host core on interrupts no guest can take. Comparator matches due in between
            // are delivered together at the next wake, as a late timer interrupt would be.
            const auto earliest = std::chrono::steady_clock::now() + kMinTickInterval;
            if (at < earliest) at = earliest;
            state->wake.wait_until(lock, at, changed);
        }
    }
}

}  // namespace svm
