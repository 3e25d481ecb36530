// The terminal svm puts in raw mode is given back however svm ends (issue 8, item 8), checked on
// a pseudo-terminal: a child process with the pty as standard input runs the real Console (raw
// mode and input thread), then gets a signal or loses its standard output; the test reads the
// pty's settings after the child has gone.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <string>
#include <thread>

#include "core/machine/console.h"

namespace svm {
namespace {

using namespace std::chrono_literals;

struct ChildEnd {
    bool ended = false;  // false: still running after the time limit (then killed)
    bool signalled = false;
    int code = -1;  // the exit status, or the signal number if signalled
};

// Waits up to `limit` for `pid` to end; kills it if it does not.
ChildEnd wait_for_child(pid_t pid, std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (std::chrono::steady_clock::now() > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return {};
        }
        std::this_thread::sleep_for(5ms);
    }
    if (WIFSIGNALED(status)) return {true, true, WTERMSIG(status)};
    return {true, false, WEXITSTATUS(status)};
}

bool is_raw(const termios& t) {
    return !(t.c_lflag & ICANON) && !(t.c_lflag & ECHO);
}

void expect_same_terminal(const termios& got, const termios& want) {
    EXPECT_EQ(got.c_iflag, want.c_iflag);
    EXPECT_EQ(got.c_oflag, want.c_oflag);
    EXPECT_EQ(got.c_lflag, want.c_lflag)
        << "ICANON " << !!(got.c_lflag & ICANON) << ", ECHO " << !!(got.c_lflag & ECHO);
    EXPECT_EQ(got.c_cc[VMIN], want.c_cc[VMIN]);
    EXPECT_EQ(got.c_cc[VTIME], want.c_cc[VTIME]);
}

// A pseudo-terminal in its default (cooked) settings.
class PtyTest : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_EQ(openpty(&master_, &slave_, nullptr, nullptr, nullptr), 0) << strerror(errno);
        ASSERT_EQ(tcgetattr(slave_, &cooked_), 0);
        ASSERT_FALSE(is_raw(cooked_));
    }
    void TearDown() override {
        close(master_);
        close(slave_);
    }

    // Forks a child whose stdin is the pty and whose stdout is `stdout_fd` (or /dev/null), that
    // creates a "stdio" Console, starts its input (raw mode), tells the parent, then runs
    // `then`. Returns the child's pid once the terminal is raw, or -1.
    pid_t start_child(int stdout_fd, std::function<int(Console&)> then) {
        int ready[2];
        if (pipe(ready) != 0) return -1;
        pid_t pid = fork();
        if (pid == 0) {
            close(ready[0]);
            rlimit no_core{0, 0};
            setrlimit(RLIMIT_CORE, &no_core);  // SIGQUIT and SIGABRT would dump core
            setsid();
            dup2(slave_, STDIN_FILENO);
            int out = stdout_fd >= 0 ? stdout_fd : open("/dev/null", O_WRONLY);
            dup2(out, STDOUT_FILENO);
            auto console = Console::create("stdio");
            if (!console) _exit(90);
            (*console)->start_input([](std::span<const uint8_t>) {});
            if (::write(ready[1], "r", 1) != 1) _exit(91);
            int code = then(**console);
            console->reset();  // as Machine's destructor does: restores the terminal
            _exit(code);
        }
        close(ready[1]);
        pollfd pfd{ready[0], POLLIN, 0};
        char c = 0;
        bool ok = poll(&pfd, 1, 10000) == 1 && ::read(ready[0], &c, 1) == 1;
        close(ready[0]);
        if (!ok) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
            return -1;
        }
        return pid;
    }

    int master_ = -1, slave_ = -1;
    termios cooked_{};
};

int wait_forever(Console&) {
    for (;;) pause();
}

class SignalEndsSvm : public PtyTest, public ::testing::WithParamInterface<int> {};

TEST_P(SignalEndsSvm, TerminalIsRestoredAndTheSignalStillEndsTheProcess) {
    const int sig = GetParam();
    // svm leaves a handler someone else installed alone (AddressSanitizer handles SIGSEGV in
    // an SVM_SANITIZE build).
    struct sigaction current {};
    sigaction(sig, nullptr, &current);
    if (current.sa_handler != SIG_DFL) GTEST_SKIP() << "this process already handles " << sig;
    pid_t pid = start_child(-1, wait_forever);
    ASSERT_GT(pid, 0);
    termios during{};
    ASSERT_EQ(tcgetattr(slave_, &during), 0);
    EXPECT_TRUE(is_raw(during)) << "the console did not enter raw mode";

    kill(pid, sig);
    ChildEnd end = wait_for_child(pid, 10000ms);
    ASSERT_TRUE(end.ended) << "the child did not end on signal " << sig;
    // Ended by the same signal: the shell sees 128 + sig, as without svm's handler.
    EXPECT_TRUE(end.signalled);
    EXPECT_EQ(end.code, sig) << strsignal(end.code);

    termios after{};
    ASSERT_EQ(tcgetattr(slave_, &after), 0);
    EXPECT_FALSE(is_raw(after)) << "terminal left raw after " << strsignal(sig);
    expect_same_terminal(after, cooked_);
}

INSTANTIATE_TEST_SUITE_P(Console, SignalEndsSvm,
                         ::testing::Values(SIGPIPE, SIGQUIT, SIGUSR1, SIGUSR2, SIGALRM, SIGTERM,
                                           SIGINT, SIGHUP, SIGXCPU, SIGVTALRM, SIGPROF, SIGABRT,
                                           SIGSEGV),
                         [](const ::testing::TestParamInfo<int>& info) {
                             std::string name = sigabbrev_np(info.param);
                             return "SIG" + name;
                         });

TEST_F(PtyTest, ExitRestoresTheTerminal) {
    pid_t pid = start_child(-1, [](Console&) -> int { std::exit(7); });
    ASSERT_GT(pid, 0);
    ChildEnd end = wait_for_child(pid, 10000ms);
    ASSERT_TRUE(end.ended);
    EXPECT_FALSE(end.signalled);
    EXPECT_EQ(end.code, 7);
    termios after{};
    ASSERT_EQ(tcgetattr(slave_, &after), 0);
    expect_same_terminal(after, cooked_);
}

TEST_F(PtyTest, ClosedStandardOutputIsAnOrderlyEndWithTheTerminalRestored) {
    // `svm k | head`: standard output is a pipe whose reader has gone. The console's write fails
    // with EPIPE instead of SIGPIPE killing svm, and its handler ends the run; the child then
    // destroys the console and exits, as svm does.
    int out[2];
    ASSERT_EQ(pipe(out), 0);
    close(out[0]);
    pid_t pid = start_child(out[1], [](Console& console) -> int {
        static std::atomic<bool> closed{false};
        console.set_output_closed_handler([] { closed = true; });
        const char line[] = "guest output\n";
        console.write({reinterpret_cast<const uint8_t*>(line), sizeof line - 1});
        for (int i = 0; i < 1000 && !closed; ++i) std::this_thread::sleep_for(5ms);
        return closed ? 41 : 42;
    });
    close(out[1]);
    ASSERT_GT(pid, 0);
    ChildEnd end = wait_for_child(pid, 10000ms);
    ASSERT_TRUE(end.ended);
    EXPECT_FALSE(end.signalled) << "killed by " << strsignal(end.code);
    EXPECT_EQ(end.code, 41) << "the output-closed handler was not called";
    termios after{};
    ASSERT_EQ(tcgetattr(slave_, &after), 0);
    expect_same_terminal(after, cooked_);
}

}  // namespace
}  // namespace svm
