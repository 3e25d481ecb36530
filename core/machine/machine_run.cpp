#include "core/machine/machine_run.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "core/log.h"
#include "core/machine/machine.h"

namespace svm {

Result<RunOutcome> run_machine(const MachineConfig& config,
                               std::shared_ptr<DisplayHub> display_hub,
                               const MachineRunHooks& hooks) {
    const std::string who = hooks.vm_name.empty() ? "" : hooks.vm_name + ": ";
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    for (int boot = 0;; ++boot) {
        MachineConfig run_config = config;
        if (config.timeout_seconds) {
            double left = *config.timeout_seconds -
                          std::chrono::duration<double>(Clock::now() - started).count();
            run_config.timeout_seconds = std::max(left, 0.001);
        }
        // After a reboot the guest runs on; gdb may attach again (--gdb-nowait semantics).
        if (boot > 0) run_config.gdb_wait = false;
        auto machine = Machine::create(run_config, display_hub);
        if (!machine) {
            Error error = machine.error();
            if (error.exit_code == 0) error.exit_code = exit_code::kInternal;
            return std::unexpected(std::move(error));
        }
        log::verbose("{}{}: {} kernel, entry {:#x} in {} mode", who, config.kernel_path,
                     (*machine)->image().format, (*machine)->image().entry,
                     to_string((*machine)->image().mode));
        if (hooks.on_machine) hooks.on_machine(machine->get());
        RunOutcome outcome = (*machine)->run();
        if (hooks.on_machine) hooks.on_machine(nullptr);
        if (config.trace_exits)
            std::fprintf(stderr, "%s%s", who.c_str(), (*machine)->stats().format_table().c_str());
        if (outcome.kind == RunOutcome::Kind::Reset && config.reboot &&
            !(hooks.stop_requested && hooks.stop_requested())) {
            if (!outcome.note.empty())
                std::fprintf(stderr, "svm: %s%s\n", who.c_str(), outcome.note.c_str());
            std::fprintf(stderr, "svm: %s%s: restarting the kernel (--reboot)\n", who.c_str(),
                         outcome.summary.c_str());
            continue;
        }
        return outcome;
    }
}

RunOutcome MachineVm::run() {
    MachineRunHooks hooks;
    hooks.vm_name = name_;
    hooks.on_machine = [this](Machine* machine) {
        std::lock_guard lock(mutex_);
        machine_ = machine;
        if (machine && stop_) machine->request_stop(*stop_);  // asked before it was built
    };
    hooks.stop_requested = [this] {
        std::lock_guard lock(mutex_);
        return stop_.has_value();
    };
    {
        std::lock_guard lock(mutex_);
        if (stop_) return *stop_;  // stopped before it started
    }
    auto outcome = run_machine(config_, display_hub_, hooks);
    if (!outcome)
        return {RunOutcome::Kind::InternalError,
                outcome.error().exit_code ? outcome.error().exit_code : exit_code::kInternal,
                outcome.error().message, ""};
    return *outcome;
}

void MachineVm::request_stop(RunOutcome outcome) {
    std::lock_guard lock(mutex_);
    if (stop_) return;
    stop_ = outcome;
    if (machine_) machine_->request_stop(std::move(outcome));
}

}  // namespace svm
