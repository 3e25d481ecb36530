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

// The exit a vCPU thread is handling, for the few devices that need the vCPU itself: the seed
// hypervisors' ports (--compat) read BL, write RAX, translate through the guest's page tables and
// count exits. VcpuExits sets it on the vCPU thread for the duration of one exit's dispatch.
struct CurrentExit {
    Vcpu& vcpu;
    const ExitStats& stats;
    Hypercalls& hypercalls;  // console input (take_console_input)
};

// Returns the exit the calling thread is handling, or nullptr outside exit dispatch (a unit test,
// the main thread). Bus devices are called from exit dispatch, so there it is never null.
const CurrentExit* current_exit();

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
        // False with --compat mini-kvm: port 0x500 then belongs to the I/O bus (compat.cpp).
        bool svm_hypercall_port = true;
        // --triple-fault reset: KVM_EXIT_SHUTDOWN ends the run as a reset request.
        bool triple_fault_resets = false;
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

    // Explains svm's 32-bit hypercall ABI, once, when the guest touches port 0x500 with another
    // access size (a mini-kvm guest's `out %al, (%dx)`).
    void explain_hypercall_port(const kvm_run& run);

    Deps deps_;
    std::vector<std::atomic<bool>> halted_;  // vCPU halted with interrupts disabled
    std::atomic<bool> hypercall_port_explained_{false};
};

}  // namespace svm
