#include "core/machine/raw_terminal.h"

#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <mutex>

namespace svm::raw_terminal {

namespace {

// The terminal state saved when stdin was put in raw mode. One per process: there is one
// terminal, whatever the number of machines.
struct SavedTerminal {
    std::atomic<bool> saved{false};
    termios original{};
};
SavedTerminal g_terminal;
static_assert(std::atomic<bool>::is_always_lock_free, "restore() runs in signal handlers");

// Every signal whose default action ends the process (signal(7), "Standard signals") and that
// can be caught.
constexpr int kEndingSignals[] = {SIGHUP,  SIGINT,  SIGQUIT,   SIGILL,  SIGTRAP, SIGABRT,
                                  SIGBUS,  SIGFPE,  SIGUSR1,   SIGSEGV, SIGUSR2, SIGPIPE,
                                  SIGALRM, SIGTERM, SIGSTKFLT, SIGXCPU, SIGXFSZ, SIGVTALRM,
                                  SIGPROF, SIGIO,   SIGPWR,    SIGSYS};

// Restores the terminal, then lets `sig` do what it would have done without svm's handler: the
// handler was installed with SA_RESETHAND, so the disposition is the default again, and the
// signal, blocked while the handler runs, is raised again and delivered when it returns (a
// fault re-executes the faulting instruction and faults again). The process then ends with
// `sig`, as the shell and a debugger expect (128 + sig, a core dump for SIGQUIT and SIGSEGV).
void restore_and_reraise(int sig) {
    int saved_errno = errno;
    restore();
    raise(sig);
    errno = saved_errno;
}

void install_handlers() {
    std::atexit(restore);
    for (int sig : kEndingSignals) {
        struct sigaction old {};
        if (sigaction(sig, nullptr, &old) != 0 || old.sa_handler != SIG_DFL) continue;
        struct sigaction sa {};
        sa.sa_handler = restore_and_reraise;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        sigaction(sig, &sa, nullptr);
    }
}

}  // namespace

bool enter() {
    termios original{};
    if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &original) != 0) return false;
    static std::once_flag once;
    std::call_once(once, install_handlers);
    termios raw = original;
    // Raw input for the guest, but keep ISIG so Ctrl-C still ends svm, and keep output
    // post-processing so the guest's "\n" starts a new line on the terminal.
    raw.c_iflag &= ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
    raw.c_lflag &= ~(ECHO | ECHONL | ICANON | IEXTEN);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    // Saved before the terminal changes, so a signal in between restores the original.
    if (!g_terminal.saved.load()) {
        g_terminal.original = original;
        g_terminal.saved.store(true);
    }
    return tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0;
}

void restore() {
    if (g_terminal.saved.exchange(false)) tcsetattr(STDIN_FILENO, TCSANOW, &g_terminal.original);
}

}  // namespace svm::raw_terminal
