#include "core/task_mailbox.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

namespace svm {
namespace {

using namespace std::chrono_literals;

// A thread shaped like a vCPU thread: it owns a mailbox, runs the tasks posted to it while it is
// idle, and runs `exit_handler` once when told to (as a vCPU handles an exit: without looking at
// its mailbox unless the handler waits through TaskMailbox).
class Worker {
public:
    explicit Worker(std::string name)
        : mailbox_(std::move(name), [this] {
              std::lock_guard lock(mutex_);
              cv_.notify_all();
          }) {}
    ~Worker() {
        {
            std::lock_guard lock(mutex_);
            quit_ = true;
            cv_.notify_all();
        }
        if (thread_.joinable()) thread_.join();
    }

    void start() {
        thread_ = std::thread([this] {
            mailbox_.bind_to_this_thread();
            std::unique_lock lock(mutex_);
            for (;;) {
                cv_.wait(lock, [&] { return quit_ || handler_ || mailbox_.has_pending(); });
                if (handler_) {
                    auto handler = std::move(handler_);
                    handler_ = nullptr;
                    lock.unlock();
                    handler();
                    lock.lock();
                    continue;
                }
                if (mailbox_.has_pending()) {
                    lock.unlock();
                    mailbox_.run_pending();
                    lock.lock();
                    continue;
                }
                if (quit_) break;
            }
            lock.unlock();
            mailbox_.close();
        });
    }

    // Makes the worker run `handler` on its thread, as if a VM exit had happened.
    void handle_exit(std::function<void()> handler) {
        std::lock_guard lock(mutex_);
        handler_ = std::move(handler);
        cv_.notify_all();
    }

    TaskMailbox& mailbox() { return mailbox_; }
    std::thread::id id() const { return thread_.get_id(); }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    bool quit_ = false;
    std::function<void()> handler_;
    TaskMailbox mailbox_;
    std::thread thread_;
};

// Waits for `future` for at most `limit`; a test that would otherwise hang fails instead.
template <typename T>
bool ready_within(std::future<T>& future, std::chrono::milliseconds limit) {
    return future.wait_for(limit) == std::future_status::ready;
}

TEST(TaskMailbox, CallRunsTheTaskOnTheOwnerThread) {
    Worker worker("w");
    worker.start();
    std::thread::id ran_on;
    auto r = worker.mailbox().call([&]() -> Result<void> {
        ran_on = std::this_thread::get_id();
        return {};
    });
    ASSERT_TRUE(r);
    EXPECT_EQ(ran_on, worker.id());
}

TEST(TaskMailbox, TheTaskErrorIsReturned) {
    Worker worker("w");
    worker.start();
    auto r = worker.mailbox().call([]() -> Result<void> { return error("no such register"); });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "no such register");
}

// Two SVM_HC_START_CPU calls aimed at each other: each worker, inside its exit handler, asks the
// other for something and waits. With a plain wait both would wait forever.
TEST(TaskMailbox, TwoWorkersAskingEachOtherBothFinish) {
    Worker a("vCPU 0"), b("vCPU 1");
    a.start();
    b.start();
    std::promise<bool> a_done, b_done;
    auto a_future = a_done.get_future(), b_future = b_done.get_future();
    std::atomic<int> ran_on_a{0}, ran_on_b{0};
    a.handle_exit([&] {
        auto r = b.mailbox().call([&]() -> Result<void> {
            ++ran_on_b;
            return {};
        });
        a_done.set_value(r.has_value());
    });
    b.handle_exit([&] {
        auto r = a.mailbox().call([&]() -> Result<void> {
            ++ran_on_a;
            return {};
        });
        b_done.set_value(r.has_value());
    });
    ASSERT_TRUE(ready_within(a_future, 5000ms)) << "vCPU 0 waits forever for vCPU 1";
    ASSERT_TRUE(ready_within(b_future, 5000ms)) << "vCPU 1 waits forever for vCPU 0";
    EXPECT_TRUE(a_future.get());
    EXPECT_TRUE(b_future.get());
    EXPECT_EQ(ran_on_a, 1);
    EXPECT_EQ(ran_on_b, 1);
}

// A worker that waits for another worker through wait_serving (as Vcpu::wait_paused does in a
// debugger stop) still answers a third thread's request.
TEST(TaskMailbox, WaitServingRunsOwnTasks) {
    Worker a("vCPU 0");
    a.start();
    std::mutex mutex;
    std::condition_variable cv;
    bool other_paused = false;
    std::promise<void> waited;
    auto waited_future = waited.get_future();
    a.handle_exit([&] {
        std::unique_lock lock(mutex);
        TaskMailbox::wait_serving(lock, cv, [&] { return other_paused; });
        waited.set_value();
    });
    // The "other vCPU" needs an answer from vCPU 0 before it can pause.
    std::atomic<bool> answered{false};
    auto r = a.mailbox().call([&]() -> Result<void> {
        answered = true;
        return {};
    });
    ASSERT_TRUE(r);
    EXPECT_TRUE(answered);
    {
        std::lock_guard lock(mutex);
        other_paused = true;
        cv.notify_all();
    }
    EXPECT_TRUE(ready_within(waited_future, 5000ms));
}

// The main thread must never wait on a stuck vCPU: a task that has not started by the deadline
// is withdrawn and never runs.
TEST(TaskMailbox, DeadlineWithdrawsATaskThatHasNotStarted) {
    Worker stuck("vCPU 3");
    stuck.start();
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    stuck.handle_exit([released] { released.wait(); });  // e.g. blocked in an exit handler
    std::this_thread::sleep_for(10ms);
    std::atomic<bool> ran{false};
    const auto started = TaskMailbox::Clock::now();
    auto r = stuck.mailbox().call(
        [&]() -> Result<void> {
            ran = true;
            return {};
        },
        started + 50ms);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "vCPU 3 did not answer in time");
    EXPECT_GE(TaskMailbox::Clock::now() - started, 50ms);
    release.set_value();
    // Give the worker the chance to run anything still queued: the withdrawn task must not run
    // (it refers to the caller's stack, which is gone by then).
    ASSERT_TRUE(stuck.mailbox().call([] { return Result<void>{}; }));
    EXPECT_FALSE(ran);
    EXPECT_FALSE(stuck.mailbox().has_pending());
}

// A task that has started is waited for to the end even past the deadline: it may use the
// caller's stack.
TEST(TaskMailbox, ATaskThatHasStartedIsWaitedFor) {
    Worker worker("w");
    worker.start();
    std::atomic<bool> finished{false};
    auto r = worker.mailbox().call(
        [&]() -> Result<void> {
            std::this_thread::sleep_for(100ms);
            finished = true;
            return {};
        },
        TaskMailbox::Clock::now() + 20ms);
    EXPECT_TRUE(r);
    EXPECT_TRUE(finished);
}

// A worker being stopped gives up waiting for another one that never answers.
TEST(TaskMailbox, CancelWaitsReleasesAWaitingWorker) {
    Worker a("vCPU 0"), stuck("vCPU 1");
    a.start();
    stuck.start();
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    stuck.handle_exit([released] { released.wait(); });
    std::promise<std::string> outcome;
    auto outcome_future = outcome.get_future();
    a.handle_exit([&] {
        auto r = stuck.mailbox().call([] { return Result<void>{}; });
        outcome.set_value(r ? "ok" : r.error().message);
    });
    std::this_thread::sleep_for(20ms);
    EXPECT_FALSE(ready_within(outcome_future, 0ms));
    a.mailbox().cancel_waits();
    ASSERT_TRUE(ready_within(outcome_future, 5000ms));
    EXPECT_EQ(outcome_future.get(), "gave up waiting for vCPU 1: stopping");
    release.set_value();
}

TEST(TaskMailbox, ClosedMailboxRefusesAndCloseRunsWhatWasQueued) {
    TaskMailbox mailbox("vCPU 5", [] {});
    // No owner thread: post from another thread, then close as the owner would when it ends.
    std::atomic<bool> ran{false};
    auto caller = std::async(std::launch::async, [&] {
        return mailbox.call([&]() -> Result<void> {
            ran = true;
            return {};
        });
    });
    while (!mailbox.has_pending()) std::this_thread::sleep_for(1ms);
    mailbox.close();
    EXPECT_TRUE(caller.get());
    EXPECT_TRUE(ran);
    auto r = mailbox.call([] { return Result<void>{}; });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "vCPU 5 has ended");
}

TEST(TaskMailbox, TheOwnerAskingItselfRunsInline) {
    Worker worker("w");
    worker.start();
    std::promise<bool> done;
    auto future = done.get_future();
    worker.handle_exit([&] {
        bool inner = false;
        auto r = worker.mailbox().call([&]() -> Result<void> {
            inner = true;
            return {};
        });
        done.set_value(r && inner);
    });
    ASSERT_TRUE(ready_within(future, 5000ms));
    EXPECT_TRUE(future.get());
}

}  // namespace
}  // namespace svm
