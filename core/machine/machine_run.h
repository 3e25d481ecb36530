// Running one VM from its configuration to its end, across --reboot: what `svm ARGS` does and
// what each VM of a set does on its own thread (docs/machine.md, docs/multi-vm.md).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "core/machine/machine_config.h"
#include "core/machine/run_outcome.h"
#include "core/machine/vm_set_run.h"
#include "core/result.h"

namespace svm {

class DisplayHub;
class Machine;

struct MachineRunHooks {
    // Called with each machine once it is built and before it runs, and with nullptr just before
    // it is destroyed: whoever may stop the VM from another thread (a VM set) keeps the pointer
    // under its own lock and calls Machine::request_stop() on it.
    std::function<void(Machine*)> on_machine;
    // Asked before each reboot: true once the VM must not start again (a VM set stopping it).
    std::function<bool()> stop_requested;
    // The name that prefixes svm's own lines about this VM ("svm: web: restarting ..."); empty
    // for a single VM.
    std::string vm_name;
};

// Builds a Machine from `config` (attached to `display_hub`, if any) and runs it; a reset
// request with config.reboot builds a fresh one from the same files and runs it again (a PC
// rebooting into the same kernel), with --timeout counted across reboots and gdb no longer
// awaited. Prints the exit-statistics table with config.trace_exits. Returns how the last run
// ended, or the error of Machine::create() (its exit_code set: 70 if it had none).
Result<RunOutcome> run_machine(const MachineConfig& config,
                               std::shared_ptr<DisplayHub> display_hub = {},
                               const MachineRunHooks& hooks = {});

// A VM of a set (docs/multi-vm.md): run_machine() on the set's thread, stoppable from the set's
// loop. An error of Machine::create() ends the VM with an InternalError-kind outcome carrying
// that error's message and exit code (a missing kernel: 65; /dev/kvm: 71).
class MachineVm : public SetMember {
public:
    MachineVm(MachineConfig config, std::shared_ptr<DisplayHub> display_hub, std::string name)
        : config_(std::move(config)), display_hub_(std::move(display_hub)),
          name_(std::move(name)) {}

    RunOutcome run() override;
    void request_stop(RunOutcome outcome) override;

private:
    MachineConfig config_;
    std::shared_ptr<DisplayHub> display_hub_;
    std::string name_;
    std::mutex mutex_;                     // guards machine_ and stop_
    Machine* machine_ = nullptr;           // the machine running now, if any
    std::optional<RunOutcome> stop_;       // a stop request, kept for a machine not built yet
};

}  // namespace svm
