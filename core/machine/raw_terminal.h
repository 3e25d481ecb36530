// Raw mode for a terminal on standard input (the guest reads keystrokes unbuffered, unechoed), and
// giving the terminal back however svm ends: from a destructor, at exit(), and from a handler for
// every signal that ends the process and can be caught.
#pragma once

namespace svm::raw_terminal {

// If stdin is a terminal, saves its state and puts it in raw mode (keeping ISIG, so Ctrl-C and
// Ctrl-\ still reach svm, and output post-processing, so "\n" starts a new line). The first call
// also registers restore() with atexit() and installs a handler that restores the terminal and
// then lets the signal end the process as it would have, for every signal whose default action
// ends the process and whose disposition is still the default: SIGHUP, SIGINT, SIGQUIT, SIGILL,
// SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM,
// SIGSTKFLT, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGIO, SIGPWR, SIGSYS. (SIGKILL cannot be
// caught; signals svm handles itself, such as SIGINT through a signalfd during a run, keep
// svm's handling; real-time signals are left alone.) Returns whether raw mode was entered.
bool enter();

// Puts back the state enter() saved, if it has not been put back yet. Async-signal-safe.
void restore();

}  // namespace svm::raw_terminal
