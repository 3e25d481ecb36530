// A queue of tasks that other threads hand to one worker thread (a vCPU thread) and wait for.
//
// The waits are where svm could hang, so they follow two rules (docs/reliability.md, "Waits"):
//  - A worker thread that waits for another worker keeps running the tasks posted to its own
//    mailbox while it waits. Two vCPUs that ask each other for something at the same time (two
//    SVM_HC_START_CPU calls aimed at each other, a debugger stop that meets a START_CPU) both
//    make progress instead of waiting on each other forever.
//  - Every other wait can be bounded: a caller (the main thread) gives a deadline, and a task
//    that has not started by then is withdrawn, so the caller never waits on a thread that is
//    itself stuck. A task that has started is always waited for: it may refer to the caller's
//    stack, and tasks are short (a few ioctls).
//
// Lock order: the mailbox's mutex is a leaf lock. It is never held while a task runs or while
// the wake callback runs, and code holding it takes no other lock.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/result.h"

namespace svm {

class TaskMailbox {
public:
    using Task = std::function<Result<void>()>;
    using Clock = std::chrono::steady_clock;

    // `wake` is called (without the mailbox's lock) after a task was queued, so that the owner
    // thread notices it: it should notify the owner's condition variable and kick it out of
    // KVM_RUN.
    // `name` (e.g. "vCPU 2") is used in the mailbox's own errors.
    TaskMailbox(std::string name, std::function<void()> wake)
        : name_(std::move(name)), wake_(std::move(wake)) {}
    TaskMailbox(const TaskMailbox&) = delete;
    TaskMailbox& operator=(const TaskMailbox&) = delete;

    // Makes this mailbox the calling thread's own: from now on call() and wait_serving() on
    // this thread run its tasks while they wait. Called once by the owner thread, first thing.
    void bind_to_this_thread();
    // The mailbox bound to the calling thread, or null (main thread, gdb server thread).
    static TaskMailbox* current();

    // Runs `task` on the owner thread and returns what it returned. Called on the owner thread
    // itself, it runs the task at once. Waits until the task has run, except that a task not
    // yet started is withdrawn, and an error returned, when `deadline` passes or when the
    // caller's own mailbox has had cancel_waits() called (the caller is a worker that is being
    // stopped). Returns an error without running anything once the mailbox is closed.
    Result<void> call(Task task, std::optional<Clock::time_point> deadline = std::nullopt);

    // Owner thread: runs the queued tasks in order. Returns how many ran.
    size_t run_pending();
    // Any thread: true if a task waits to run.
    bool has_pending() const;
    // Owner thread, when it ends: refuses new tasks and runs the ones already queued, so that
    // no caller waits forever.
    void close();
    // Any thread: the owner is being stopped; its own waits for other workers give up on
    // tasks that have not started (call() returns an error). Not undone.
    void cancel_waits();
    bool waits_cancelled() const { return waits_cancelled_.load(std::memory_order_acquire); }

    // Waits on `cv` (with `lock` held, as std::condition_variable::wait) until `ready()`. If
    // the calling thread owns a mailbox, it runs that mailbox's tasks while it waits (the lock
    // is released around them), so that a worker waiting for another worker never blocks a
    // third one that waits for it.
    template <typename Ready>
    static void wait_serving(std::unique_lock<std::mutex>& lock, std::condition_variable& cv,
                             Ready ready) {
        TaskMailbox* own = current();
        if (!own) {
            cv.wait(lock, ready);
            return;
        }
        while (!ready()) {
            if (own->has_pending()) {
                lock.unlock();
                own->run_pending();
                lock.lock();
                continue;
            }
            // Posts to our own mailbox notify our owner's condition variable, not `cv`: look
            // again after a short slice.
            cv.wait_for(lock, kServeSlice);
        }
    }

    // How often a waiting worker looks at its own mailbox.
    static constexpr std::chrono::milliseconds kServeSlice{1};

private:
    enum class Status { Queued, Running, Done };
    struct Entry {
        Task task;
        Status status = Status::Queued;
        Result<void> result;
    };

    // Runs one queued entry, if any (owner thread). Returns false if there was none.
    bool run_one();

    std::string name_;
    std::function<void()> wake_;
    mutable std::mutex mutex_;  // leaf lock
    std::condition_variable done_;
    std::deque<std::shared_ptr<Entry>> queue_;  // guarded by mutex_
    bool closed_ = false;                       // guarded by mutex_
    std::atomic<bool> waits_cancelled_{false};
};

}  // namespace svm
