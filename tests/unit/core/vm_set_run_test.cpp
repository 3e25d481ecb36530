// The process-level loop of a VM set (docs/multi-vm.md, "Running a set") with fake VMs: each VM
// on its own thread, one VM's end or crash leaving the others running, --crash-ends-all, a
// signal stopping every VM, the combined exit code and the summary. No /dev/kvm.
#include "core/machine/vm_set_run.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace svm {
namespace {

using namespace std::chrono_literals;
using Kind = RunOutcome::Kind;

// A VM that ends on its own with `own` (at once, or with `held` once release() is called), or
// earlier with whatever request_stop() gives it; without `own` only request_stop() ends it.
class FakeVm : public SetMember {
public:
    explicit FakeVm(std::optional<RunOutcome> own, bool held = false)
        : own_(std::move(own)), released_(!held) {}
    RunOutcome run() override {
        std::unique_lock lock(mutex_);
        running_ = true;
        cv_.notify_all();
        cv_.wait(lock, [this] { return stop_ || (own_ && released_); });
        return stop_ ? *stop_ : *own_;
    }
    void request_stop(RunOutcome outcome) override {
        std::lock_guard lock(mutex_);
        if (!stop_) stop_ = std::move(outcome);
        cv_.notify_all();
    }
    void release() {
        std::lock_guard lock(mutex_);
        released_ = true;
        cv_.notify_all();
    }
    void wait_running() {
        std::unique_lock lock(mutex_);
        cv_.wait(lock, [this] { return running_; });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    std::optional<RunOutcome> own_;
    std::optional<RunOutcome> stop_;
    bool released_, running_ = false;
};

RunOutcome exit_with(int code) {
    return {Kind::GuestExit, code, "the guest exited with code " + std::to_string(code), ""};
}
RunOutcome triple_fault() {
    return {Kind::TripleFault, exit_code::kTripleFault, "triple fault", "RIP 0x1000"};
}

struct Ends {
    std::mutex mutex;
    std::vector<std::string> order;  // names, in the order the loop reported them
};

VmSetRunOptions recording(Ends& ends, bool crash_ends_all = false) {
    VmSetRunOptions options;
    options.crash_ends_all = crash_ends_all;
    options.on_end = [&ends](const std::string& name, const RunOutcome&) {
        std::lock_guard lock(ends.mutex);
        ends.order.push_back(name);
    };
    return options;
}

// run_vm_set() leaves SIGINT, SIGTERM and SIGHUP blocked in its calling thread (svm's main thread
// reads them after the set too); each test puts the thread's mask back, so that later tests in
// this process (which fork children expecting default signal handling) are not affected.
class VmSetRun : public ::testing::Test {
protected:
    void SetUp() override { pthread_sigmask(SIG_SETMASK, nullptr, &saved_); }
    void TearDown() override { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
    sigset_t saved_;
};

TEST_F(VmSetRun, EachVmEndsOnItsOwnAndTheCodeIsTheFirstNonZeroInSetOrder) {
    auto a = std::make_unique<FakeVm>(exit_with(0));
    auto b = std::make_unique<FakeVm>(exit_with(3));
    std::vector<NamedMember> members;
    members.push_back({"a", std::move(a)});
    members.push_back({"b", std::move(b)});
    Ends ends;
    VmSetOutcome outcome = run_vm_set(std::move(members), recording(ends));
    ASSERT_EQ(outcome.vms.size(), 2u);
    EXPECT_EQ(outcome.vms[0].name, "a");
    EXPECT_EQ(outcome.vms[0].outcome.code, 0);
    EXPECT_EQ(outcome.vms[1].outcome.code, 3);
    EXPECT_EQ(outcome.code, 3);
    EXPECT_EQ(ends.order.size(), 2u);
    EXPECT_EQ(format_set_summary(outcome),
              "svm: 2 VMs: a the guest exited with code 0 (0), b the guest exited with code 3 "
              "(3); exit code 3");
}

// One VM triple-faults; the other keeps running until it ends on its own, later.
TEST_F(VmSetRun, ACrashEndsOnlyThatVm) {
    auto crasher = std::make_unique<FakeVm>(triple_fault());
    auto worker = std::make_unique<FakeVm>(exit_with(0), true);
    FakeVm* worker_ptr = worker.get();
    std::vector<NamedMember> members;
    members.push_back({"crasher", std::move(crasher)});
    members.push_back({"worker", std::move(worker)});
    Ends ends;
    VmSetOutcome outcome;
    std::thread loop([&] { outcome = run_vm_set(std::move(members), recording(ends)); });
    // The crasher is reported while the worker still runs.
    for (;;) {
        {
            std::lock_guard lock(ends.mutex);
            if (!ends.order.empty()) break;
        }
        std::this_thread::sleep_for(1ms);
    }
    {
        std::lock_guard lock(ends.mutex);
        EXPECT_EQ(ends.order, std::vector<std::string>{"crasher"});
    }
    worker_ptr->release();
    loop.join();
    EXPECT_EQ(outcome.vms[0].outcome.kind, Kind::TripleFault);
    EXPECT_EQ(outcome.vms[1].outcome.kind, Kind::GuestExit);
    EXPECT_EQ(outcome.code, exit_code::kTripleFault);
}

TEST_F(VmSetRun, CrashEndsAllStopsTheOthersAndKeepsTheCrashersCode) {
    auto runner = std::make_unique<FakeVm>(std::nullopt);  // never ends on its own
    auto crasher = std::make_unique<FakeVm>(triple_fault());
    std::vector<NamedMember> members;
    members.push_back({"runner", std::move(runner)});
    members.push_back({"crasher", std::move(crasher)});
    Ends ends;
    VmSetOutcome outcome = run_vm_set(std::move(members), recording(ends, true));
    EXPECT_EQ(outcome.vms[0].outcome.kind, Kind::StoppedBySet);
    EXPECT_EQ(outcome.vms[0].outcome.summary, "stopped because VM crasher crashed (--crash-ends-all)");
    EXPECT_EQ(outcome.vms[1].outcome.kind, Kind::TripleFault);
    // runner comes first in set order, but it was stopped by the set: the crash's code wins.
    EXPECT_EQ(outcome.code, exit_code::kTripleFault);
    EXPECT_EQ(ends.order, (std::vector<std::string>{"crasher", "runner"}));
}

// SIGINT to the process (blocked in every thread of the set, read by its signalfd) stops every
// VM with 130.
TEST_F(VmSetRun, SigintStopsEveryVm) {
    std::vector<NamedMember> members;
    std::vector<FakeVm*> vms;
    for (const char* name : {"one", "two", "three"}) {
        auto vm = std::make_unique<FakeVm>(std::nullopt);
        vms.push_back(vm.get());
        members.push_back({name, std::move(vm)});
    }
    // Block SIGINT here too, so that the default action cannot kill the test before the set's
    // loop blocks it (the loop's thread inherits this mask).
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    pthread_sigmask(SIG_BLOCK, &set, &old);
    Ends ends;
    VmSetOutcome outcome;
    std::thread loop([&] { outcome = run_vm_set(std::move(members), recording(ends)); });
    for (FakeVm* vm : vms) vm->wait_running();
    kill(getpid(), SIGINT);
    loop.join();
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
    for (const VmEnd& vm : outcome.vms) {
        EXPECT_EQ(vm.outcome.kind, Kind::Interrupted) << vm.name;
        EXPECT_EQ(vm.outcome.summary, "stopped by signal 2 (Interrupt)") << vm.name;
    }
    EXPECT_EQ(outcome.code, exit_code::kInterrupted);
}

// The shared standard output closed: the set's stop descriptor ends every VM with the outcome
// it supplies.
TEST_F(VmSetRun, StopDescriptorEndsEveryVmWithItsOutcome) {
    std::vector<NamedMember> members;
    std::vector<FakeVm*> vms;
    for (const char* name : {"p", "q"}) {
        auto vm = std::make_unique<FakeVm>(std::nullopt);
        vms.push_back(vm.get());
        members.push_back({name, std::move(vm)});
    }
    int stop_fd = eventfd(0, EFD_CLOEXEC);
    ASSERT_GE(stop_fd, 0);
    Ends ends;
    VmSetOutcome outcome;
    std::thread loop([&] {
        outcome = run_vm_set(std::move(members), recording(ends), stop_fd, [] {
            return RunOutcome{Kind::OutputClosed, exit_code::kOutputClosed, "closed", ""};
        });
    });
    for (FakeVm* vm : vms) vm->wait_running();
    uint64_t one = 1;
    ASSERT_EQ(write(stop_fd, &one, sizeof one), 8);
    loop.join();
    close(stop_fd);
    for (const VmEnd& vm : outcome.vms) EXPECT_EQ(vm.outcome.kind, Kind::OutputClosed);
    EXPECT_EQ(outcome.code, exit_code::kOutputClosed);
}

TEST_F(VmSetRun, CombinedExitCodeRule) {
    auto end = [](Kind kind, int code) { return VmEnd{"v", RunOutcome{kind, code, "", ""}}; };
    EXPECT_EQ(combined_exit_code({end(Kind::GuestExit, 0), end(Kind::PowerOff, 0)}), 0);
    EXPECT_EQ(combined_exit_code({end(Kind::GuestExit, 0), end(Kind::GuestExit, 5),
                                  end(Kind::TripleFault, 112)}),
              5);
    EXPECT_EQ(combined_exit_code({end(Kind::StoppedBySet, 130), end(Kind::Halted, 113)}), 113);
    EXPECT_EQ(combined_exit_code({end(Kind::StoppedBySet, 130), end(Kind::GuestExit, 0)}), 130);
    EXPECT_EQ(combined_exit_code({}), 0);
}

TEST_F(VmSetRun, IsCrashCoversTheGuestsAndKvmsFailuresOnly) {
    for (Kind kind : {Kind::TripleFault, Kind::Halted, Kind::EmulationFailure, Kind::EntryFailure,
                      Kind::InternalError})
        EXPECT_TRUE(is_crash(kind));
    for (Kind kind : {Kind::GuestExit, Kind::PowerOff, Kind::Reset, Kind::Timeout,
                      Kind::Interrupted, Kind::Killed, Kind::OutputClosed, Kind::StoppedBySet})
        EXPECT_FALSE(is_crash(kind));
}

TEST_F(VmSetRun, VmEndLinesNameTheVm) {
    EXPECT_EQ(format_vm_end("db", triple_fault()),
              "\nsvm: db: RIP 0x1000\nsvm: db: triple fault (exit code 112)");
    RunOutcome with_note = exit_with(0);
    with_note.note = "12 bytes of guest output were not written";
    EXPECT_EQ(format_vm_end("web", with_note),
              "svm: web: 12 bytes of guest output were not written\n"
              "svm: web: the guest exited with code 0 (exit code 0)");
}

}  // namespace
}  // namespace svm
