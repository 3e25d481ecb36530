// A VM set's console output (docs/multi-vm.md, "Console output"): every line prefixed with its
// VM's name, lines of different VMs never mixed, colours only on the prefix, and the bytes
// reaching standard output through a real Console on a pipe. No /dev/kvm.
#include "core/machine/console_mux.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "core/machine/console.h"

namespace svm {
namespace {

std::span<const uint8_t> bytes_of(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

class ConsoleMuxTest : public ::testing::Test {
protected:
    ConsoleMuxTest() {
        int p[2];
        EXPECT_EQ(pipe2(p, O_CLOEXEC), 0);
        read_end_ = p[0];
        write_end_ = p[1];
        out_ = Console::create_for_fd(write_end_, "test pipe");
    }
    ~ConsoleMuxTest() override {
        out_->abandon();
        close(read_end_);
        close(write_end_);
    }
    // Everything written so far: drains the Console, then reads the pipe without waiting.
    std::string written() {
        EXPECT_TRUE(out_->drain(-1, std::nullopt));
        fcntl(read_end_, F_SETFL, O_NONBLOCK);
        std::string text;
        char buf[4096];
        ssize_t n;
        while ((n = ::read(read_end_, buf, sizeof buf)) > 0) text.append(buf, size_t(n));
        return text;
    }
    int read_end_ = -1, write_end_ = -1;
    std::unique_ptr<Console> out_;
};

TEST_F(ConsoleMuxTest, EveryLineGetsItsVmsNamePaddedToTheLongest) {
    ConsoleMux mux(*out_, {"web", "database"}, false);
    mux.write(0, bytes_of("boot\nready\n"));
    mux.write(1, bytes_of("hello\n"));
    EXPECT_EQ(written(),
              "web      | boot\n"
              "web      | ready\n"
              "database | hello\n");
}

TEST_F(ConsoleMuxTest, ALineInSeveralWritesIsPrefixedOnce) {
    ConsoleMux mux(*out_, {"a", "b"}, false);
    mux.write(0, bytes_of("he"));
    mux.write(0, bytes_of("llo"));
    mux.write(0, bytes_of(" world\nnext"));
    mux.write(0, bytes_of("\n"));
    EXPECT_EQ(written(), "a | hello world\na | next\n");
}

// A prompt without its newline, then the other VM's line: the prompt's line is ended, the other
// line gets its own prefix, and the first VM's next bytes start a new line of its own.
TEST_F(ConsoleMuxTest, AnotherVmsLineNeverLandsOnAnUnfinishedLine) {
    ConsoleMux mux(*out_, {"vm1", "vm2"}, false);
    mux.write(0, bytes_of("svm-os> "));
    mux.write(1, bytes_of("net: DHCP DISCOVER\n"));
    mux.write(0, bytes_of("help\n"));
    EXPECT_EQ(written(),
              "vm1 | svm-os> \n"
              "vm2 | net: DHCP DISCOVER\n"
              "vm1 | help\n");
}

// Colours wrap the prefix only (an SGR colour, then SGR 0), a different one per VM; the guest's
// own escape sequences pass unchanged.
TEST_F(ConsoleMuxTest, ColoursAreOnThePrefixOnlyAndDifferPerVm) {
    ConsoleMux mux(*out_, {"x", "y"}, true);
    mux.write(0, bytes_of("\x1b[1mbold\x1b[0m\n"));
    mux.write(1, bytes_of("plain\n"));
    EXPECT_EQ(written(),
              "\x1b[36mx |\x1b[0m \x1b[1mbold\x1b[0m\n"
              "\x1b[33my |\x1b[0m plain\n");
}

TEST_F(ConsoleMuxTest, CrLfLineEndsAndEmptyLinesArePrefixed) {
    ConsoleMux mux(*out_, {"v"}, false);
    mux.write(0, bytes_of("a\r\n\r\nb\n"));
    EXPECT_EQ(written(), "v | a\r\nv | \r\nv | b\n");
}

// Many threads (vCPUs of two VMs) writing whole lines at once: every line arrives whole, with
// its own VM's prefix, and none is lost.
TEST_F(ConsoleMuxTest, ConcurrentWritersNeverMixLines) {
    ConsoleMux mux(*out_, {"left", "right"}, false);
    constexpr int kLines = 500;
    std::vector<std::thread> threads;
    for (size_t vm = 0; vm < 2; ++vm)
        threads.emplace_back([&mux, vm] {
            for (int i = 0; i < kLines; ++i) {
                std::string line = (vm == 0 ? "L" : "R") + std::to_string(i) + "\n";
                mux.write(vm, bytes_of(line));
            }
        });
    for (auto& thread : threads) thread.join();
    const std::string text = written();
    int left = 0, right = 0;
    size_t start = 0;
    for (size_t end; (end = text.find('\n', start)) != std::string::npos; start = end + 1) {
        const std::string line = text.substr(start, end - start);
        if (line.starts_with("left  | L")) {
            EXPECT_EQ(line, "left  | L" + std::to_string(left++));
        } else {
            EXPECT_EQ(line, "right | R" + std::to_string(right++));
        }
    }
    EXPECT_EQ(left, kLines);
    EXPECT_EQ(right, kLines);
    EXPECT_EQ(start, text.size());
}

// A forwarding Console (a VM of a set) hands its bytes to the mux; after stop_waiting() its
// writes no longer wait for room.
TEST_F(ConsoleMuxTest, ForwardingConsoleWritesThroughTheMux) {
    ConsoleMux mux(*out_, {"one", "two"}, false);
    std::vector<bool> waits;
    auto vm_console = Console::create_forwarding(
        [&](std::span<const uint8_t> bytes, bool wait) {
            waits.push_back(wait);
            mux.write(1, bytes, wait);
        },
        false);
    vm_console->write(bytes_of("first\n"));
    vm_console->stop_waiting();
    vm_console->write(bytes_of("second\n"));
    EXPECT_TRUE(vm_console->drain(-1, std::nullopt));
    vm_console->abandon();  // leaves the shared output alone
    EXPECT_EQ(written(), "two | first\ntwo | second\n");
    EXPECT_EQ(waits, (std::vector<bool>{true, false}));
}

TEST(ConsoleMuxColour, NoColorOrADumbTerminalOrAPipeMeansNoColour) {
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    EXPECT_FALSE(ConsoleMux::want_colour(p[1]));  // not a terminal
    close(p[0]);
    close(p[1]);
    const char* old = getenv("NO_COLOR");
    std::string saved = old ? old : "";
    setenv("NO_COLOR", "1", 1);
    EXPECT_FALSE(ConsoleMux::want_colour(STDOUT_FILENO));
    if (old) setenv("NO_COLOR", saved.c_str(), 1); else unsetenv("NO_COLOR");
}

}  // namespace
}  // namespace svm
