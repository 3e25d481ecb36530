// The one place where KVM meets the debugger: svm's DebugTarget on the real VM.
//
// Threads: DebugTarget methods run on the gdb server's thread and never issue vCPU ioctls
// themselves; they ask the vCPU threads (Vcpu::run_on_thread) while the vCPUs are paused. The
// on_* hooks run on vCPU threads, from exit dispatch. All-stop: whenever one vCPU stops for any
// reason, every vCPU is paused before gdb hears of it (as cloud-hypervisor's gdb support).
#pragma once

#include <svm/machine.h>

#include <array>
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/debug/register_map.h"
#include "core/debug/software_breakpoints.h"
#include "core/debug/watchpoints.h"
#include "core/guest_memory.h"
#include "core/kvm/kvm.h"
#include "core/kvm/vcpu.h"
#include "core/loader/elf_symbols.h"
#include "core/loader/kernel_image.h"
#include "core/x86_64/debug_registers.h"
#include "core/x86_64/page_walker.h"
#include "gdbstub/debug_target.h"

namespace svm {

class VmDebugger final : public gdb::DebugTarget {
public:
    struct Deps {
        GuestMemory& memory;
        Kvm& kvm;
        std::vector<std::unique_ptr<Vcpu>>& vcpus;
        const KernelImage& image;
        std::string kernel_path;
        std::function<void()> kill;  // ends svm ('k')
        // The host delivers debug-register data breakpoints (host_honours_data_breakpoints):
        // then small aligned write and access watchpoints use free debug registers first.
        bool data_breakpoints = false;
        // `monitor screen`: the VGA text screen as 25 lines of UTF-8; empty if there is none.
        std::function<std::string()> screen_text;
        // A debugger that disconnects while the guest is stopped leaves it stopped (--gdb) or
        // detaches and lets it run (--gdb-nowait). docs/gdb.md "Connecting and disconnecting".
        bool keep_stopped_on_disconnect = false;
        // `monitor info mtree` and `monitor devices`: the machine table's guest-physical memory
        // map and device list (<svm/machine.h>), read when the command runs; empty if unknown.
        std::function<std::vector<svm_mem_range>()> memory_map = {};
        std::function<std::vector<svm_device>()> devices = {};
        // `monitor exits`: the exit-count table (ExitStats::format_table); empty if unknown.
        std::function<std::string()> exit_table = {};
        // `monitor system_reset`: ends the run as a guest reset request does (svm does not
        // reboot: RunOutcome::Kind::Reset, exit code 116); empty if not supported.
        std::function<void()> reset = {};
        // `monitor screendump FILE`: writes the screen to a PNG file and returns the reply line;
        // empty if the machine has no display.
        std::function<std::string(const std::string& path)> screendump = {};
    };
    // Sends a stop to gdb; `after` runs once it is sent (or at once with no client).
    using NotifyStop = std::function<void(gdb::StopReason, std::function<void()> after)>;

    // Installs a before-run hook on every vCPU: construct before the vCPUs start.
    explicit VmDebugger(Deps deps);
    // Joins the thread that reports device-write watchpoint stops. Destroy after the vCPUs and
    // every device thread have stopped.
    ~VmDebugger() override;
    void connect(NotifyStop notify, std::function<bool()> has_client);

    // True while a debugger is attached: stops go to it instead of ending the run.
    bool attached() const { return attached_.load(std::memory_order_acquire); }

    // --- Hooks on vCPU threads. Each returns true if the vCPU stopped: the hook has parked it
    // (and reported the stop), and exit dispatch must return VcpuExitHandler::Action::Yield. ---
    // KVM_EXIT_DEBUG: a single step, a hardware breakpoint, or a software breakpoint (#BP).
    bool on_debug_exit(Vcpu& vcpu);
    // An emulation failure: on nested KVM-PVM hosts an inserted int3 arrives this way. Returns
    // true if RIP is at one of svm's breakpoints (then it is a breakpoint stop).
    bool on_emulation_failure(Vcpu& vcpu);
    // A port I/O, MMIO or HLT exit completed an instruction: if the vCPU is single-stepping, that
    // instruction was the step (KVM would otherwise run one more before the debug exit).
    bool on_instruction_exit(Vcpu& vcpu);
    // An MMIO exit inside guest RAM (a page protected for watchpoints): completes the access
    // against RAM and stops if it touched a watched range.
    bool on_ram_access(Vcpu& vcpu);
    // A device wrote guest-physical [gpa, gpa + length) (a virtio device filling the driver's
    // buffers, on an I/O or back-end thread; SplitQueue::set_write_observer). If that touches a
    // write or access watchpoint while gdb is attached, every vCPU stops and gdb gets a
    // watchpoint stop for the watched address on thread 1, as if a CPU had written it. Never
    // blocks: the caller may hold a device lock that a vCPU is waiting for, so the vCPUs are
    // paused and the stop reported from a thread of the debugger's own.
    void on_device_write(uint64_t gpa, uint64_t length);
    // The guest crashed (triple fault: SIGSEGV, emulation failure: SIGILL): stop with its state.
    void on_crash(Vcpu& vcpu, int signal);
    // The guest ended with `code`: gdb gets "W", then `then` runs.
    void on_guest_exit(int code, std::function<void()> then);

    // ^gdb::DebugTarget
    gdb::StopReason attach() override;
    void detach() override;
    void disconnect_stopped() override;
    void kill() override;
    std::vector<gdb::ThreadId> threads() override;
    std::string thread_extra_info(gdb::ThreadId thread) override;
    gdb::TargetResult<gdb::x86_64::RegisterFile> read_registers(gdb::ThreadId thread) override;
    gdb::TargetResult<void> write_registers(gdb::ThreadId thread,
                                            const gdb::x86_64::RegisterFile& regs) override;
    gdb::TargetResult<size_t> read_memory(gdb::ThreadId thread, uint64_t addr,
                                          std::span<uint8_t> out) override;
    gdb::TargetResult<size_t> write_memory(gdb::ThreadId thread, uint64_t addr,
                                           std::span<const uint8_t> in) override;
    bool supports(gdb::BreakpointType) override { return true; }
    gdb::TargetResult<void> insert_breakpoint(gdb::BreakpointType type, uint64_t addr,
                                              uint64_t kind) override;
    gdb::TargetResult<void> remove_breakpoint(gdb::BreakpointType type, uint64_t addr,
                                              uint64_t kind) override;
    gdb::TargetResult<void> resume(std::span<const gdb::ResumeAction> actions) override;
    void interrupt() override;
    bool supports_memory_regions() override { return true; }
    gdb::TargetResult<gdb::MemoryRegion> memory_region(gdb::ThreadId thread,
                                                       uint64_t addr) override;
    std::optional<std::string> monitor(std::string_view command) override;
    // ELF kernels: none for ELF32 (gdb takes i386 from the file), "i386:x86-64" for ELF64;
    // other kernels: by the mode of the vCPU gdb stops first (real: i8086, protected: i386).
    std::string architecture() override;
    std::optional<std::string> exec_file() override;
    gdb::TargetResult<std::vector<uint8_t>> read_exec_file(uint64_t offset, size_t length) override;
    std::optional<uint64_t> exec_file_size() override;

private:
    using HardwareBreakpoint = DebugRegisterSlot;
    // Puts a write or access watchpoint in a free debug register if the host honours data
    // breakpoints and the range fits one (1, 2, 4 or 8 bytes, aligned). Returns whether it did.
    bool insert_data_breakpoint(gdb::BreakpointType type, uint64_t addr, uint64_t length);
    bool remove_data_breakpoint(gdb::BreakpointType type, uint64_t addr, uint64_t length);
    struct VcpuDebug {
        bool stepping = false;
        bool debug_dirty = true;  // guest-debug settings to apply before the next entry
        std::optional<VcpuRegisters> cache;
        // The vCPU resumes from a catch point (monitor catch): it single-steps past it with the
        // breakpoint out, which then goes back in; gdb_step: gdb asked for that step itself.
        std::optional<uint64_t> catch_rearm_gpa;
        bool gdb_step = false;
    };
    // A single step (or an instruction exit while stepping) of `vcpu`: if it was svm's own step
    // past a catch point, re-arms the point and returns true when the stop is not for gdb (the
    // vCPU runs on). Takes mutex_.
    bool finish_catch_step(Vcpu& vcpu);

    // Re-reads each vCPU's IDT and puts a software breakpoint at the handler of every caught
    // vector (removing the last resume's). Called by resume() with the vCPUs paused.
    void arm_catch_points();
    // With mutex_ held: if the breakpoint at `gpa` is a catch point, fills `reason` with the
    // exception (signal, vector, error code, and CR2 or the faulting address from the stack)
    // and returns true.
    bool catch_stop(const CpuState& state, uint64_t gpa, gdb::StopReason& reason);
    // Steps over BIOS calls (bios_step_over.h): removes the last resume's step-over points, then
    // for every vCPU in `plan` that steps onto an `int` into the BIOS ROM puts a hidden software
    // breakpoint at its return address and marks it in `step_over` (that vCPU runs instead of
    // stepping). Called by resume() with the vCPUs paused.
    void arm_step_overs(const std::vector<std::optional<gdb::ResumeAction::Kind>>& plan,
                        std::vector<bool>& step_over);
    // With mutex_ held: if the breakpoint at `gpa` is a step-over point, takes it out and fills
    // `reason` as the end of a step; returns true.
    bool step_over_stop(uint64_t gpa, gdb::StopReason& reason);
    // Removes every breakpoint, watchpoint and single-step and marks the debugger detached
    // (the vCPUs stay as they are).
    void clear_debug_state();
    // Vcpu::set_before_run hook: applies this vCPU's guest-debug settings on its own thread, so a
    // resume costs no round trip to the vCPU thread.
    void apply_debug_settings(Vcpu& vcpu);

    // Claims the right to report a stop; the first claimer pauses every other vCPU, waits for
    // them and sends `reason` (with rbp/rsp/rip of the stopping vCPU expedited).
    void report_stop(Vcpu* vcpu, gdb::StopReason reason);
    void pause_all_and_wait(const Vcpu* except);
    gdb::TargetResult<VcpuRegisters> registers(gdb::ThreadId thread);
    // Sets `s` to the architectural state after INIT (the view of an AP waiting for a SIPI).
    static void show_wait_for_sipi_state(CpuState& s);
    gdb::TargetResult<PagingRegs> paging(gdb::ThreadId thread);
    // Calls fn(gpa, offset, length) for each page-sized piece of [addr, addr + len) as `thread`
    // (or, with monitor phys on, physical memory) sees it, until a piece is unmapped or fn
    // returns false. Returns the bytes done; an error if none. Holds mutex_.
    template <typename Fn>
    gdb::TargetResult<size_t> for_each_page(gdb::ThreadId thread, uint64_t addr, size_t len,
                                            Fn&& fn);
    Vcpu* vcpu_for(gdb::ThreadId thread);
    // Translates a guest-virtual address of `thread` to guest-physical RAM.
    std::optional<uint64_t> to_physical(gdb::ThreadId thread, uint64_t vaddr);
    // Where a software breakpoint at `vaddr` goes: its physical address now, or through the ELF
    // segments; nothing if neither is RAM.
    std::optional<uint64_t> breakpoint_gpa(gdb::ThreadId thread, uint64_t vaddr);
    // The guest-physical address of a virtual one through the kernel's ELF segments.
    std::optional<uint64_t> through_elf_segments(uint64_t vaddr) const;
    std::array<uint64_t, 8> debug_registers() const;
    uint32_t debug_control(const VcpuDebug& d) const;
    gdb::TargetResult<void> apply_page_access();
    // The kernel ELF's symbol table, read from deps_.kernel_path on first use (monitor idt);
    // nullptr if the kernel is not an ELF file or has no symbols. Server thread only.
    const ElfSymbols* kernel_symbols();
    // Ends the run through `end` (deps_.kill or deps_.reset) after the reply to the current
    // packet has gone out, as kill() does.
    void end_run(std::function<void()> end);

    Deps deps_;
    NotifyStop notify_;
    std::function<bool()> has_client_;

    std::atomic<bool> attached_{false};
    std::atomic<bool> stop_claimed_{false};

    // Lock order: resume_mutex_, then mutex_, then any Vcpu's internal mutex. mutex_ is never
    // held across run_on_thread from a vCPU thread.
    // resume_mutex_ makes a resume (which sets vCPUs running one by one) and a stop's pause-all
    // exclusive: otherwise a vCPU that stops at once could pause the others before the resume
    // loop reaches them, and the loop would set them running again behind its back.
    std::mutex resume_mutex_;
    // Pauses every vCPU and reports `reason` (on thread 1, its registers expedited) to gdb: a
    // stop no vCPU caused itself (Ctrl-C, a device write). The caller has claimed the stop.
    void stop_all_and_report(gdb::StopReason reason);
    std::mutex device_stop_mutex_;  // guards device_stop_thread_
    std::thread device_stop_thread_;
    mutable std::mutex mutex_;
    SoftwareBreakpoints software_;
    std::array<HardwareBreakpoint, 4> hardware_{};
    Watchpoints watchpoints_;
    std::vector<VcpuDebug> vcpu_debug_;
    gdb::StopReason last_stop_;
    bool started_ = false;   // the guest has run since svm started
    bool physical_ = false;  // monitor phys on
    // monitor catch: the vectors to stop on, and the handler breakpoints armed for them at the
    // last resume (guest-physical address -> vector), counted in software_ like gdb's own.
    std::set<int> catch_vectors_;
    // Software breakpoints changed since the page access was last applied (apply_page_access,
    // at the next resume: gdb inserts them one Z packet at a time).
    bool page_access_dirty_ = false;
    std::map<uint64_t, int> catch_points_;
    // Hidden breakpoints ending a step over a BIOS call: guest-physical address -> vCPU index.
    std::map<uint64_t, size_t> step_over_points_;
    std::optional<ElfSymbols> symbols_;  // kernel_symbols(), once loaded
    bool symbols_loaded_ = false;
};

}  // namespace svm
