#include "core/sched/share_runner.h"

#include <signal.h>
#include <time.h>

#include <cerrno>
#include <string>

namespace svm::sched {

namespace {

// The unit this host thread is running, for the slice signal's handler; null between slices.
thread_local std::atomic<Preemptible*> t_running{nullptr};
// CLOCK_MONOTONIC ns at which the slice signal last reached this thread (0: not this slice).
thread_local std::atomic<int64_t> t_signal_ns{0};

int64_t clock_ns(clockid_t clock) {
    timespec ts;
    clock_gettime(clock, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

void slice_handler(int) {
    // Only async-signal-safe work: clock_gettime(2) and atomic stores (signal-safety(7)).
    const int saved_errno = errno;
    t_signal_ns.store(clock_ns(CLOCK_MONOTONIC), std::memory_order_relaxed);
    if (Preemptible* unit = t_running.load(std::memory_order_relaxed)) unit->request_preempt();
    errno = saved_errno;
}

void install_slice_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_handler = slice_handler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;  // no SA_RESTART: a KVM_RUN in progress must return EINTR
        sigaction(ShareRunner::slice_signal(), &sa, nullptr);
    });
}

}  // namespace

struct ShareRunner::HostThread {
    int index = 0;
    std::unique_ptr<SliceTimer> timer;  // this thread's only
    int64_t armed_at = -1;              // CLOCK_MONOTONIC ns the periodic timer was armed; -1: off
    std::thread thread;
    pthread_t native{};
    bool ready = false;  // guarded by mutex_: the timer was created (or failed: error)
    std::string error;
    std::atomic<uint64_t> slices{0}, preemptions{0}, signal_to_next_count{0};
    std::atomic<int64_t> overhead_ns{0}, signal_to_next_ns{0}, timer_late_ns{0}, idle_ns{0};
};

int ShareRunner::slice_signal() {
    return SIGRTMIN + 2;
}

ShareRunner::ShareRunner(ShareScheduler& scheduler, Config config)
    : scheduler_(scheduler), config_(config) {
    SVM_ASSERT(config_.threads >= 1);
    SVM_ASSERT(config_.slice_ns > 0);
}

ShareRunner::~ShareRunner() {
    stop();
}

UnitId ShareRunner::add_unit(VmId vm, Preemptible& unit) {
    std::lock_guard lock(mutex_);
    const UnitId id = scheduler_.add_unit(vm);
    if (units_.size() <= static_cast<size_t>(id)) {
        units_.resize(id + 1, nullptr);
        running_on_.resize(id + 1, -1);
    }
    units_[id] = &unit;
    cv_.notify_all();
    return id;
}

Result<void> ShareRunner::start() {
    SVM_ASSERT(!started_);
    started_ = true;
    install_slice_handler();
    for (int i = 0; i < config_.threads; ++i) {
        auto t = std::make_unique<HostThread>();
        t->index = i;
        threads_.push_back(std::move(t));
    }
    for (auto& t : threads_) {
        HostThread& self = *t;
        self.thread = std::thread([this, &self] { thread_main(self); });
        self.native = self.thread.native_handle();
    }
    std::string failure;
    {
        std::unique_lock lock(mutex_);
        for (auto& t : threads_) {
            cv_.wait(lock, [&] { return t->ready; });
            if (!t->error.empty() && failure.empty()) failure = t->error;
        }
    }
    if (!failure.empty()) {
        stop();
        return std::unexpected(Error{failure});
    }
    return {};
}

void ShareRunner::wake(UnitId unit) {
    std::lock_guard lock(mutex_);
    scheduler_.wake(unit);
    cv_.notify_all();
}

void ShareRunner::remove_vm(VmId vm) {
    std::lock_guard lock(mutex_);
    scheduler_.remove_vm(vm);
    for (size_t id = 0; id < units_.size(); ++id) {
        if (running_on_[id] < 0 || scheduler_.vm_of(static_cast<UnitId>(id)) != vm) continue;
        units_[id]->request_preempt();
        pthread_kill(threads_[running_on_[id]]->native, slice_signal());
    }
    cv_.notify_all();
}

void ShareRunner::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
        stopping_ = true;
        // A unit picked but not yet entered is in running_on_ too: its run_slice() then returns
        // at once (Preemptible's contract).
        for (size_t id = 0; id < units_.size(); ++id)
            if (running_on_[id] >= 0) units_[id]->request_preempt();
        // The signal interrupts a unit blocked in a system call (a halted vCPU in KVM_RUN).
        // pthread_kill is valid until the thread is joined, even if it has returned.
        for (auto& t : threads_) pthread_kill(t->native, slice_signal());
        cv_.notify_all();
    }
    for (auto& t : threads_)
        if (t->thread.joinable()) t->thread.join();
}

ShareRunner::Stats ShareRunner::stats() const {
    Stats s;
    std::lock_guard lock(mutex_);
    for (const auto& t : threads_) {
        s.slices += t->slices.load(std::memory_order_relaxed);
        s.preemptions += t->preemptions.load(std::memory_order_relaxed);
        s.overhead_ns += t->overhead_ns.load(std::memory_order_relaxed);
        s.signal_to_next_ns += t->signal_to_next_ns.load(std::memory_order_relaxed);
        s.signal_to_next_count += t->signal_to_next_count.load(std::memory_order_relaxed);
        s.timer_late_ns += t->timer_late_ns.load(std::memory_order_relaxed);
        s.idle_ns += t->idle_ns.load(std::memory_order_relaxed);
    }
    return s;
}

UnitId ShareRunner::wait_for_unit(std::unique_lock<std::mutex>& lock, HostThread& self,
                                  bool& waited) {
    int64_t idle_since = -1;
    UnitId picked = -1;
    while (!stopping_) {
        if (auto id = scheduler_.pick(self.index)) {
            picked = *id;
            running_on_[picked] = self.index;
            break;
        }
        if (idle_since < 0) {
            idle_since = clock_ns(CLOCK_MONOTONIC);
            // An idle thread needs no ticks.
            self.timer->disarm();
            self.armed_at = -1;
        }
        ++idle_threads_;
        cv_.wait(lock);
        --idle_threads_;
    }
    waited = idle_since >= 0;
    if (waited)
        self.idle_ns.fetch_add(clock_ns(CLOCK_MONOTONIC) - idle_since, std::memory_order_relaxed);
    return picked;
}

void ShareRunner::thread_main(HostThread& self) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, slice_signal());
    pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
    auto timer = SliceTimer::create_for_this_thread(slice_signal());
    {
        std::lock_guard lock(mutex_);
        self.ready = true;
        if (timer)
            self.timer = std::move(*timer);
        else
            self.error = timer.error().message;
        cv_.notify_all();
    }
    if (!self.timer) return;

    // Steady-clock time the previous slice ended (-1: the thread waited since, or none yet) and
    // when its signal arrived (0: the signal did not end it).
    int64_t previous_end = -1, previous_signal = 0;
    // The thread CPU clock is read once per slice, at its end: a slice is charged the thread CPU
    // time since the previous slice ended, i.e. its run plus the few µs of scheduling before it.
    // One clock read instead of two saves a system call per slice (~1.6 µs on the nested
    // KVM-PVM host, docs/benchmarks.md); the bias, the same for every slice, is under 1 % at
    // 1 ms slices. Reading the clock runs the kernel's update_curr() (task_sched_runtime() in
    // kernel/sched/core.c), so on a loaded host the thread is often rescheduled right there when
    // its host time slice is used up: a wait it would have had at the next tick anyway, which
    // bench/shares sees as a long tail of the per-slice overhead.
    int64_t cpu_mark = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    std::unique_lock lock(mutex_);
    for (;;) {
        bool waited = false;
        const UnitId id = wait_for_unit(lock, self, waited);
        if (id < 0) break;
        Preemptible* unit = units_[id];
        SVM_ASSERT(unit);
        lock.unlock();

        t_signal_ns.store(0, std::memory_order_relaxed);
        t_running.store(unit, std::memory_order_relaxed);
        std::atomic_signal_fence(std::memory_order_seq_cst);
        // The timer is periodic: one timer_settime when the thread gets busy, none per slice
        // (each is a system call, ~1.2 µs or more on the nested KVM-PVM host). A slice ends at
        // the next tick, so one that starts late, or after a unit that halted, is shorter; it
        // is charged what it took.
        if (self.armed_at < 0) {
            self.timer->arm_periodic(config_.slice_ns);
            self.armed_at = clock_ns(CLOCK_MONOTONIC);
        }
        SliceRecord record;
        record.thread = self.index;
        record.unit = id;
        record.start_ns = clock_ns(CLOCK_MONOTONIC);
        record.end = unit->run_slice();
        record.end_ns = clock_ns(CLOCK_MONOTONIC);
        t_running.store(nullptr, std::memory_order_relaxed);
        std::atomic_signal_fence(std::memory_order_seq_cst);
        // Everything between two run_slice() calls counts as overhead: the CPU clock, the charge
        // and the pick (and arming the timer after an idle wait, which is not counted).
        if (previous_end >= 0 && !waited) {
            record.overhead_ns = record.start_ns - previous_end;
            self.overhead_ns.fetch_add(record.overhead_ns, std::memory_order_relaxed);
            if (previous_signal > 0) {
                record.signal_to_start_ns = record.start_ns - previous_signal;
                self.signal_to_next_ns.fetch_add(record.signal_to_start_ns,
                                                 std::memory_order_relaxed);
                self.signal_to_next_count.fetch_add(1, std::memory_order_relaxed);
            }
        }
        previous_end = record.end_ns;
        const int64_t signal = t_signal_ns.load(std::memory_order_relaxed);
        const int64_t cpu_now = clock_ns(CLOCK_THREAD_CPUTIME_ID);
        record.cpu_ns = cpu_now - cpu_mark;
        cpu_mark = cpu_now;
        previous_signal = 0;
        if (record.end == SliceEnd::Preempted && signal > 0) {
            record.signal_ns = previous_signal = signal;
            self.preemptions.fetch_add(1, std::memory_order_relaxed);
            // The first tick after the slice started.
            const int64_t ticks = (record.start_ns - self.armed_at) / config_.slice_ns + 1;
            self.timer_late_ns.fetch_add(signal - (self.armed_at + ticks * config_.slice_ns),
                                         std::memory_order_relaxed);
            record.timer_late_ns = signal - (self.armed_at + ticks * config_.slice_ns);
        }
        self.slices.fetch_add(1, std::memory_order_relaxed);

        const int64_t lock_start = clock_ns(CLOCK_MONOTONIC);
        lock.lock();
        record.lock_wait_ns = clock_ns(CLOCK_MONOTONIC) - lock_start;
        running_on_[id] = -1;
        scheduler_.finish(id, record.cpu_ns, record.end);
        // A unit may have become free for a thread that found none.
        if (idle_threads_ > 0) cv_.notify_all();
        if (config_.observer) {
            lock.unlock();
            config_.observer->on_slice(record);
            lock.lock();
        }
    }
    lock.unlock();
    self.timer.reset();  // timer_delete: no tick reaches a thread that has ended
}

}  // namespace svm::sched
