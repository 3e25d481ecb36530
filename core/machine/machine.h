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
#include "core/machine/exit_stats.h"
#include "core/machine/hypercalls.h"
#include "core/machine/run_outcome.h"
#include "core/machine/vcpu_exits.h"
#include "core/result.h"
#include "core/unique_fd.h"
#include "gdbstub/server.h"

namespace svm {

class Uart16550;

struct MachineConfig {
    std::string kernel_path;
    uint64_t memory_size = 128ull << 20;
    LoadOptions load;
    std::string serial = "stdio";
    std::optional<double> timeout_seconds;
    bool trace_exits = false;
    // --gdb ENDPOINT: serve the GDB remote protocol there. With gdb_wait the guest does not run
    // until a debugger attaches and continues it.
    std::optional<std::string> gdb_endpoint;
    bool gdb_wait = true;
    int cpus = 1;

    // PC conventions (docs/machine.md, "Running a kernel written for QEMU or GRUB").
    // --display auto|text|none: where the VGA text screen is shown. auto: printed once when the
    // run ends if the guest wrote to it; text: mirrored live in the terminal; none: never.
    std::string display = "auto";
    std::optional<std::string> screen_text_path;  // --screen-text FILE: the final screen, UTF-8
    bool stdin_keyboard = false;                  // --stdin keyboard: stdin feeds the i8042
    bool rtc_localtime = false;                   // --rtc localtime (default UTC)
    bool reboot = false;                          // --reboot: a reset request restarts the kernel
    bool triple_fault_resets = false;             // --triple-fault reset: treat it as a reset
    // --compat mini-kvm|symphony: the seed hypervisors' port ABIs. Empty = svm's own.
    std::string compat;
    // --load-file FILE@ADDR (repeatable): raw files copied to guest-physical ADDR before start.
    struct LoadFile {
        std::string path;
        uint64_t address = 0;
    };
    std::vector<LoadFile> load_files;
};

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
    static Result<std::unique_ptr<Machine>> create(const MachineConfig& config);
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
    Result<void> create_devices();
    // The PC devices, one function (and one file) per family, called by create_devices() in this
    // order. Each registers its bus ranges and appends its machine-table entries.
    Result<void> create_platform_devices();  // machine_platform.cpp: PCI, power, reset, fw_cfg,
                                             // POST/A20 ports, ACPI PM timer, HPET
    Result<void> create_input_devices();     // machine_input.cpp: i8042 keyboard/mouse, CMOS/RTC
    Result<void> create_display();           // machine_display.cpp: VGA text screen and CRTC
    Result<void> create_compat_devices();    // machine_compat.cpp: --compat, --load-file
    // Writes what svm hands the guest once every device exists: the machine table (machine_boot.cpp).
    Result<void> write_boot_tables();
    Result<void> create_vcpus();
    Result<void> create_debugger();
    // SVM_HC_START_CPU from vCPU `caller` (on its thread). Returns 0 or an SVM_E_* error.
    int64_t start_cpu(int caller, const HypercallRegs& regs, const CpuState& caller_state);
    // The outcome if every vCPU sleeps for good, else nothing. Main thread only.
    std::optional<RunOutcome> check_all_halted();
    // Records `outcome` as the end of the run (first wins) and parks every vCPU at its next exit.
    // Returns false if another outcome was recorded first.
    bool record_outcome(RunOutcome outcome);
    void wake_main_thread();

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
    // Where bytes typed on svm's standard input go (COM1 unless --stdin keyboard). Set by
    // create_devices() and the create_* functions; called on the console input thread.
    std::function<void(std::span<const uint8_t>)> stdin_sink_;
    // Run when the run ends, however it ends, after every vCPU stopped, in registration order (the
    // final text screen, --screen-text). Main thread.
    std::vector<std::function<void(const RunOutcome&)>> at_end_;

    std::mutex stop_mutex_;  // guards outcome_
    std::optional<RunOutcome> outcome_;
    std::atomic<bool> stopping_{false};  // outcome_ is set
    UniqueFd stop_fd_;                   // eventfd written by request_stop()
};

}  // namespace svm
