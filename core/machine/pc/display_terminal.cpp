#include "core/machine/pc/display_terminal.h"

#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "core/machine/pc/display_ansi.h"

namespace svm {

std::unique_ptr<TerminalDisplay> TerminalDisplay::start(std::shared_ptr<TextScreen> screen,
                                                        int fd) {
    winsize size{};
    if (!isatty(fd) || ioctl(fd, TIOCGWINSZ, &size) != 0) return nullptr;
    if (size.ws_col < TextSnapshot::kColumns || size.ws_row < kAnsiMinRows) return nullptr;
    std::unique_ptr<TerminalDisplay> display(new TerminalDisplay(std::move(screen), fd));
    display->write_all(ansi_enter(size.ws_row));
    display->draw();
    display->thread_ = std::thread([raw = display.get()] { raw->loop(); });
    return display;
}

TerminalDisplay::TerminalDisplay(std::shared_ptr<TextScreen> screen, int fd)
    : screen_(std::move(screen)), fd_(fd) {}

TerminalDisplay::~TerminalDisplay() {
    stop();
}

void TerminalDisplay::stop() {
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopped_ = stopping_ = true;
    }
    give_up_at_ns_.store(
        (std::chrono::steady_clock::now() + kStopWriteLimit).time_since_epoch().count(),
        std::memory_order_release);
    wake_.notify_all();
    if (thread_.joinable()) thread_.join();
    draw();
    write_all(ansi_leave());
}

void TerminalDisplay::loop() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
        wake_.wait_for(lock, std::chrono::milliseconds(kFrameMs), [this] { return stopping_; });
        if (stopping_) break;
        lock.unlock();
        draw();
        lock.lock();
    }
}

void TerminalDisplay::draw() {
    TextSnapshot now = screen_->snapshot();
    std::string frame = ansi_frame(shown_ ? &*shown_ : nullptr, now);
    shown_ = now;
    write_all(frame);
}

bool TerminalDisplay::out_of_time() const {
    return std::chrono::steady_clock::now().time_since_epoch().count() >=
           give_up_at_ns_.load(std::memory_order_acquire);
}

void TerminalDisplay::write_all(const std::string& bytes) {
    // One write() per frame where the terminal takes it: the tty layer does not interleave
    // another writer's bytes (the serial console) inside one write call, so serial output never
    // lands between a frame's cursor save and restore. A terminal whose output is stopped
    // (Ctrl-S) or full does not poll writable, so the renderer waits in poll(), where stop()'s
    // deadline can reach it, not in write().
    constexpr int kPollSliceMs = 20;
    size_t done = 0;
    while (done < bytes.size()) {
        pollfd pfd{fd_, POLLOUT, 0};
        int ready = poll(&pfd, 1, kPollSliceMs);
        if (ready < 0 && errno != EINTR) return;
        if (ready <= 0) {
            if (out_of_time()) return;
            continue;
        }
        ssize_t n = ::write(fd_, bytes.data() + done, bytes.size() - done);
        if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
        if (n <= 0) return;
        done += static_cast<size_t>(n);
    }
}

}  // namespace svm
