// SliceTimer: the per-host-thread timer that ends a time slice by sending a signal to that one
// thread (timer_create(2) with SIGEV_THREAD_ID, a Linux extension; the same delivery as a vCPU
// kick's pthread_kill). It runs on CLOCK_MONOTONIC, not on the thread's CPU clock: a vCPU halted
// inside KVM_RUN uses no CPU, and its slice must still end.
#pragma once

#include <time.h>

#include <cstdint>
#include <memory>

#include "core/result.h"

namespace svm::sched {

class SliceTimer {
public:
    // Creates a disarmed timer that delivers `signal` to the calling thread. Returns an error
    // naming timer_create's errno if the kernel refuses.
    static Result<std::unique_ptr<SliceTimer>> create_for_this_thread(int signal);
    ~SliceTimer();
    SliceTimer(const SliceTimer&) = delete;
    SliceTimer& operator=(const SliceTimer&) = delete;

    // Arms the timer to fire every `ns` nanoseconds (> 0), the first time `ns` from now. Expiries
    // the thread misses while the host does not run it are merged into one signal (POSIX timer
    // overruns). Returns false if timer_settime fails (it does not with a valid timer).
    bool arm_periodic(int64_t ns);
    // Stops it; a signal already sent is not taken back.
    void disarm();

private:
    explicit SliceTimer(timer_t timer) : timer_(timer) {}
    timer_t timer_;
};

}  // namespace svm::sched
