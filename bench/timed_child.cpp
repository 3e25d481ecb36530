#include "bench/timed_child.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

extern char** environ;

namespace svm::bench {

using Clock = std::chrono::steady_clock;

namespace {

Clock::time_point deadline_after(double seconds) {
    return Clock::now() + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
}

int exit_code_of(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return -1;
}

}  // namespace

Result<std::unique_ptr<TimedChild>> TimedChild::spawn(const std::vector<std::string>& argv,
                                                      Options options) {
    SVM_ASSERT(!argv.empty());
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return error("pipe2 failed: {}", std::strerror(errno));
    UniqueFd read_end(out[0]), write_end(out[1]);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    if (options.quiet_stderr)
        posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);

    pid_t pid;
    auto start = Clock::now();
    int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) return error("cannot start {}: {}", argv[0], std::strerror(rc));
    write_end.reset();  // the child holds the only write end: EOF when it ends
    return std::unique_ptr<TimedChild>(new TimedChild(pid, std::move(read_end), start));
}

TimedChild::~TimedChild() {
    kill();
}

double TimedChild::seconds_since_start() const {
    return std::chrono::duration<double>(Clock::now() - start_).count();
}

Result<size_t> TimedChild::read_chunk(Clock::time_point deadline) {
    for (;;) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
        if (left.count() <= 0) return error("timed out waiting for output");
        pollfd pfd{out_.get(), POLLIN, 0};
        int r = poll(&pfd, 1, static_cast<int>(left.count()) + 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) return error("poll failed: {}", std::strerror(errno));
        if (r == 0) continue;
        char buf[4096];
        ssize_t n = ::read(out_.get(), buf, sizeof buf);
        double now = seconds_since_start();
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return error("read failed: {}", std::strerror(errno));
        output_.append(buf, static_cast<size_t>(n));
        arrival_.insert(arrival_.end(), static_cast<size_t>(n), now);
        return static_cast<size_t>(n);
    }
}

Result<double> TimedChild::wait_for_byte(std::optional<unsigned char> byte, double timeout_s) {
    auto deadline = deadline_after(timeout_s);
    for (;;) {
        for (; scanned_ < output_.size(); ++scanned_) {
            if (!byte || static_cast<unsigned char>(output_[scanned_]) == *byte)
                return arrival_[scanned_++];
        }
        if (!out_) return error("output ended before the byte arrived");
        size_t n = TRY(read_chunk(deadline));
        if (n == 0) out_.reset();
    }
}

Result<int> TimedChild::wait_exit(double timeout_s) {
    auto deadline = deadline_after(timeout_s);
    while (out_) {
        auto n = read_chunk(deadline);
        if (!n) {
            kill();
            return std::unexpected(n.error());
        }
        if (*n == 0) out_.reset();
    }
    // Output ended: the child closed stdout, so it has ended or is about to. Wait on a pidfd
    // (pidfd_open(2), Linux 5.3) rather than polling waitpid.
    UniqueFd pidfd(static_cast<int>(syscall(SYS_pidfd_open, pid_, 0)));
    if (pidfd) {
        pollfd pfd{pidfd.get(), POLLIN, 0};
        for (;;) {
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            if (left.count() <= 0) {
                kill();
                return error("timed out waiting for the process to end");
            }
            int r = poll(&pfd, 1, static_cast<int>(left.count()) + 1);
            if (r > 0) break;
            if (r < 0 && errno != EINTR) return error("poll failed: {}", std::strerror(errno));
        }
    }
    int status;
    rusage usage{};
    pid_t r;
    while ((r = wait4(pid_, &status, 0, &usage)) < 0 && errno == EINTR) {
    }
    if (r != pid_) return error("wait4 failed: {}", std::strerror(errno));
    exit_time_ = seconds_since_start();
    user_cpu_s_ = static_cast<double>(usage.ru_utime.tv_sec) + usage.ru_utime.tv_usec * 1e-6;
    system_cpu_s_ = static_cast<double>(usage.ru_stime.tv_sec) + usage.ru_stime.tv_usec * 1e-6;
    reaped_ = true;
    return exit_code_of(status);
}

void TimedChild::kill() {
    if (reaped_) return;
    ::kill(pid_, SIGKILL);
    int status;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
}

}  // namespace svm::bench
