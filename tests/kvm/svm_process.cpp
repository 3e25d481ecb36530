#include "svm_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>

extern char** environ;

namespace svm::test {

ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input,
                          double timeout_seconds) {
    ProcessResult result;
    int in[2], out[2], err[2];
    if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return result;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid;
    int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
        close(in[1]);
        close(out[0]);
        close(err[0]);
        result.err = std::string("spawn failed: ") + std::strerror(rc);
        return result;
    }
    signal(SIGPIPE, SIG_IGN);
    if (!input.empty()) {
        [[maybe_unused]] ssize_t n = write(in[1], input.data(), input.size());
    }
    close(in[1]);

    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    std::string* sinks[2] = {&result.out, &result.err};
    int open_fds = 2;
    while (open_fds > 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            kill(pid, SIGKILL);
            break;
        }
        if (poll(fds, 2, static_cast<int>(left.count())) < 0) break;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || !fds[i].revents) continue;
            char buf[4096];
            ssize_t n = read(fds[i].fd, buf, sizeof buf);
            if (n <= 0) {
                close(fds[i].fd);
                fds[i].fd = -1;
                --open_fds;
            } else {
                sinks[i]->append(buf, static_cast<size_t>(n));
            }
        }
    }
    for (auto& f : fds)
        if (f.fd >= 0) close(f.fd);
    int status = 0;
    waitpid(pid, &status, 0);
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

ProcessResult run_svm(const std::vector<std::string>& args, const std::string& input,
                      double timeout_seconds) {
    std::vector<std::string> argv{SVM_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    return run_process(argv, input, timeout_seconds);
}

std::unique_ptr<SvmChild> SvmChild::start(const std::vector<std::string>& args, int stdin_fd) {
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) return nullptr;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    if (stdin_fd >= 0)
        posix_spawn_file_actions_adddup2(&actions, stdin_fd, 0);
    else
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    std::vector<std::string> argv{SVM_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargs;
    for (const auto& a : argv) cargs.push_back(const_cast<char*>(a.c_str()));
    cargs.push_back(nullptr);
    pid_t pid;
    int rc = posix_spawn(&pid, cargs[0], &actions, nullptr, cargs.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    close(err[1]);
    if (rc != 0) {
        close(out[0]);
        close(err[0]);
        return nullptr;
    }
    std::unique_ptr<SvmChild> child(new SvmChild());
    child->pid_ = pid;
    child->out_ = out[0];
    child->err_ = err[0];
    return child;
}

SvmChild::~SvmChild() {
    if (!waited_) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    close_out();
    if (err_ >= 0) close(err_);
}

std::string SvmChild::read_out(size_t max) {
    if (out_ < 0) return "";
    std::string buf(max, '\0');
    ssize_t n;
    do {
        n = read(out_, buf.data(), max);
    } while (n < 0 && errno == EINTR);
    buf.resize(n > 0 ? static_cast<size_t>(n) : 0);
    return buf;
}

void SvmChild::close_out() {
    if (out_ >= 0) close(out_);
    out_ = -1;
}

ProcessResult SvmChild::wait(double timeout_seconds, bool keep_out_stalled) {
    ProcessResult result;
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
    pollfd fds[2] = {{err_, POLLIN, 0}, {keep_out_stalled ? -1 : out_, POLLIN, 0}};
    int status = 0;
    for (;;) {
        if (waitpid(pid_, &status, WNOHANG) == pid_) break;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            result.timed_out = true;
            kill(pid_, SIGKILL);
            waitpid(pid_, &status, 0);
            break;
        }
        poll(fds, 2, static_cast<int>(std::min<int64_t>(left.count(), 20)));
        for (auto& f : fds) {
            if (f.fd < 0 || !(f.revents & (POLLIN | POLLHUP))) continue;
            char buf[4096];
            ssize_t n = read(f.fd, buf, sizeof buf);
            if (n <= 0)
                f.fd = -1;
            else if (f.fd == err_)
                result.err.append(buf, static_cast<size_t>(n));
        }
    }
    waited_ = true;
    // What svm wrote to standard error just before it ended.
    fcntl(err_, F_SETFL, O_NONBLOCK);
    char buf[4096];
    for (ssize_t n; (n = read(err_, buf, sizeof buf)) > 0;)
        result.err.append(buf, static_cast<size_t>(n));
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

bool read_until(SvmChild& child, std::string& out, const std::string& text, int seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    while (out.find(text) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
        std::string more = child.read_out(4096);
        if (more.empty()) break;
        out += more;
    }
    return out.find(text) != std::string::npos;
}

std::string guest(const std::string& name) {
    return std::string(GUEST_DIR) + "/" + name;
}

void require_kvm() {
    if (access("/dev/kvm", R_OK | W_OK) == 0) return;
    const char* skip = std::getenv("SVM_SKIP_KVM_TESTS");
    if (skip && std::string(skip) == "1")
        GTEST_SKIP() << "/dev/kvm is not usable and SVM_SKIP_KVM_TESTS=1: skipping this KVM test";
    FAIL() << "/dev/kvm is missing or not accessible (" << std::strerror(errno)
           << "). The kvm tests need it; set SVM_SKIP_KVM_TESTS=1 to skip them explicitly.";
}

bool has_line(const std::string& text, const std::string& line) {
    for (size_t p = text.find(line); p != std::string::npos; p = text.find(line, p + 1)) {
        bool starts = p == 0 || text[p - 1] == '\n';
        bool ends = p + line.size() == text.size() || text[p + line.size()] == '\n';
        if (starts && ends) return true;
    }
    return false;
}

void expect_lines(const ProcessResult& r, const std::vector<std::string>& lines) {
    for (const auto& line : lines)
        EXPECT_TRUE(has_line(r.out, line)) << "missing '" << line << "'\n" << r.out << r.err;
}

void expect_lines_in_order(const std::string& text, const std::vector<std::string>& lines) {
    size_t pos = 0;
    for (const std::string& line : lines) {
        size_t found = std::string::npos;
        for (size_t p = text.find(line, pos); p != std::string::npos; p = text.find(line, p + 1)) {
            bool starts = p == 0 || text[p - 1] == '\n';
            bool ends = p + line.size() == text.size() || text[p + line.size()] == '\n' ||
                        text[p + line.size()] == '\r';
            if (starts && ends) {
                found = p;
                break;
            }
        }
        ASSERT_NE(found, std::string::npos)
            << "missing line (in order): '" << line << "'\n--- output:\n"
            << text;
        pos = found + line.size();
    }
}

}  // namespace svm::test
