// SliceObserver: sees every time slice a ShareRunner host thread runs (for benchmarks: the
// per-slice overhead and signal latency as distributions, not only the sums in Stats).
#pragma once

#include <cstdint>

#include "core/sched/share_scheduler.h"

namespace svm::sched {

// One slice as a host thread saw it (ShareRunner::Config::observer). Times are CLOCK_MONOTONIC ns.
struct SliceRecord {
    int thread = 0;
    UnitId unit = -1;
    SliceEnd end = SliceEnd::Preempted;
    int64_t start_ns = 0, end_ns = 0;  // run_slice() called / returned
    int64_t cpu_ns = 0;                // host thread CPU time of the slice (what was charged)
    int64_t signal_ns = 0;             // when the slice signal's handler ran; 0 if it did not
    int64_t timer_late_ns = 0;         // signal_ns - the timer tick it answered (if signal_ns)
    // Steady ns between the thread's previous slice's end and this start (the scheduling
    // overhead), and from the previous slice's signal to this start; -1 when the thread waited
    // for work in between, or there was no previous slice (or no signal).
    int64_t overhead_ns = -1, signal_to_start_ns = -1;
    // Steady ns this thread waited for the runner's lock to charge the slice (contention with
    // the other host threads).
    int64_t lock_wait_ns = 0;
};

// Sees every slice, for benchmarks. Called on the host thread after the slice was charged,
// with no lock held: it must be quick and thread-safe across host threads.
class SliceObserver {
public:
    virtual ~SliceObserver() = default;
    virtual void on_slice(const SliceRecord& record) = 0;
};

}  // namespace svm::sched
