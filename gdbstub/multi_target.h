// Several VMs served to one gdb as one DebugTarget: each VM is a process (a gdb inferior) with
// pid 1..N, using the GDB remote protocol's multiprocess extensions (GDB manual E.1 "thread-id
// syntax", E.2 "Packets": D;pid, vKill;pid, vAttach;pid, vCont actions on pP.-1). Each VM keeps
// its own DebugTarget (svm's VmDebugger) with thread ids 1..N; MultiTarget gives them ids that
// carry the pid (make_thread_id, debug_target.h) and routes every call by that pid:
//
// - registers, memory and memory regions go to the VM that owns the thread;
// - breakpoints go to the inferior the session names (the process of gdb's Hg thread);
// - resume() resumes each VM with the vCont actions that apply to it (a VM no action names stays
//   stopped: gdb's default `set schedule-multiple off` resumes the current inferior only);
// - all-stop across VMs: a stop in one VM, or Ctrl-C, stops every VM that runs before gdb hears
//   of it (filter_stop holds the first stop until every other running VM has stopped; the
//   stops of those are swallowed: a breakpoint one of them hit as well is hit again when it
//   resumes).
//
// Wiring (the runtime): register each VM's target with add(), create the Server on the
// MultiTarget, and make each VM report its stops as
//   server.notify_stop(MultiTarget::in_process(pid, reason), after);
// Every DebugTarget call, on the MultiTarget and on the VMs' targets, happens on the server's
// thread, as for one VM.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "gdbstub/debug_target.h"

namespace svm::gdb {

class MultiTarget : public DebugTarget {
public:
    // Registers `target` (which outlives the MultiTarget) as process `pid` named `name` (shown by
    // gdb as the threads' names: "NAME: vCPU 0, ..."). Before the server starts. Returns an
    // error if pid is outside 1..kMaxProcesses or already taken.
    TargetResult<void> add(int pid, std::string name, DebugTarget& target);

    // Returns `stop`, which VM `pid`'s target reported with its own thread ids, with the ids of
    // the MultiTarget (what Server::notify_stop expects). Thread-safe (a pure function).
    static StopReason in_process(int pid, StopReason stop);

    // ^DebugTarget
    StopReason attach() override;
    void detach() override;
    void disconnect_stopped() override;
    void kill() override;
    std::vector<ThreadId> threads() override;
    std::vector<int> processes() override;
    void detach_process(int pid) override;
    void kill_process(int pid) override;
    TargetResult<StopReason> attach_process(int pid) override;
    std::string thread_extra_info(ThreadId thread) override;
    TargetResult<x86_64::RegisterFile> read_registers(ThreadId thread) override;
    TargetResult<void> write_registers(ThreadId thread, const x86_64::RegisterFile& regs) override;
    TargetResult<size_t> read_memory(ThreadId thread, uint64_t addr,
                                     std::span<uint8_t> out) override;
    TargetResult<size_t> write_memory(ThreadId thread, uint64_t addr,
                                      std::span<const uint8_t> in) override;
    bool supports(BreakpointType type) override;
    // Without a pid: in every attached VM.
    TargetResult<void> insert_breakpoint(BreakpointType type, uint64_t addr,
                                         uint64_t kind) override;
    TargetResult<void> remove_breakpoint(BreakpointType type, uint64_t addr,
                                         uint64_t kind) override;
    TargetResult<void> insert_breakpoint_in(int pid, BreakpointType type, uint64_t addr,
                                            uint64_t kind) override;
    TargetResult<void> remove_breakpoint_in(int pid, BreakpointType type, uint64_t addr,
                                            uint64_t kind) override;
    bool supports_memory_regions() override;
    TargetResult<MemoryRegion> memory_region(ThreadId thread, uint64_t addr) override;
    TargetResult<void> resume(std::span<const ResumeAction> actions) override;
    void interrupt() override;
    std::optional<StopReason> filter_stop(const StopReason& stop) override;
    std::optional<std::string> monitor(std::string_view command) override;
    std::optional<std::string> monitor_in(int pid, std::string_view command) override;
    std::string architecture() override;
    std::optional<std::string> exec_file() override;
    std::optional<std::string> exec_file_of(int pid) override;
    // FIXME: vFile serves the first VM's kernel only (session_vfile.cpp knows one exec file).
    TargetResult<std::vector<uint8_t>> read_exec_file(uint64_t offset, size_t length) override;
    std::optional<uint64_t> exec_file_size() override;

private:
    struct Vm {
        int pid = 0;
        std::string name;
        DebugTarget* target = nullptr;
        bool attached = false;     // gdb debugs it (not detached, not killed, not exited)
        bool running = false;      // resumed and no stop seen since
        bool interrupted = false;  // asked to stop by MultiTarget (all-stop) since its resume
    };

    // The attached VM of `pid`, nullptr if none.
    Vm* find(int pid);
    // The attached VM that owns `thread`, nullptr if none.
    Vm* owner(ThreadId thread);
    // The first attached VM (the lowest pid), nullptr if none.
    Vm* first();
    // Stops every running VM not asked yet; returns true if any still runs.
    bool stop_running();

    std::vector<Vm> vms_;             // by pid
    std::optional<StopReason> held_;  // the stop gdb gets once every VM has stopped
};

}  // namespace svm::gdb
