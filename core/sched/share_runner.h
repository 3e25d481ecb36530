// ShareRunner: N host threads (`--threads N`) that run Preemptible units in time slices chosen by
// a ShareScheduler (docs/multi-vm.md, "CPU shares").
//
// Each host thread has a periodic SliceTimer that ticks every slice while the thread has work,
// and loops: ask the scheduler for a unit, run_slice() until the next tick, charge the unit the
// host thread CPU time (CLOCK_THREAD_CPUTIME_ID) since the previous slice ended, repeat. A thread
// with nothing to run sleeps on a condition variable until wake(), add_unit(), remove_vm() or
// stop(). The slice ends when the timer's signal (slice_signal()) reaches the thread: its handler
// calls request_preempt() on the unit the thread is running.
//
// Why thread CPU time and not the steady clock: it is what the host actually gave the VM. Time
// the host took away for other processes (the machine is shared: builds, other svm instances) is
// not charged, so a VM preempted by the host does not lose its share to the other VMs; a vCPU
// halted inside KVM_RUN costs nothing. KVM accounts guest time to the thread that runs
// KVM_RUN, so the same clock covers guest and VMM time. Reading it is a system call (the vDSO
// does not serve it): ~1.6 µs on the nested KVM-PVM host, so it is read once per slice.
//
// Not wired to the VM-set runtime yet (issue 15): Vcpu still runs on its own thread.
#pragma once

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "core/result.h"
#include "core/sched/preemptible.h"
#include "core/sched/share_scheduler.h"
#include "core/sched/slice_observer.h"
#include "core/sched/slice_timer.h"

namespace svm::sched {

class ShareRunner {
public:
    struct Config {
        int threads = 1;                    // host threads, >= 1
        int64_t slice_ns = 10'000'000;      // slice length in ns (wall time), > 0
        SliceObserver* observer = nullptr;  // optional; must outlive the runner
    };

    // What the host threads did, summed over the threads. Read with stats() at any time.
    struct Stats {
        uint64_t slices = 0;       // run_slice() calls
        uint64_t preemptions = 0;  // slices that the timer's signal ended
        // Steady-clock ns spent outside run_slice() between two slices of a thread (reading the
        // CPU clock, charging, picking, the observer), waits for work excluded: scheduling
        // overhead.
        int64_t overhead_ns = 0;
        // For slices the signal ended: steady-clock ns from the signal handler to the next
        // run_slice() call on that thread (the unit noticing, returning, and the overhead above).
        int64_t signal_to_next_ns = 0;
        uint64_t signal_to_next_count = 0;
        // For the same slices: how late the signal came, steady-clock ns after the tick.
        int64_t timer_late_ns = 0;
        int64_t idle_ns = 0;  // steady-clock ns the threads waited for a runnable unit
    };

    // The runner uses `scheduler`, which must outlive it.
    ShareRunner(ShareScheduler& scheduler, Config config);
    // Stops the threads (stop()).
    ~ShareRunner();
    ShareRunner(const ShareRunner&) = delete;
    ShareRunner& operator=(const ShareRunner&) = delete;

    // The signal the slice timers send (SIGRTMIN + 2: the vCPU kick is SIGRTMIN, the console's
    // interrupt SIGRTMIN + 1).
    static int slice_signal();

    // Adds a runnable unit of `vm` to the scheduler, run by `unit` (which must outlive the runner
    // or its VM's removal). Before or after start(). Returns the scheduler's unit id.
    UnitId add_unit(VmId vm, Preemptible& unit);
    // Starts the host threads, each with its own timer. Returns an error (and starts nothing) if a
    // timer cannot be created. Call once.
    Result<void> start();
    // Makes a halted unit runnable (ShareScheduler::wake) and wakes an idle host thread.
    void wake(UnitId unit);
    // Removes a VM that ended (ShareScheduler::remove_vm); its running units are asked to
    // return (request_preempt), and their threads go on with other units.
    void remove_vm(VmId vm);
    // Asks every running unit to return, ends the threads and joins them. Idempotent. After it,
    // no run_slice() is in progress.
    void stop();

    Stats stats() const;

private:
    struct HostThread;

    void thread_main(HostThread& self);
    // Under mutex_: blocks until a unit is picked (returns it) or stopping_ (returns -1).
    // `waited` says whether the thread had to wait for one.
    UnitId wait_for_unit(std::unique_lock<std::mutex>& lock, HostThread& self, bool& waited);

    ShareScheduler& scheduler_;
    const Config config_;

    // Lock order: mutex_, then the scheduler's (a leaf). run_slice() and request_preempt() are
    // never called with mutex_ held, except request_preempt() in remove_vm()/stop(), which is
    // async-signal-safe and takes no lock.
    mutable std::mutex mutex_;
    std::condition_variable cv_;
    std::vector<Preemptible*> units_;  // by UnitId; guarded by mutex_
    std::vector<int> running_on_;      // by UnitId: the host thread running it, or -1
    std::vector<std::unique_ptr<HostThread>> threads_;
    bool stopping_ = false;  // guarded by mutex_
    bool started_ = false;
    int idle_threads_ = 0;  // guarded by mutex_
};

}  // namespace svm::sched
