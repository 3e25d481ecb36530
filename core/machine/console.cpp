#include "core/machine/console.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace svm {

namespace {

// Terminal state saved when stdin was put in raw mode. Restored from a destructor, atexit() and
// fatal-signal handlers (tcsetattr is async-signal-safe).
struct SavedTerminal {
    std::atomic<bool> saved{false};
    termios original{};
};
SavedTerminal g_terminal;

void restore_terminal() {
    if (g_terminal.saved.exchange(false)) tcsetattr(STDIN_FILENO, TCSANOW, &g_terminal.original);
}

void restore_terminal_and_reraise(int sig) {
    restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
}

void enter_raw_mode() {
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &g_terminal.original) != 0) return;
    termios raw = g_terminal.original;
    // Raw input for the guest, but keep ISIG so Ctrl-C still ends svm, and keep output
    // post-processing so the guest's "\n" starts a new line on the terminal.
    raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    g_terminal.saved = true;
    static bool once = [] {
        std::atexit(restore_terminal);
        for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGILL, SIGFPE})
            signal(sig, restore_terminal_and_reraise);
        return true;
    }();
    (void)once;
    tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

}  // namespace

Result<std::unique_ptr<Console>> Console::create(const std::string& spec, bool read_stdin) {
    std::unique_ptr<Console> console(new Console());
    console->has_input_ = read_stdin;
    if (spec == "stdio") {
        console->out_ = stdout;
        console->has_input_ = true;
    } else if (spec.starts_with("file:")) {
        std::string path = spec.substr(5);
        if (path.empty()) return error("--serial file: needs a path, e.g. file:serial.log");
        console->out_ = std::fopen(path.c_str(), "wb");
        if (!console->out_)
            return error("cannot open serial output file '{}': {}", path, std::strerror(errno));
        console->owns_out_ = true;
    } else if (spec != "none") {
        return error("unknown --serial backend '{}' (use stdio, file:PATH or none)", spec);
    }
    return console;
}

Console::~Console() {
    stop_input();
    restore_terminal();
    if (out_) std::fflush(out_);
    if (owns_out_) std::fclose(out_);
}

void Console::write(std::span<const uint8_t> bytes) {
    if (!out_ || bytes.empty()) return;
    std::lock_guard lock(write_mutex_);
    std::fwrite(bytes.data(), 1, bytes.size(), out_);
    std::fflush(out_);
}

void Console::start_input(std::function<void(std::span<const uint8_t>)> on_input) {
    if (!has_input_ || input_thread_.joinable()) return;
    int fd = eventfd(0, EFD_CLOEXEC);
    if (fd < 0) return;
    wake_fd_.reset(fd);
    on_input_ = std::move(on_input);
    enter_raw_mode();
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
