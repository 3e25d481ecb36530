#include "core/task_mailbox.h"

#include <algorithm>

namespace svm {

namespace {

thread_local TaskMailbox* t_own_mailbox = nullptr;

}  // namespace

void TaskMailbox::bind_to_this_thread() {
    t_own_mailbox = this;
}

TaskMailbox* TaskMailbox::current() {
    return t_own_mailbox;
}

Result<void> TaskMailbox::call(Task task, std::optional<Clock::time_point> deadline) {
    TaskMailbox* own = current();
    if (own == this) return task();  // the owner asking itself: nobody else would run it
    auto entry = std::make_shared<Entry>();
    entry->task = std::move(task);
    {
        std::lock_guard lock(mutex_);
        if (closed_) return error("{} has ended", name_);
        queue_.push_back(entry);
    }
    wake_();
    for (;;) {
        {
            std::unique_lock lock(mutex_);
            auto done = [&] { return entry->status == Status::Done; };
            if (done()) return std::move(entry->result);
            if (entry->status == Status::Queued) {
                const bool late = deadline && Clock::now() >= *deadline;
                const bool cancelled = own && own->waits_cancelled();
                if (late || cancelled) {
                    queue_.erase(std::find(queue_.begin(), queue_.end(), entry));
                    if (late) return error("{} did not answer in time", name_);
                    return error("gave up waiting for {}: stopping", name_);
                }
            }
            if (!own) {
                // A task that has started is waited for to the end (it may use our stack).
                if (deadline && entry->status == Status::Queued)
                    done_.wait_until(lock, *deadline, done);
                else
                    done_.wait(lock, done);
                continue;
            }
            done_.wait_for(lock, kServeSlice, done);
            if (done()) continue;
        }
        own->run_pending();  // our own callers must not wait for us while we wait
    }
}

bool TaskMailbox::run_one() {
    std::shared_ptr<Entry> entry;
    {
        std::lock_guard lock(mutex_);
        if (queue_.empty()) return false;
        entry = std::move(queue_.front());
        queue_.pop_front();
        entry->status = Status::Running;
    }
    Result<void> result = entry->task();
    {
        std::lock_guard lock(mutex_);
        entry->result = std::move(result);
        entry->status = Status::Done;
        entry->task = nullptr;
    }
    done_.notify_all();
    return true;
}

size_t TaskMailbox::run_pending() {
    size_t ran = 0;
    while (run_one()) ++ran;
    return ran;
}

bool TaskMailbox::has_pending() const {
    std::lock_guard lock(mutex_);
    return !queue_.empty();
}

void TaskMailbox::close() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    run_pending();
}

void TaskMailbox::cancel_waits() {
    waits_cancelled_.store(true, std::memory_order_release);
}

}  // namespace svm
