// See input_rtc_timer.h.
#include "core/machine/pc/input_rtc_timer.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace svm {

RtcTimer::~RtcTimer() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
}

void RtcTimer::start(std::shared_ptr<CmosRtc> rtc, CmosRtc::Clock clock) {
    rtc_ = std::move(rtc);
    clock_ = std::move(clock);
    thread_ = std::thread([this] { run(); });
}

void RtcTimer::reschedule() {
    {
        std::lock_guard lock(mutex_);
        changed_ = true;
    }
    wake_.notify_all();
}

void RtcTimer::run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        changed_ = false;
        lock.unlock();
        rtc_->tick();
        std::optional<int64_t> next = rtc_->next_event();
        int64_t now = clock_();
        lock.lock();
        auto woken = [this] { return stopping_ || changed_; };
        if (!next) {
            // No enabled interrupt can come due: sleep until the guest changes something.
            wake_.wait(lock, woken);
        } else if (*next > now) {
            // A relative wait on the steady clock, so a host clock step cannot stall it.
            wake_.wait_for(lock, std::chrono::nanoseconds(*next - now), woken);
        }
    }
}

}  // namespace svm
