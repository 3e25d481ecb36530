// The one place where svm's machine is wired: guest memory, KVM, the kernel, the devices on their
// buses, the machine table and the vCPUs.
#pragma once

#include <svm/machine.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/bus.h"
#include "core/debug/vm_debugger.h"
#include "core/guest_memory.h"
#include "core/kvm/kvm.h"
#include "core/kvm/vcpu.h"
#include "core/loader/kernel_image.h"
#include "core/machine/acpi.h"
#include "core/machine/console.h"
#include "core/machine/device_context.h"
#include "core/machine/exit_stats.h"
#include "core/machine/hypercalls.h"
#include "core/machine/machine_config.h"
#include "core/machine/run_outcome.h"
#include "core/machine/vcpu_exits.h"
#include "core/result.h"
#include "core/unique_fd.h"
#include "gdbstub/server.h"

namespace svm {

class DisplayHub;
class Uart16550;

class Machine {
public:
    static constexpr uint64_t kMinMemory = 1ull << 20;
    // RAM ends below the 32-bit MMIO hole, where the APICs and device registers live.
    static constexpr uint64_t kMaxMemory = 3ull << 30;
    // xAPIC ids are 8 bits and the machine table and MADT have room for far more; 64 keeps
    // over-committed test runs sane.
    static constexpr int kMaxCpus = 64;
    static constexpr int kHaltCheckMs = 200;

    // Builds the machine: reads and loads the kernel, opens KVM, creates devices and vCPUs.
    // Returns an error whose exit_code says whether the kernel, the host or the command line was
    // at fault.
    // With `display_hub` the machine's screen and keyboard/mouse are attached to it (the VNC
    // server's source) until the machine is destroyed.
    static Result<std::unique_ptr<Machine>> create(const MachineConfig& config,
                                                   std::shared_ptr<DisplayHub> display_hub = {});
    ~Machine();

    // Runs the guest until it exits, crashes, halts for good, the timeout expires or svm gets
    // SIGINT/SIGTERM/SIGHUP. Call once. Blocks those signals in the calling thread.
    RunOutcome run();

    // Ends the run with `outcome`; the first request wins. Thread-safe.
    void request_stop(RunOutcome outcome);

    const KernelImage& image() const { return image_; }
    const ExitStats& stats() const { return stats_; }

private:
    explicit Machine(MachineConfig config, GuestMemory memory)
        : config_(std::move(config)), memory_(std::move(memory)) {}

    Result<void> load(std::span<const uint8_t> kernel);
    // load() for a boot sector: the BIOS's areas only (machine_boot.cpp).
    Result<void> load_boot_sector_areas();
    Result<void> create_devices();
    // The context the PC device families (core/machine/pc/) are wired through.
    DeviceContext device_context();
    // DeviceContext::map_device_memory on this machine's KVM VM.
    Result<DeviceMemoryMapping> map_device_memory(uint64_t gpa, std::span<uint8_t> host);
    // Writes what svm hands the guest once every device exists: the machine table
    // (machine_boot.cpp).
    Result<void> write_boot_tables();
    Result<void> create_vcpus();
    Result<void> create_debugger();
    // SVM_HC_START_CPU from vCPU `caller` (on its thread). Returns 0 or an SVM_E_* error.
    int64_t start_cpu(int caller, const HypercallRegs& regs, const CpuState& caller_state);
    // The outcome if every vCPU sleeps for good, else nothing. Main thread only.
    std::optional<RunOutcome> check_all_halted();
    // True if `rip` (guest-virtual) lies in the waiting part of the Limine MP parking loop.
    bool in_limine_parking_loop(uint64_t rip) const;
    // Records `outcome` as the end of the run (first wins) and parks every vCPU at its next exit.
    // Returns false if another outcome was recorded first.
    bool record_outcome(RunOutcome outcome);
    // Ends every vCPU thread: asks them all to stop, then joins them (docs/reliability.md,
    // "Waits"). Idempotent.
    void stop_vcpus();
    void wake_main_thread();
    // At the end of run(): writes out the guest output still buffered, or gives up on it when
    // `signal_fd` (a signalfd) becomes readable or `deadline` passes, and notes what was lost in
    // outcome.note. Main thread, vCPUs stopped.
    void finish_console_output(RunOutcome& outcome, int signal_fd,
                               std::optional<Console::Clock::time_point> deadline);

    MachineConfig config_;
    GuestMemory memory_;
    KernelImage image_;
    AcpiLayout acpi_;
    std::unique_ptr<Kvm> kvm_;
    std::unique_ptr<Console> console_;
    Bus io_bus_{"I/O port bus"};
    Bus mmio_bus_{"MMIO bus"};
    std::shared_ptr<Uart16550> uart_;
    ExitStats stats_;
    std::unique_ptr<Hypercalls> hypercalls_;
    std::unique_ptr<VmDebugger> debugger_;
    std::unique_ptr<gdb::Server> gdb_server_;
    std::unique_ptr<VcpuExits> exits_;
    std::vector<std::unique_ptr<Vcpu>> vcpus_;
    std::vector<svm_device> device_entries_;
    std::function<void(std::span<const uint8_t>)> stdin_sink_;    // see DeviceContext
    std::vector<std::function<void(const RunOutcome&)>> at_end_;  // see DeviceContext
    PcDevices pc_;
    std::vector<std::shared_ptr<void>> owned_;  // see DeviceContext::owned
    std::shared_ptr<DisplayHub> display_hub_;   // attached to pc_.screen; detached first
    std::vector<svm_mem_range> memory_map_;     // written by write_boot_tables()  // what the PC
                                                // device families expose to the rest of svm

    std::mutex stop_mutex_;  // a leaf lock; guards outcome_
    std::optional<RunOutcome> outcome_;
    std::atomic<bool> stopping_{false};  // outcome_ is set
    UniqueFd stop_fd_;                   // eventfd written by request_stop()
};

}  // namespace svm
