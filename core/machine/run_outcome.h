// How a run ended, and the process exit code for each way (docs/machine.md, "Exit codes").
#pragma once

#include <signal.h>

#include <string>

namespace svm {

namespace exit_code {
constexpr int kUsage = 64;              // bad command line
constexpr int kBadKernel = 65;          // kernel or module file missing, unreadable or malformed
constexpr int kInternal = 70;           // svm or KVM failed in an unexpected way
constexpr int kHostSetup = 71;          // /dev/kvm missing, no permission, KVM too old
constexpr int kTripleFault = 112;       // the guest triple-faulted (KVM_EXIT_SHUTDOWN)
constexpr int kHalted = 113;            // every vCPU halted with interrupts disabled
constexpr int kEmulationFailure = 114;  // KVM could not emulate a guest instruction
constexpr int kEntryFailure = 115;      // KVM refused to enter the guest (invalid CPU state)
constexpr int kReset = 116;             // the guest asked for a reset (without --reboot)
constexpr int kTimeout = 124;           // --timeout expired (as timeout(1))
constexpr int kInterrupted = 130;       // SIGINT / SIGTERM / SIGHUP
constexpr int kKilled = 137;            // the debugger killed the guest ('kill' in gdb)
// Standard output was closed by its reader (`svm k | head`): the run ends as a program killed by
// SIGPIPE does in the shell (128 + 13), but in order, with the terminal restored.
constexpr int kOutputClosed = 141;
}  // namespace exit_code

// The signals that end a run cleanly, as Interrupted (exit code 130): SIGINT, SIGTERM, SIGHUP.
// Machine::run and a VM set's loop block them and read them from a signalfd.
inline sigset_t stop_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals, sig);
    return signals;
}

struct RunOutcome {
    enum class Kind {
        GuestExit,  // SVM_HC_EXIT or isa-debug-exit: exit code chosen by the guest
        PowerOff,   // ACPI S5 or another power-off port: exit code 0
        Reset,      // a reset request (0xCF9, i8042 0xFE, a triple fault with --triple-fault reset)
        Timeout,
        TripleFault,
        Halted,
        EmulationFailure,
        EntryFailure,
        InternalError,
        Interrupted,
        Killed,
        OutputClosed,  // writing the console output failed with EPIPE
        StoppedBySet,  // another VM of the set crashed, with --crash-ends-all (docs/multi-vm.md)
    };
    Kind kind = Kind::InternalError;
    int code = exit_code::kInternal;  // the process exit code
    std::string summary;              // one line for the user
    std::string report;               // optional multi-line report (crash reports)
    // Optional line printed however the run ended, even for a guest exit: guest output that was
    // not written (Console::unwritten_report).
    std::string note = {};
};

}  // namespace svm
