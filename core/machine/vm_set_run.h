// The process-level loop of a VM set (docs/multi-vm.md, "Running a set"): it owns the VMs, runs
// each on a thread of its own, reads SIGINT/SIGTERM/SIGHUP for all of them, lets one VM's crash
// end only that VM (or every VM, with --crash-ends-all), and combines the VMs' outcomes into one
// exit code.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/machine/run_outcome.h"

namespace svm {

// One VM of a running set, as the set's loop sees it: MachineVm below, or a test's fake.
class SetMember {
public:
    virtual ~SetMember() = default;
    // Runs the VM until it ends and returns how. Called once, on a thread of the set's, with
    // SIGINT, SIGTERM and SIGHUP blocked; must not read them (the set does).
    virtual RunOutcome run() = 0;
    // Ends the run with `outcome` (the first request wins). Thread-safe; may come before run()
    // starts, while it runs, or after it returned (then ignored).
    virtual void request_stop(RunOutcome outcome) = 0;
};

struct NamedMember {
    std::string name;
    std::unique_ptr<SetMember> member;
};

struct VmSetRunOptions {
    // --crash-ends-all: a VM's crash (is_crash()) stops every other VM too.
    bool crash_ends_all = false;
    // Called on the set's loop thread as each VM ends, in the order they end (to print its
    // report at once while the others go on). Default: print_vm_end() to stderr.
    std::function<void(const std::string& name, const RunOutcome& outcome)> on_end;
};

struct VmEnd {
    std::string name;
    RunOutcome outcome;
};

struct VmSetOutcome {
    std::vector<VmEnd> vms;  // in set order
    int code = 0;            // combined_exit_code(vms)
};

// True for the ways a run ends that are the guest's or KVM's failure rather than its choice or
// the user's: triple fault, every vCPU halted with interrupts off, emulation failure, entry
// failure, internal error.
bool is_crash(RunOutcome::Kind kind);

// The outcome a VM gets when --crash-ends-all stops it because `crashed` crashed: kind
// StoppedBySet, exit code 130 (it was stopped, as by a signal).
RunOutcome stopped_by_set(const std::string& crashed);

// The process exit code of a set (docs/multi-vm.md, "Exit code"): 0 if every VM's code is 0;
// else the code of the first VM, in set order, with a non-zero code, not counting VMs the set
// stopped (StoppedBySet) unless no other VM has one.
int combined_exit_code(const std::vector<VmEnd>& vms);

// The lines svm prints as VM `name` ends (without a trailing newline): its report and note, if
// any, then "svm: NAME: SUMMARY (exit code N)".
std::string format_vm_end(const std::string& name, const RunOutcome& outcome);

// The summary after every VM ended: "svm: 2 VMs: web guest exit 0 (0), db triple fault (112);
// exit code 112".
std::string format_set_summary(const VmSetOutcome& outcome);

// Runs every member on a thread of its own until all have ended. Blocks SIGINT, SIGTERM and
// SIGHUP in the calling thread (the members' threads inherit that; they stay blocked after the
// return, so that a second Ctrl-C cannot kill svm while it writes out the output) and reads
// them from a signalfd: each one stops every VM still running (Interrupted, 130). `stop_fd` (>= 0, e.g. an
// eventfd; not read) becomes readable when something else must end every VM with
// `stop_outcome()` (the shared standard output closed). Returns each VM's outcome and the
// combined exit code.
VmSetOutcome run_vm_set(std::vector<NamedMember> members, const VmSetRunOptions& options,
                        int stop_fd = -1, std::function<RunOutcome()> stop_outcome = {});

}  // namespace svm
