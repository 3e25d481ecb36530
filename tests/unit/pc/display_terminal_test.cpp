// --display text's renderer (core/machine/pc/display_terminal.h) on a pseudo-terminal: start()
// and stop() draw synchronously, so the test needs no timing.
#include "core/machine/pc/display_terminal.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <future>
#include <thread>
#include <vector>

#include "tests/unit/pc/pc_harness.h"

namespace svm::test {
namespace {

class Pty {
public:
    explicit Pty(unsigned short rows, unsigned short columns = 80) {
        master_ = posix_openpt(O_RDWR | O_NOCTTY);
        EXPECT_GE(master_, 0);
        EXPECT_EQ(grantpt(master_), 0);
        EXPECT_EQ(unlockpt(master_), 0);
        slave_ = open(ptsname(master_), O_RDWR | O_NOCTTY);
        EXPECT_GE(slave_, 0);
        winsize size{};
        size.ws_row = rows;
        size.ws_col = columns;
        EXPECT_EQ(ioctl(slave_, TIOCSWINSZ, &size), 0);
        // Exact bytes: no "\n" -> "\r\n" output processing.
        termios t{};
        EXPECT_EQ(tcgetattr(slave_, &t), 0);
        t.c_oflag &= ~OPOST;
        EXPECT_EQ(tcsetattr(slave_, TCSANOW, &t), 0);
    }
    ~Pty() {
        close(slave_);
        close(master_);
    }
    int terminal() const { return slave_; }
    // Everything written to the terminal so far (the pty buffers it).
    std::string drain() {
        std::string out;
        char buf[4096];
        pollfd p{master_, POLLIN, 0};
        while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
            ssize_t n = read(master_, buf, sizeof buf);
            if (n <= 0) break;
            out.append(buf, static_cast<size_t>(n));
        }
        return out;
    }

private:
    int master_ = -1;
    int slave_ = -1;
};

std::shared_ptr<TextScreen> wired_screen(PcHarness& pc) {
    PcDevices out;
    EXPECT_TRUE(add_display(pc.ctx(), out).has_value());
    return out.text_screen;
}

TEST(DisplayTerminal, DrawsTheScreenAndTheFinalFrameAndRestoresTheTerminal) {
    MachineConfig config;
    config.display = "none";
    PcHarness pc(config);
    auto screen = wired_screen(pc);
    Pty pty(30);
    auto display = TerminalDisplay::start(screen, pty.terminal());
    ASSERT_NE(display, nullptr);
    std::string first = pty.drain();
    EXPECT_TRUE(first.starts_with("\x1b[0m\x1b[2J\x1b[27;30r")) << first;
    EXPECT_NE(first.find("console below"), std::string::npos);

    uint8_t cells[] = {'O', 0x0a, 'K', 0x0a};
    ASSERT_TRUE(pc.memory().write(0xb8000 + 2 * 80 * 7, cells).has_value());
    display->stop();
    std::string rest = first + pty.drain();
    // The final frame has row 8 with "OK" in light green; the terminal is given back.
    EXPECT_NE(rest.find("\x1b[8;1H\x1b[0;92;40mOK"), std::string::npos);
    EXPECT_TRUE(
        rest.ends_with("\x1b"
                       "7\x1b[r\x1b"
                       "8\x1b[0m\r\n"))
        << rest.substr(rest.size() - 40);
    display->stop();  // idempotent
    EXPECT_EQ(pty.drain(), "");
}

// A terminal stopped with Ctrl-S takes no output: the renderer must not hold up the end of the
// run (it used to block in write() for good, and stop() joined it).
TEST(DisplayTerminal, StopDoesNotWaitForAStoppedTerminal) {
    MachineConfig config;
    config.display = "none";
    PcHarness pc(config);
    auto screen = wired_screen(pc);
    Pty pty(30);
    auto display = TerminalDisplay::start(screen, pty.terminal());
    ASSERT_NE(display, nullptr);
    ASSERT_EQ(tcflow(pty.terminal(), TCOOFF), 0);
    // Change the whole screen for a while, so that frames pile up behind the stopped output.
    for (int round = 0; round < 20; ++round) {
        std::vector<uint8_t> cells(80 * 25 * 2, static_cast<uint8_t>('A' + round));
        ASSERT_TRUE(pc.memory().write(0xb8000, cells).has_value());
        std::this_thread::sleep_for(std::chrono::milliseconds(TerminalDisplay::kFrameMs));
    }
    auto stopped = std::async(std::launch::async, [&] { display->stop(); });
    const bool in_time = stopped.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
    ASSERT_EQ(tcflow(pty.terminal(), TCOON), 0);
    pty.drain();
    ASSERT_TRUE(in_time) << "stop() waited for a terminal that takes nothing";
}

TEST(DisplayTerminal, RefusesTooSmallTerminalsAndNonTerminals) {
    MachineConfig config;
    config.display = "none";
    PcHarness pc(config);
    auto screen = wired_screen(pc);
    Pty small(24);
    EXPECT_EQ(TerminalDisplay::start(screen, small.terminal()), nullptr);
    EXPECT_EQ(small.drain(), "");
    Pty narrow(40, 79);
    EXPECT_EQ(TerminalDisplay::start(screen, narrow.terminal()), nullptr);
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    EXPECT_EQ(TerminalDisplay::start(screen, fds[1]), nullptr);
    close(fds[0]);
    close(fds[1]);
}

}  // namespace
}  // namespace svm::test
