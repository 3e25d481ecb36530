// An I/O thread: sleeps in epoll_wait(2) on a set of eventfds and runs each one's handler when it
// is signalled. Virtio devices do their work here: KVM signals a queue's eventfd when the guest
// writes its doorbell (an ioeventfd, KVM api.rst 4.59), so the vCPU that notified goes straight
// back to the guest while this thread reads and writes the disk or the network.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace svm {

class IoThread {
public:
    // Creates the epoll set and the stop eventfd, without starting the thread. `name` (at most
    // 15 bytes are used) names the thread for `top -H` and gdb. Returns an error naming errno.
    static Result<std::unique_ptr<IoThread>> create(std::string name);
    // Stops the thread (stop()).
    ~IoThread();
    IoThread(const IoThread&) = delete;
    IoThread& operator=(const IoThread&) = delete;

    // Creates an eventfd (EFD_NONBLOCK | EFD_CLOEXEC) owned by this thread and watches it: each
    // time it becomes readable the thread reads (resets) its counter and calls `handler` once,
    // however many times it was signalled. Any time, from any thread; handlers of one IoThread
    // never run concurrently. Returns the eventfd (valid as long as this object), or an error
    // naming errno.
    Result<int> add_eventfd(std::function<void()> handler);

    // Starts the thread. Returns an error if it cannot be created or already runs.
    Result<void> start();
    // Ends the thread: the handlers of eventfds that were already signalled run once more (a
    // request the guest made before svm stopped is completed), then the thread is joined.
    // Idempotent; not from a handler.
    void stop();

private:
    struct Watch {
        UniqueFd fd;
        std::function<void()> handler;
    };
    IoThread(UniqueFd epoll, UniqueFd stop, std::string name)
        : epoll_(std::move(epoll)), stop_fd_(std::move(stop)), name_(std::move(name)) {}
    void loop();
    // Waits up to `timeout_ms` (-1 = forever) and runs the handlers of the ready eventfds.
    // Returns false once the stop eventfd was seen.
    bool poll_once(int timeout_ms);

    UniqueFd epoll_;
    UniqueFd stop_fd_;
    std::string name_;
    std::mutex mutex_;                           // guards watches_ (growing only)
    std::vector<std::unique_ptr<Watch>> watches_;  // epoll data points at them
    std::thread thread_;
    std::atomic<bool> stopped_{false};
};

}  // namespace svm
