// The host thread that delivers the HPET's interrupts: it sleeps until the next comparator is
// due (Hpet::next_deadline_ns) or until the guest reprograms the HPET, then calls Hpet::tick().
// No polling: with no enabled comparator it waits on a condition variable indefinitely.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "devices/legacy/hpet.h"

namespace svm {

class HpetTicker {
public:
    // The shortest time between two wakes of the thread: an upper bound of 10 kHz on the HPET's
    // interrupt rate, whatever period the guest programs.
    static constexpr std::chrono::microseconds kMinTickInterval{100};

    // The clock the HPET and this thread share: steady_clock in nanoseconds since its epoch.
    static uint64_t now_ns();

    HpetTicker();
    // Stops and joins the thread. Call after every vCPU stopped (svm puts it in ctx.owned).
    ~HpetTicker();
    HpetTicker(const HpetTicker&) = delete;
    HpetTicker& operator=(const HpetTicker&) = delete;

    // A callback for Hpet's on_reprogram: wakes the thread to recompute its deadline. Safe to
    // call from any thread, also after the ticker is gone.
    std::function<void()> waker() const;

    // Starts the thread for `hpet` (once).
    void start(std::shared_ptr<Hpet> hpet);

private:
    struct State {
        std::mutex mutex;  // a leaf lock; guards the two fields below
        std::condition_variable wake;
        uint64_t generation = 0;  // bumped by every reprogramming
        bool stop = false;
    };

    static void run(const std::shared_ptr<State>& state, const std::shared_ptr<Hpet>& hpet);

    std::shared_ptr<State> state_ = std::make_shared<State>();
    std::thread thread_;
};

}  // namespace svm
