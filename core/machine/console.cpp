#include "core/machine/console.h"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/machine/raw_terminal.h"

namespace svm {

namespace {

void on_interrupt_signal(int) {
    // Nothing to do: the signal only makes the writer thread's write(2) return (EINTR or a short
    // count) so that it looks at abandon_flag_ again.
}

void install_interrupt_handler() {
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa {};
        sa.sa_handler = on_interrupt_signal;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = 0;  // no SA_RESTART: a blocked write(2) must return
        sigaction(Console::interrupt_signal(), &sa, nullptr);
    });
}

// How often abandon() interrupts a writer thread that is still inside write(2): the signal can
// arrive just before the thread enters the call, so it is repeated until the thread has left.
constexpr auto kInterruptRetry = std::chrono::milliseconds(2);

}  // namespace

int Console::interrupt_signal() {
    // SIGRTMIN kicks vCPUs (core/kvm/vcpu.cpp); glibc keeps the two below SIGRTMIN for itself.
    return SIGRTMIN + 1;
}

Result<std::unique_ptr<Console>> Console::create(const std::string& spec, bool read_stdin) {
    std::unique_ptr<Console> console(new Console());
    console->has_input_ = read_stdin;
    if (spec == "stdio") {
        console->has_input_ = true;
        console->start_writer(STDOUT_FILENO, "standard output", kBufferSize);
    } else if (spec.starts_with("file:")) {
        std::string path = spec.substr(5);
        if (path.empty()) return error("--serial file: needs a path, e.g. file:serial.log");
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
        if (fd < 0)
            return error("cannot open serial output file '{}': {}", path, std::strerror(errno));
        console->owned_out_.reset(fd);
        console->start_writer(fd, fmt::format("serial output file '{}'", path), kBufferSize);
    } else if (spec != "none") {
        return error("unknown --serial backend '{}' (use stdio, file:PATH or none)", spec);
    }
    return console;
}

std::unique_ptr<Console> Console::create_for_fd(int fd, std::string name, size_t capacity) {
    std::unique_ptr<Console> console(new Console());
    console->start_writer(fd, std::move(name), capacity);
    return console;
}

std::unique_ptr<Console> Console::create_forwarding(Forward forward, bool read_stdin) {
    std::unique_ptr<Console> console(new Console());
    console->forward_ = std::move(forward);
    console->has_input_ = read_stdin;
    return console;
}

void Console::start_writer(int fd, std::string name, size_t capacity) {
    SVM_ASSERT(capacity > 0);
    out_fd_ = fd;
    out_name_ = std::move(name);
    ring_.resize(capacity);
    drained_fd_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    wake_writer_fd_.reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    install_interrupt_handler();
    // The writer thread takes no signal but its interrupt: SIGINT and friends stay with the
    // thread that reads them (Machine::run's signalfd), and with SIGPIPE blocked a write to a
    // pipe whose reader left fails with EPIPE instead of killing svm.
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, interrupt_signal());
    pthread_sigmask(SIG_SETMASK, &all, &old);
    writer_ = std::thread([this] { writer_loop(); });
    pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

Console::~Console() {
    abandon();
    stop_input();
    raw_terminal::restore();
}

void Console::set_output_closed_handler(std::function<void()> handler) {
    std::lock_guard lock(mutex_);
    on_closed_ = std::move(handler);
}

size_t Console::append_locked(std::span<const uint8_t> bytes) {
    const size_t capacity = ring_.size();
    size_t n = std::min(bytes.size(), capacity - size_);
    size_t tail = (head_ + size_) % capacity;
    size_t first = std::min(n, capacity - tail);
    std::memcpy(ring_.data() + tail, bytes.data(), first);
    std::memcpy(ring_.data(), bytes.data() + first, n - first);
    size_ += n;
    return n;
}

void Console::write(std::span<const uint8_t> bytes, bool wait_for_room) {
    if (forward_) {
        if (!bytes.empty()) forward_(bytes, wait_for_room && !stop_flag_.load());
        return;
    }
    if (out_fd_ < 0 || bytes.empty()) return;
    std::unique_lock lock(mutex_);
    bool my_turn = false;
    bool appended = false;
    while (!bytes.empty()) {
        if (closed_) break;  // the reader went away: nothing more will be written
        if (abandoned_ || failure_errno_) {
            unwritten_ += bytes.size();
            break;
        }
        if (stopping_ || !wait_for_room) {
            // Never wait once the machine stops: keep what fits, count the rest.
            size_t n = append_locked(bytes);
            appended |= n > 0;
            unwritten_ += bytes.size() - n;
            break;
        }
        if (turn_taken_ && !my_turn) {
            // Another write() is part-way through its unit: wait for it to finish.
            space_cv_.wait(lock);
            continue;
        }
        // A unit that fits in the ring goes in whole; a larger one goes in as room appears,
        // holding the turn so that no other output lands inside it.
        const size_t room = ring_.size() - size_;
        if (room == 0 || (bytes.size() <= ring_.size() && room < bytes.size())) {
            turn_taken_ = my_turn = true;
            if (appended) data_cv_.notify_one();
            space_cv_.wait(lock);
            continue;
        }
        size_t n = append_locked(bytes);
        bytes = bytes.subspan(n);
        appended = true;
    }
    if (my_turn) {
        turn_taken_ = false;
        space_cv_.notify_all();
    }
    if (appended) data_cv_.notify_one();
}

void Console::stop_waiting() {
    stop_flag_.store(true);
    std::lock_guard lock(mutex_);
    stopping_ = true;
    space_cv_.notify_all();
}

ssize_t Console::write_some(const uint8_t* data, size_t len) {
    for (;;) {
        if (abandon_flag_.load(std::memory_order_acquire)) return 0;
        ssize_t n = ::write(out_fd_, data, len);
        if (n > 0) return n;
        if (n == 0) return -EIO;       // write(2) takes at least a byte of a non-empty buffer
        if (errno == EINTR) continue;  // a signal: look at abandon_flag_, then retry
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            // A non-blocking fd (stdout may have been left O_NONBLOCK by another program) that is
            // full: wait for room, or for abandon().
            pollfd fds[2] = {{out_fd_, POLLOUT, 0}, {wake_writer_fd_.get(), POLLIN, 0}};
            poll(fds, 2, -1);
            continue;
        }
        return -errno;
    }
}

void Console::writer_loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
        data_cv_.wait(lock, [this] { return size_ > 0 || abandoned_; });
        if (abandoned_) break;
        // Only this thread consumes from the ring, and write() only fills the free part, so the
        // queued bytes can be read without the lock.
        const uint8_t* data = ring_.data() + head_;
        const size_t len = std::min(size_, ring_.size() - head_);
        lock.unlock();
        const ssize_t n = write_some(data, len);
        lock.lock();
        if (n > 0) {
            head_ = (head_ + static_cast<size_t>(n)) % ring_.size();
            size_ -= static_cast<size_t>(n);
            space_cv_.notify_all();
            if (size_ == 0 && drain_waiting_) {
                uint64_t one = 1;
                [[maybe_unused]] ssize_t r = ::write(drained_fd_.get(), &one, sizeof one);
            }
            continue;
        }
        if (n == 0) break;  // abandoned
        // The destination failed: nothing more can be written.
        if (n == -EPIPE) {
            closed_ = true;
        } else {
            failure_errno_ = static_cast<int>(-n);
            unwritten_ += size_;
        }
        size_ = 0;
        space_cv_.notify_all();
        std::function<void()> on_closed = closed_ ? on_closed_ : nullptr;
        lock.unlock();
        uint64_t one = 1;
        [[maybe_unused]] ssize_t r = ::write(drained_fd_.get(), &one, sizeof one);
        if (on_closed) on_closed();
        lock.lock();
        break;
    }
    // Whatever is still queued will never be written.
    unwritten_ += size_;
    size_ = 0;
    writer_done_ = true;
    done_cv_.notify_all();
    space_cv_.notify_all();
}

bool Console::drain(int cancel_fd, std::optional<Clock::time_point> deadline) {
    if (!writer_.joinable()) return true;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (size_ == 0 || writer_done_) {
                drain_waiting_ = false;
                return size_ == 0;
            }
            drain_waiting_ = true;
        }
        int timeout_ms = -1;
        if (deadline) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
            if (left.count() <= 0) return false;
            timeout_ms = static_cast<int>(std::min<int64_t>(left.count(), 1000 * 1000));
        }
        pollfd fds[2] = {{drained_fd_.get(), POLLIN, 0}, {cancel_fd, POLLIN, 0}};
        int r = poll(fds, cancel_fd >= 0 ? 2 : 1, timeout_ms);
        if (r < 0 && errno != EINTR) return false;
        if (r > 0 && cancel_fd >= 0 && (fds[1].revents & POLLIN)) return false;
        if (r > 0 && (fds[0].revents & POLLIN)) {
            uint64_t count;
            [[maybe_unused]] ssize_t n = ::read(drained_fd_.get(), &count, sizeof count);
        }
    }
}

void Console::abandon() {
    if (!writer_.joinable()) return;
    {
        std::lock_guard lock(mutex_);
        abandoned_ = stopping_ = true;
        abandon_flag_.store(true, std::memory_order_release);
        data_cv_.notify_all();
        space_cv_.notify_all();
    }
    uint64_t one = 1;
    [[maybe_unused]] ssize_t r = ::write(wake_writer_fd_.get(), &one, sizeof one);
    // The writer may be blocked in write(2) on a destination that does not drain.
    std::unique_lock lock(mutex_);
    while (!writer_done_) {
        pthread_kill(writer_.native_handle(), interrupt_signal());
        done_cv_.wait_for(lock, kInterruptRetry);
    }
    lock.unlock();
    writer_.join();
}

uint64_t Console::unwritten_bytes() const {
    std::lock_guard lock(mutex_);
    return unwritten_;
}

bool Console::output_closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
}

std::string Console::unwritten_report() const {
    std::lock_guard lock(mutex_);
    if (unwritten_ == 0) return "";
    std::string what = fmt::format("{} byte{} of guest output {} not written", unwritten_,
                                   unwritten_ == 1 ? "" : "s", unwritten_ == 1 ? "was" : "were");
    if (failure_errno_)
        return fmt::format("{}: writing to {} failed: {}", what, out_name_,
                           std::strerror(failure_errno_));
    return fmt::format("{}: {} did not drain", what, out_name_);
}

void Console::start_input(std::function<void(std::span<const uint8_t>)> on_input) {
    if (!has_input_ || input_thread_.joinable()) return;
    int fd = eventfd(0, EFD_CLOEXEC);
    if (fd < 0) return;
    wake_fd_.reset(fd);
    on_input_ = std::move(on_input);
    raw_terminal::enter();
    input_thread_ = std::thread([this] { input_loop(); });
}

void Console::input_loop() {
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {wake_fd_.get(), POLLIN, 0}};
    uint8_t buf[256];
    for (;;) {
        if (poll(fds, 2, -1) < 0) {
            if (errno == EINTR) continue;
            return;
        }
        if (fds[1].revents) return;
        if (!(fds[0].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        ssize_t n = ::read(STDIN_FILENO, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;  // end of input: the guest simply gets no more bytes
        on_input_(std::span<const uint8_t>(buf, static_cast<size_t>(n)));
    }
}

void Console::stop_input() {
    if (!input_thread_.joinable()) return;
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_.get(), &one, sizeof one);
    input_thread_.join();
}

}  // namespace svm
