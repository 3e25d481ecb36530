// Guest console output through a standard output that is slow, stalled or closed (issue 8,
// items 2, 3 and 8), with console_flood.elf: several vCPUs printing numbered lines. Label `kvm`.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "svm_process.h"

namespace svm::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool contains(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

// How many of the lines "cpu <c> line <i>" (c < cpus, i < lines) `out` holds, each once.
size_t count_flood_lines(const std::string& out, int cpus, int lines) {
    std::set<std::pair<int, int>> seen;
    size_t pos = 0;
    while (pos < out.size()) {
        size_t end = out.find('\n', pos);
        if (end == std::string::npos) break;
        int c = -1, i = -1;
        char tail = 0;
        std::string line = out.substr(pos, end - pos);
        if (std::sscanf(line.c_str(), "cpu %d line %d%c", &c, &i, &tail) == 2 && c >= 0 &&
            c < cpus && i >= 0 && i < lines)
            seen.insert({c, i});
        pos = end + 1;
    }
    return seen.size();
}

const char* kNotWritten = "bytes of guest output were not written: standard output did not drain";

class ConsoleOutput : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

TEST_F(ConsoleOutput, StalledStandardOutputWithSeveralVcpusEndsAtTheTimeout) {
    // `svm k | less` with the pager waiting: nobody reads. Before, one vCPU blocked in write()
    // with the console lock held, the others waited for the lock and svm never ended.
    auto started = Clock::now();
    auto svm = SvmChild::start(
        {"--cpus", "4", "--timeout", "3", "--cmdline", "forever", guest("console_flood.elf")});
    ASSERT_TRUE(svm);
    ProcessResult r = svm->wait(30, /*keep_out_stalled=*/true);
    ASSERT_FALSE(r.timed_out) << "svm hung with standard output stalled\n" << r.err;
    EXPECT_LT(Clock::now() - started, 8s);
    EXPECT_EQ(r.exit_code, 124) << r.err;
    EXPECT_TRUE(contains(r.err, kNotWritten)) << r.err;
}

TEST_F(ConsoleOutput, SigintWhileStandardOutputStallsEndsSvmPromptly) {
    auto svm = SvmChild::start({"--cpus", "2", "--cmdline", "forever", guest("console_flood.elf")});
    ASSERT_TRUE(svm);
    std::this_thread::sleep_for(1500ms);  // the pipe and svm's buffer fill up
    auto signalled = Clock::now();
    kill(svm->pid(), SIGINT);
    ProcessResult r = svm->wait(20, /*keep_out_stalled=*/true);
    ASSERT_FALSE(r.timed_out) << r.err;
    EXPECT_LT(Clock::now() - signalled, 3s);
    EXPECT_EQ(r.exit_code, 130) << r.err;
    EXPECT_TRUE(contains(r.err, kNotWritten)) << r.err;
}

TEST_F(ConsoleOutput, SlowReaderGetsEveryLineOfSeveralVcpus) {
    // Before, svm's own vCPU kick (a signal without SA_RESTART) interrupted a blocked write()
    // and the failed write was ignored: 13-111 of 10,000-20,000 lines were lost.
    constexpr int kCpus = 4, kLines = 5000;
    auto svm = SvmChild::start({"--cpus", std::to_string(kCpus), "--cmdline",
                                "lines=" + std::to_string(kLines), guest("console_flood.elf")});
    ASSERT_TRUE(svm);
    std::string out;
    auto deadline = Clock::now() + 300s;
    while (Clock::now() < deadline) {
        std::string chunk = svm->read_out(2048);
        if (chunk.empty()) break;
        out += chunk;
        std::this_thread::sleep_for(2ms);
    }
    ProcessResult r = svm->wait(30);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_TRUE(has_line(out, "flood: done"))
        << out.substr(out.size() > 500 ? out.size() - 500 : 0);
    EXPECT_EQ(count_flood_lines(out, kCpus, kLines), size_t(kCpus) * kLines);
    EXPECT_FALSE(contains(r.err, "not written")) << r.err;
}

TEST_F(ConsoleOutput, GuestExitWaitsUntilTheOutputIsRead) {
    // More output than the pipe and svm's 1 MiB buffer hold, read only after a pause: svm
    // writes it all before it exits, as any program writing to a pipe does.
    constexpr int kCpus = 2, kLines = 40000;  // 2 x 40,000 x 19 bytes: 1.5 MB
    auto svm = SvmChild::start({"--cpus", std::to_string(kCpus), "--cmdline",
                                "lines=" + std::to_string(kLines), guest("console_flood.elf")});
    ASSERT_TRUE(svm);
    std::this_thread::sleep_for(3s);
    std::string out;
    for (std::string chunk; !(chunk = svm->read_out(65536)).empty();) out += chunk;
    ProcessResult r = svm->wait(30);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(count_flood_lines(out, kCpus, kLines), size_t(kCpus) * kLines);
    EXPECT_TRUE(has_line(out, "flood: done"));
}

TEST_F(ConsoleOutput, SigintEndsTheFinalWriteOfTheOutput) {
    // The guest prints more than the pipe and the buffer hold and exits; svm would wait for the
    // reader, as any program does, but a signal still ends svm at once. The exit code stays the
    // guest's (0), or is 130 if the guest was still printing on a slow host.
    auto svm =
        SvmChild::start({"--cpus", "2", "--cmdline", "lines=40000", guest("console_flood.elf")});
    ASSERT_TRUE(svm);
    std::this_thread::sleep_for(3s);
    auto signalled = Clock::now();
    kill(svm->pid(), SIGINT);
    ProcessResult r = svm->wait(20, /*keep_out_stalled=*/true);
    ASSERT_FALSE(r.timed_out) << r.err;
    EXPECT_LT(Clock::now() - signalled, 3s);
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 130) << r.exit_code << "\n" << r.err;
    EXPECT_TRUE(contains(r.err, kNotWritten)) << r.err;
}

TEST_F(ConsoleOutput, ClosedStandardOutputEndsTheRunWith141AndRestoresTheTerminal) {
    // `svm k | head` typed at a terminal: standard input is the terminal (svm makes it raw),
    // standard output a pipe whose reader leaves after a few lines.
    int master = -1, slave = -1;
    ASSERT_EQ(openpty(&master, &slave, nullptr, nullptr, nullptr), 0);
    termios cooked{};
    ASSERT_EQ(tcgetattr(slave, &cooked), 0);
    auto svm =
        SvmChild::start({"--cpus", "2", "--cmdline", "forever", guest("console_flood.elf")}, slave);
    ASSERT_TRUE(svm);
    std::string head;
    while (std::count(head.begin(), head.end(), '\n') < 10) {
        std::string chunk = svm->read_out(256);
        ASSERT_FALSE(chunk.empty());
        head += chunk;
    }
    svm->close_out();
    auto closed = Clock::now();
    ProcessResult r = svm->wait(20);
    ASSERT_FALSE(r.timed_out) << r.err;
    EXPECT_LT(Clock::now() - closed, 5s);
    EXPECT_EQ(r.exit_code, 141) << r.err;
    EXPECT_TRUE(contains(r.err, "standard output was closed")) << r.err;
    termios after{};
    ASSERT_EQ(tcgetattr(slave, &after), 0);
    EXPECT_EQ(after.c_lflag, cooked.c_lflag) << "terminal left raw";
    EXPECT_EQ(after.c_iflag, cooked.c_iflag);
    close(master);
    close(slave);
}

}  // namespace
}  // namespace svm::test
