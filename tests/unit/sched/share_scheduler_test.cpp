// ShareScheduler on a simulated clock: every figure here is exact and deterministic (no threads,
// no real time), so the share bounds are tight.
#include "core/sched/share_scheduler.h"

#include <gtest/gtest.h>

#include <functional>
#include <map>
#include <set>
#include <vector>

namespace svm::sched {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1'000 * kMs;

// What a simulated unit did in its slice: how long it ran and how the slice ended.
struct Outcome {
    int64_t ran_ns;
    SliceEnd end = SliceEnd::Preempted;
};

// Simulated host threads in lock step: each round every thread picks a unit (no unit twice),
// then every picked unit is charged what `behave` says (by default a whole slice), and the clock
// moves on by one slice.
class Simulation {
public:
    Simulation(ShareScheduler& scheduler, int threads, int64_t slice_ns)
        : scheduler_(scheduler), threads_(threads), slice_ns_(slice_ns) {}

    // Called for every picked unit with the simulated time; returns its outcome.
    std::function<Outcome(UnitId, int64_t now)> behave;
    // Called at the start of every round with the simulated time.
    std::function<void(int64_t now)> before_round;

    void run_until(int64_t end_ns) {
        while (now_ < end_ns) {
            if (before_round) before_round(now_);
            std::vector<UnitId> picked;
            std::set<UnitId> distinct;
            std::vector<Outcome> outcomes;
            for (int t = 0; t < threads_; ++t) {
                // A unit that halts at once (ran 0 ns) gives the thread back in the same round.
                for (int attempt = 0; attempt < 100; ++attempt) {
                    auto id = scheduler_.pick(t);
                    if (!id) break;
                    EXPECT_TRUE(distinct.insert(*id).second) << "unit " << *id << " picked twice";
                    ++picks_[*id];
                    Outcome o = behave ? behave(*id, now_) : Outcome{slice_ns_};
                    if (o.ran_ns == 0 && o.end != SliceEnd::Preempted) {
                        scheduler_.finish(*id, 0, o.end);
                        continue;
                    }
                    picked.push_back(*id);
                    outcomes.push_back(o);
                    break;
                }
            }
            for (size_t i = 0; i < picked.size(); ++i)
                scheduler_.finish(picked[i], outcomes[i].ran_ns, outcomes[i].end);
            now_ += slice_ns_;
        }
    }

    int64_t now() const { return now_; }
    int picks(UnitId id) { return picks_[id]; }

private:
    ShareScheduler& scheduler_;
    int threads_;
    int64_t slice_ns_;
    int64_t now_ = 0;
    std::map<UnitId, int> picks_;
};

double percent(int64_t part, int64_t whole) {
    return 100.0 * static_cast<double>(part) / static_cast<double>(whole);
}

TEST(ShareScheduler, SeventyThirtyOverTenSecondsOnOneThread) {
    for (int64_t slice : {1 * kMs, 10 * kMs, 100 * kMs}) {
        ShareScheduler s;
        VmId a = s.add_vm(70), b = s.add_vm(30);
        s.add_unit(a);
        s.add_unit(b);
        Simulation sim(s, 1, slice);
        sim.run_until(10 * kSecond);
        const int64_t total = s.vm_run_ns(a) + s.vm_run_ns(b);
        EXPECT_EQ(total, 10 * kSecond);
        EXPECT_NEAR(percent(s.vm_run_ns(a), total), 70, 0.5) << "slice " << slice;
        EXPECT_NEAR(percent(s.vm_run_ns(b), total), 30, 0.5) << "slice " << slice;
    }
}

TEST(ShareScheduler, ThreeVmsFiftyThirtyTwenty) {
    ShareScheduler s;
    VmId a = s.add_vm(50), b = s.add_vm(30), c = s.add_vm(20);
    for (VmId vm : {a, b, c}) s.add_unit(vm);
    Simulation sim(s, 1, kMs);
    sim.run_until(10 * kSecond);
    EXPECT_NEAR(percent(s.vm_run_ns(a), 10 * kSecond), 50, 0.5);
    EXPECT_NEAR(percent(s.vm_run_ns(b), 10 * kSecond), 30, 0.5);
    EXPECT_NEAR(percent(s.vm_run_ns(c), 10 * kSecond), 20, 0.5);
}

TEST(ShareScheduler, VmsWithoutSharesGetEqualTime) {
    // No --share: core/cli/vm_set.cpp gives each of n VMs 100 / n percent.
    ShareScheduler s;
    std::vector<VmId> vms;
    for (int i = 0; i < 3; ++i) vms.push_back(s.add_vm(100.0 / 3));
    for (VmId vm : vms) s.add_unit(vm);
    Simulation sim(s, 1, kMs);
    sim.run_until(9 * kSecond);
    for (VmId vm : vms) EXPECT_NEAR(percent(s.vm_run_ns(vm), 9 * kSecond), 100.0 / 3, 0.5);
}

TEST(ShareScheduler, SharesNeedNotAddUpToHundred) {
    // 30 and 20 are 60 % and 40 % (docs/multi-vm.md): only the ratio matters.
    ShareScheduler s;
    VmId a = s.add_vm(30), b = s.add_vm(20);
    s.add_unit(a);
    s.add_unit(b);
    Simulation sim(s, 1, kMs);
    sim.run_until(10 * kSecond);
    EXPECT_NEAR(percent(s.vm_run_ns(a), 10 * kSecond), 60, 0.5);
}

TEST(ShareScheduler, ChargesMeasuredTimeNotSlices) {
    // A's slices take 2 ms, B's 0.5 ms (a slice can end early, or the host can be late):
    // equal shares give equal time, so B gets four times the slices.
    ShareScheduler s;
    VmId a = s.add_vm(50), b = s.add_vm(50);
    UnitId ua = s.add_unit(a), ub = s.add_unit(b);
    Simulation sim(s, 1, kMs);
    sim.behave = [&](UnitId id, int64_t) { return Outcome{id == ua ? 2 * kMs : kMs / 2}; };
    sim.run_until(10 * kSecond);
    const int64_t total = s.vm_run_ns(a) + s.vm_run_ns(b);
    EXPECT_NEAR(percent(s.vm_run_ns(a), total), 50, 0.5);
    EXPECT_NEAR(static_cast<double>(sim.picks(ub)) / sim.picks(ua), 4.0, 0.05);
}

TEST(ShareScheduler, SleepingVmDoesNotBankCreditAndStarveTheOther) {
    // A sleeps (its only vCPU halts) for the first 5 s, then wakes and stays busy. Without the
    // wake-up clamp it would be 5 s of virtual time behind B and run alone for 5 s.
    ShareScheduler s;
    VmId a = s.add_vm(50), b = s.add_vm(50);
    UnitId ua = s.add_unit(a);
    s.add_unit(b);
    Simulation sim(s, 1, kMs);
    sim.behave = [&](UnitId id, int64_t now) {
        if (id == ua && now < 5 * kSecond) return Outcome{0, SliceEnd::Halted};
        return Outcome{kMs};
    };
    bool woken = false;
    sim.before_round = [&](int64_t now) {
        if (now >= 5 * kSecond && !woken) woken = s.wake(ua);
    };
    sim.run_until(5 * kSecond);
    EXPECT_EQ(s.vm_run_ns(a), 0);
    EXPECT_EQ(s.vm_run_ns(b), 5 * kSecond);

    // The first second after the wake-up already splits evenly...
    sim.run_until(6 * kSecond);
    EXPECT_TRUE(woken);
    EXPECT_NEAR(percent(s.vm_run_ns(b) - 5 * kSecond, kSecond), 50, 0.5);
    // ... and so does the rest.
    sim.run_until(10 * kSecond);
    EXPECT_NEAR(percent(s.vm_run_ns(a), 5 * kSecond), 50, 0.5);
}

TEST(ShareScheduler, VmThatSleepsHalfTheTimeLeavesItsTimeToTheOther) {
    // A (70) halts for 50 ms out of every 100 ms; B (30) is always busy. While A sleeps B has the
    // thread (work-conserving); while both are busy they split 70:30.
    ShareScheduler s;
    VmId a = s.add_vm(70), b = s.add_vm(30);
    UnitId ua = s.add_unit(a);
    s.add_unit(b);
    Simulation sim(s, 1, kMs);
    sim.behave = [&](UnitId id, int64_t now) {
        if (id == ua && (now / (50 * kMs)) % 2 == 1) return Outcome{0, SliceEnd::Halted};
        return Outcome{kMs};
    };
    sim.before_round = [&](int64_t now) {
        if ((now / (50 * kMs)) % 2 == 0) s.wake(ua);
    };
    sim.run_until(10 * kSecond);
    // Busy half: A 70 % of 5 s = 3.5 s; the sleeping half is B's alone.
    EXPECT_NEAR(percent(s.vm_run_ns(a), 10 * kSecond), 35, 1);
    EXPECT_NEAR(percent(s.vm_run_ns(b), 10 * kSecond), 65, 1);
}

TEST(ShareScheduler, TwoHostThreadsThreeVcpus) {
    // A (70) has two vCPUs, B (30) one, on two host threads: A needs 1.4 threads, B 0.6.
    ShareScheduler s;
    VmId a = s.add_vm(70), b = s.add_vm(30);
    UnitId a0 = s.add_unit(a), a1 = s.add_unit(a);
    s.add_unit(b);
    Simulation sim(s, 2, kMs);  // asserts that no unit is picked twice in a round
    sim.run_until(10 * kSecond);
    const int64_t total = s.vm_run_ns(a) + s.vm_run_ns(b);
    EXPECT_EQ(total, 20 * kSecond);  // both threads always busy
    EXPECT_NEAR(percent(s.vm_run_ns(a), total), 70, 0.5);
    // A's two vCPUs take turns evenly.
    EXPECT_NEAR(percent(s.unit_run_ns(a0), s.vm_run_ns(a)), 50, 0.5);
    EXPECT_EQ(s.unit_run_ns(a0) + s.unit_run_ns(a1), s.vm_run_ns(a));
}

TEST(ShareScheduler, OneVcpuCannotUseMoreThanOneThread) {
    // Work-conserving: on two threads a one-vCPU VM gets at most half, whatever its share.
    ShareScheduler s;
    VmId a = s.add_vm(70), b = s.add_vm(30);
    s.add_unit(a);
    s.add_unit(b);
    Simulation sim(s, 2, kMs);
    sim.run_until(kSecond);
    EXPECT_EQ(s.vm_run_ns(a), kSecond);
    EXPECT_EQ(s.vm_run_ns(b), kSecond);
}

TEST(ShareScheduler, VcpusOfOneVmRoundRobin) {
    ShareScheduler s;
    VmId a = s.add_vm(100);
    std::vector<UnitId> units;
    for (int i = 0; i < 3; ++i) units.push_back(s.add_unit(a));
    std::vector<UnitId> order;
    for (int i = 0; i < 6; ++i) {
        auto id = s.pick(0);
        ASSERT_TRUE(id);
        order.push_back(*id);
        s.finish(*id, kMs);
    }
    EXPECT_EQ(order,
              (std::vector<UnitId>{units[0], units[1], units[2], units[0], units[1], units[2]}));
}

TEST(ShareScheduler, HaltedVcpuLeavesItsVmShareToTheOtherVcpu) {
    // A (50) has two vCPUs; one halts for good. A's other vCPU still gets A's half.
    ShareScheduler s;
    VmId a = s.add_vm(50), b = s.add_vm(50);
    UnitId a0 = s.add_unit(a);
    UnitId a1 = s.add_unit(a);
    s.add_unit(b);
    Simulation sim(s, 1, kMs);
    sim.behave = [&](UnitId id, int64_t) {
        return id == a1 ? Outcome{0, SliceEnd::Halted} : Outcome{kMs};
    };
    sim.run_until(10 * kSecond);
    EXPECT_NEAR(percent(s.unit_run_ns(a0), 10 * kSecond), 50, 0.5);
    EXPECT_EQ(s.unit_run_ns(a1), 0);
}

TEST(ShareScheduler, VmEndingMidRun) {
    // Three equal VMs on two threads; C ends at 5 s while one of its vCPUs is running. A and B
    // then split the time, C's running vCPU is not charged, and C is never picked again.
    ShareScheduler s;
    VmId a = s.add_vm(100.0 / 3), b = s.add_vm(100.0 / 3), c = s.add_vm(100.0 / 3);
    s.add_unit(a);
    s.add_unit(b);
    UnitId c0 = s.add_unit(c);
    Simulation sim(s, 1, kMs);
    sim.run_until(5 * kSecond);
    const int64_t a_before = s.vm_run_ns(a), b_before = s.vm_run_ns(b), c_before = s.vm_run_ns(c);
    EXPECT_NEAR(percent(c_before, 5 * kSecond), 100.0 / 3, 0.5);

    // Pick until C's vCPU is the one running, then end C under it.
    for (;;) {
        auto id = s.pick(0);
        ASSERT_TRUE(id);
        if (*id == c0) break;
        s.finish(*id, 0);
    }
    s.remove_vm(c);
    EXPECT_FALSE(s.finish(c0, kMs));
    EXPECT_FALSE(s.wake(c0));
    s.remove_vm(c);  // twice: a no-op

    Simulation rest(s, 2, kMs);
    rest.run_until(5 * kSecond);
    EXPECT_EQ(s.vm_run_ns(c), c_before);
    EXPECT_EQ(rest.picks(c0), 0);
    EXPECT_EQ(s.vm_run_ns(a) - a_before, 5 * kSecond);  // one thread each now
    EXPECT_EQ(s.vm_run_ns(b) - b_before, 5 * kSecond);
}

TEST(ShareScheduler, VmAddedLateStartsAtTheCurrentVirtualTime) {
    ShareScheduler s;
    VmId a = s.add_vm(50);
    s.add_unit(a);
    Simulation sim(s, 1, kMs);
    sim.run_until(5 * kSecond);
    VmId b = s.add_vm(50);
    s.add_unit(b);
    Simulation later(s, 1, kMs);
    later.run_until(kSecond);
    EXPECT_NEAR(percent(s.vm_run_ns(b), kSecond), 50, 0.5);
}

TEST(ShareScheduler, NothingRunnable) {
    ShareScheduler s;
    EXPECT_FALSE(s.pick(0));
    VmId a = s.add_vm(100);
    UnitId u = s.add_unit(a);
    auto id = s.pick(0);
    ASSERT_TRUE(id);
    EXPECT_FALSE(s.pick(1)) << "a running unit is not given to a second thread";
    EXPECT_TRUE(s.finish(u, kMs, SliceEnd::Halted));
    EXPECT_FALSE(s.any_runnable());
    EXPECT_FALSE(s.pick(0));
    EXPECT_FALSE(s.finish(u, kMs)) << "not running";
    EXPECT_TRUE(s.wake(u));
    EXPECT_EQ(s.pick(0), u);
    EXPECT_TRUE(s.finish(u, kMs, SliceEnd::Finished));
    EXPECT_FALSE(s.wake(u));
    EXPECT_FALSE(s.pick(0));
    EXPECT_EQ(s.unit_run_ns(u), 2 * kMs);
    EXPECT_FALSE(s.wake(12345));
    EXPECT_FALSE(s.vm_of(12345));
}

}  // namespace
}  // namespace svm::sched
