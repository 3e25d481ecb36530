// ShareRunner with real host threads, real slice timers and spinning workers. These tests assert
// only facts that do not depend on timing (every worker ran, slices were ended by the timer's
// signal, the runner stops cleanly): the machine may be loaded, and timing belongs to
// bench/shares. The waits below end as soon as the fact is seen; their limit only turns a hang
// into a failure.
#include "core/sched/share_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace svm::sched {
namespace {

using namespace std::chrono_literals;

// A fake vCPU: spins until its preemption flag is set, as a guest runs until the kick's
// immediate_exit takes it out of KVM_RUN. It counts its loop iterations (its progress counter)
// and slices, and can be told to halt after a number of slices.
class SpinWorker : public Preemptible {
public:
    SliceEnd run_slice() override {
        EXPECT_FALSE(in_slice_.exchange(true)) << "a unit ran on two threads at once";
        uint64_t n = 0;
        while (!preempt_.load(std::memory_order_acquire)) ++n;
        preempt_.store(false, std::memory_order_relaxed);
        iterations_.fetch_add(n, std::memory_order_relaxed);
        const uint64_t slices = slices_.fetch_add(1) + 1;
        in_slice_.store(false);
        return slices == halt_after_.load() ? SliceEnd::Halted : SliceEnd::Preempted;
    }
    void request_preempt() noexcept override { preempt_.store(true, std::memory_order_release); }

    uint64_t slices() const { return slices_.load(); }
    uint64_t iterations() const { return iterations_.load(); }
    bool in_slice() const { return in_slice_.load(); }
    void halt_after(uint64_t slices) { halt_after_.store(slices); }

private:
    std::atomic<bool> preempt_{false}, in_slice_{false};
    std::atomic<uint64_t> iterations_{0}, slices_{0}, halt_after_{0};
};

// Waits until `fact` holds; false after a minute (a hang, not a slow machine).
bool eventually(const std::function<bool()>& fact) {
    const auto limit = std::chrono::steady_clock::now() + 60s;
    while (!fact()) {
        if (std::chrono::steady_clock::now() > limit) return false;
        std::this_thread::sleep_for(1ms);
    }
    return true;
}

void run_two_vms(int threads, int vcpus_per_vm) {
    ShareScheduler scheduler;
    ShareRunner runner(scheduler, {.threads = threads, .slice_ns = 1'000'000});
    std::vector<std::unique_ptr<SpinWorker>> workers;
    for (double share : {70.0, 30.0}) {
        VmId vm = scheduler.add_vm(share);
        for (int i = 0; i < vcpus_per_vm; ++i) {
            workers.push_back(std::make_unique<SpinWorker>());
            runner.add_unit(vm, *workers.back());
        }
    }
    ASSERT_TRUE(runner.start());
    EXPECT_TRUE(eventually([&] {
        for (auto& w : workers)
            if (w->slices() < 3) return false;
        return runner.stats().preemptions >= 10;
    }));
    runner.stop();
    runner.stop();  // idempotent
    for (auto& w : workers) {
        EXPECT_FALSE(w->in_slice());
        EXPECT_GT(w->iterations(), 0u);
    }
    // Nothing runs after stop().
    const uint64_t after = workers[0]->slices();
    std::this_thread::sleep_for(5ms);
    EXPECT_EQ(workers[0]->slices(), after);
    auto stats = runner.stats();
    EXPECT_GE(stats.slices, stats.preemptions);
    EXPECT_GT(stats.preemptions, 0u);
    EXPECT_GT(scheduler.vm_run_ns(0), 0);
    EXPECT_GT(scheduler.vm_run_ns(1), 0);
}

TEST(ShareRunner, OneHostThreadRunsEveryWorkerAndStops) {
    run_two_vms(1, 1);
}

TEST(ShareRunner, TwoHostThreadsThreeWorkers) {
    ShareScheduler scheduler;
    ShareRunner runner(scheduler, {.threads = 2, .slice_ns = 1'000'000});
    SpinWorker a0, a1, b0;
    VmId a = scheduler.add_vm(70), b = scheduler.add_vm(30);
    runner.add_unit(a, a0);
    runner.add_unit(a, a1);
    runner.add_unit(b, b0);
    ASSERT_TRUE(runner.start());
    EXPECT_TRUE(
        eventually([&] { return a0.slices() >= 3 && a1.slices() >= 3 && b0.slices() >= 3; }));
    runner.stop();
    EXPECT_FALSE(a0.in_slice() || a1.in_slice() || b0.in_slice());
}

TEST(ShareRunner, TwoHostThreadsTwoVcpusEach) {
    run_two_vms(2, 2);
}

TEST(ShareRunner, HaltedWorkerRunsAgainAfterWake) {
    ShareScheduler scheduler;
    ShareRunner runner(scheduler, {.threads = 1, .slice_ns = 1'000'000});
    SpinWorker sleeper, busy;
    sleeper.halt_after(2);
    const UnitId id = runner.add_unit(scheduler.add_vm(50), sleeper);
    runner.add_unit(scheduler.add_vm(50), busy);
    ASSERT_TRUE(runner.start());
    // The sleeper halts after its second slice; the busy worker goes on alone.
    ASSERT_TRUE(eventually([&] { return sleeper.slices() == 2 && busy.slices() >= 10; }));
    EXPECT_EQ(sleeper.slices(), 2u);
    runner.wake(id);
    EXPECT_TRUE(eventually([&] { return sleeper.slices() >= 4; }));
    runner.stop();
}

TEST(ShareRunner, IdleThreadWaitsAndWakes) {
    // Every unit halts: the thread waits (no busy loop) until wake().
    ShareScheduler scheduler;
    ShareRunner runner(scheduler, {.threads = 2, .slice_ns = 1'000'000});
    SpinWorker w;
    w.halt_after(1);
    const UnitId id = runner.add_unit(scheduler.add_vm(100), w);
    ASSERT_TRUE(runner.start());
    ASSERT_TRUE(eventually([&] { return !scheduler.any_runnable(); }));
    runner.wake(id);
    EXPECT_TRUE(eventually([&] { return w.slices() >= 2; }));
    runner.stop();
}

TEST(ShareRunner, RemovedVmStopsRunning) {
    ShareScheduler scheduler;
    ShareRunner runner(scheduler, {.threads = 1, .slice_ns = 1'000'000});
    SpinWorker ending, staying;
    const VmId vm = scheduler.add_vm(50);
    runner.add_unit(vm, ending);
    runner.add_unit(scheduler.add_vm(50), staying);
    ASSERT_TRUE(runner.start());
    ASSERT_TRUE(eventually([&] { return ending.slices() >= 2 && staying.slices() >= 2; }));
    runner.remove_vm(vm);
    ASSERT_TRUE(eventually([&] { return !ending.in_slice(); }));
    const uint64_t ended_at = ending.slices();
    const uint64_t staying_at = staying.slices();
    EXPECT_TRUE(eventually([&] { return staying.slices() >= staying_at + 5; }));
    EXPECT_EQ(ending.slices(), ended_at);
    runner.stop();
}

TEST(ShareRunner, StopBeforeAnyUnitAndWithoutStart) {
    ShareScheduler scheduler;
    {
        ShareRunner runner(scheduler, {.threads = 2, .slice_ns = 1'000'000});
        ASSERT_TRUE(runner.start());
        runner.stop();
    }
    ShareRunner never_started(scheduler, {});
    never_started.stop();
}

}  // namespace
}  // namespace svm::sched
