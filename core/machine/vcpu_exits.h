// Exit dispatch: routes each vCPU exit to the I/O bus, the MMIO bus, the hypercall port, halt
// handling or the crash reports. Runs on the vCPU threads.
#pragma once

#include <atomic>
#include <functional>
#include <vector>

#include "core/bus.h"
#include "core/debug/vm_debugger.h"
#include "core/guest_memory.h"
#include "core/kvm/vcpu.h"
#include "core/machine/exit_stats.h"
#include "core/machine/hypercalls.h"
#include "core/machine/run_outcome.h"

namespace svm {

class VcpuExits final : public VcpuExitHandler {
public:
    struct Deps {
        GuestMemory& memory;
        Bus& io_bus;
        Bus& mmio_bus;
        Hypercalls& hypercalls;
        ExitStats& stats;
        std::function<void(RunOutcome)> stop;  // ends the run; the first outcome wins
        const std::atomic<bool>& stopping;     // set once the run is ending
        int vcpu_count;
        VmDebugger* debugger = nullptr;  // with --gdb
    };
    explicit VcpuExits(Deps deps) : deps_(std::move(deps)), halted_(deps_.vcpu_count) {}

    // ^VcpuExitHandler
    Action handle_exit(Vcpu& vcpu) override;

private:
    Action dispatch(Vcpu& vcpu);
    void log_exit(Vcpu& vcpu);
    // After an exit that completed an instruction: a single step ends there.
    Action after_instruction(Vcpu& vcpu);
    bool debugging() const { return deps_.debugger && deps_.debugger->attached(); }
    Action handle_io(Vcpu& vcpu);
    Action handle_mmio(Vcpu& vcpu);
    Action handle_hypercall(Vcpu& vcpu);
    Action handle_halt(Vcpu& vcpu);
    Action handle_internal_error(Vcpu& vcpu);
    // Stops the machine with a crash report of `vcpu`'s state.
    Action crash(Vcpu& vcpu, RunOutcome::Kind kind, int code, std::string title,
                 std::string explanation);

    Deps deps_;
    std::vector<std::atomic<bool>> halted_;  // vCPU halted with interrupts disabled
};

}  // namespace svm
