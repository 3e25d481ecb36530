// The interface between the GDB remote protocol and whatever is being debugged. The protocol
// library (Session, Server) calls it; svm's core implements it on the real VM. All calls come from
// the server's thread, one at a time.
//
// Errors are in tiers (as the gdbstub crate): a TargetError becomes an "E xx" reply and the session
// goes on; only the transport closing ends a session.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "gdbstub/target_result.h"
#include "gdbstub/x86_64/registers.h"

namespace svm::gdb {

// A gdb thread id: vCPU index + 1 within its process. With several VMs behind one stub
// (MultiTarget, GDB manual E.1 "thread-id syntax", multiprocess extensions) each VM is a process
// with pid 1..N and a ThreadId also carries the pid: make_thread_id(pid, tid). Process 1's ids are
// the plain tids, so a single-VM target (pid 1) never needs to know about processes.
using ThreadId = int;

constexpr int kMaxThreadsPerProcess = 0x10000;  // tids 1..0xffff
constexpr int kMaxProcesses = 0x7fff;           // pids 1..0x7fff: a ThreadId stays positive

// Returns the ThreadId of thread `tid` (1..0xffff) of process `pid` (1..kMaxProcesses).
constexpr ThreadId make_thread_id(int pid, int tid) {
    return (pid - 1) * kMaxThreadsPerProcess + tid;
}
// Returns the pid of a ThreadId > 0 (1 for every single-VM thread).
constexpr int process_of(ThreadId thread) {
    return thread / kMaxThreadsPerProcess + 1;
}
// Returns the tid of a ThreadId > 0 within its process (the vCPU index + 1).
constexpr int local_thread(ThreadId thread) {
    return thread % kMaxThreadsPerProcess;
}

// Signal numbers in gdb's numbering (include/gdb/signals.def).
namespace sig {
constexpr int kNone = 0;
constexpr int kInt = 2;
constexpr int kIll = 4;
constexpr int kTrap = 5;
constexpr int kFpe = 8;
constexpr int kKill = 9;
constexpr int kSegv = 11;
}  // namespace sig

// An exception the guest took (or failed to deliver), for $_siginfo and the stop report.
struct GuestException {
    int vector = 0;                      // 0-31 (Intel SDM Vol. 3A 6.3.1, Table 6-1)
    std::optional<uint32_t> error_code;  // pushed by #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP
    uint64_t address = 0;                // #PF: CR2 (the faulting linear address); else RIP
};

// Why the target stopped (GDB manual, E.3 "Stop Reply Packets").
struct StopReason {
    enum class Kind { Signal, Exited };
    enum class Detail { None, SwBreak, HwBreak, Watch, RWatch, AWatch };

    Kind kind = Kind::Signal;
    ThreadId thread = 1;
    int signal = sig::kTrap;
    int exit_code = 0;  // Kind::Exited
    Detail detail = Detail::None;
    uint64_t watch_address = 0;  // Detail::Watch/RWatch/AWatch
    // Registers to expedite in the stop reply (regno, value), so gdb needs no 'g' after a step:
    // typically rbp, rsp and rip of the stopped thread.
    std::vector<std::pair<int, uint64_t>> expedite;
    // The exception behind the stop (a triple fault, `monitor catch`); none for breakpoints,
    // steps and Ctrl-C. Served as $_siginfo (qXfer:siginfo:read).
    std::optional<GuestException> exception;
};

// What a thread should do on resume (vCont actions; GDB manual E.2 "vCont").
struct ResumeAction {
    // RangeStep is vCont's "r start,end": step while the pc stays in [range_start, range_end).
    // The session carries it out by single steps and never passes it to DebugTarget::resume; a
    // target that meets one anyway should treat it as Step.
    enum class Kind { Continue, Step, Stop, RangeStep };
    Kind kind = Kind::Continue;
    ThreadId thread = -1;  // -1: every thread without an action of its own
    int signal = sig::kNone;
    uint64_t range_start = 0;  // Kind::RangeStep
    uint64_t range_end = 0;
    // With thread == -1: 0 for the threads of every process ("c", "c:-1", "c:p-1.-1"), else
    // only those of this pid ("c:p2.-1", multiprocess extensions).
    int process = 0;
};

// Whether `action` is one for `thread`: it names the thread, or every thread (of its process).
constexpr bool action_applies(const ResumeAction& action, ThreadId thread) {
    if (action.thread != -1) return action.thread == thread;
    return action.process == 0 || action.process == process_of(thread);
}

enum class BreakpointType { Software = 0, Hardware = 1, Write = 2, Read = 3, Access = 4 };

// The stretch of a thread's address space around an address, for LLDB's qMemoryRegionInfo
// (lldb/docs/resources/lldbgdbremote.md): either mapped with the same permissions throughout
// (a page, or a run of pages) or unmapped (a gap).
struct MemoryRegion {
    uint64_t start = 0;
    uint64_t size = 0;  // > 0; start + size may wrap to 0 only at the top of the address space
    bool mapped = false;
    bool readable = false, writable = false, executable = false;
    std::string name;  // e.g. "RAM"; empty: none
};

class DebugTarget {
public:
    virtual ~DebugTarget() = default;

    // A debugger connected. Stops every thread if they are running (all-stop) and returns the
    // reason to report for '?': SIGTRAP at the first instruction, SIGINT if it interrupted the
    // guest, or the last stop.
    virtual StopReason attach() = 0;
    // The debugger detached (or disconnected): remove every breakpoint and watchpoint, stop
    // single-stepping and let the guest run.
    virtual void detach() = 0;
    // The connection closed without D or k while the target was stopped (gdb killed, a
    // handshake that failed, `set non-stop on` refused): remove every breakpoint and
    // watchpoint; whether the threads run on is the target's choice. Default: detach().
    virtual void disconnect_stopped() { detach(); }
    // 'k' / vKill: end the debugged program (svm exits).
    virtual void kill() = 0;

    virtual std::vector<ThreadId> threads() = 0;
    // The processes (VMs) being debugged, by pid (GDB manual E.1, multiprocess extensions);
    // each thread of threads() belongs to one of them (process_of). Default: one, pid 1.
    virtual std::vector<int> processes() { return {1}; }
    // 'D;PID' with other processes still attached: detach that process only (its breakpoints
    // removed, it runs on); its threads leave threads(). Default: detach().
    virtual void detach_process(int /*pid*/) { detach(); }
    // 'vKill;PID' with other processes still attached: end that process only. Default: kill().
    virtual void kill_process(int /*pid*/) { kill(); }
    // 'vAttach;PID' (GDB manual E.2 "vAttach"): attach a process that detach_process() let go
    // again, stopping it. Returns its stop reason; an error if there is no such process or it
    // is attached already. Default: not supported.
    virtual TargetResult<StopReason> attach_process(int /*pid*/) {
        return target_error(1, "not supported");
    }
    // For qThreadExtraInfo and qXfer:threads:read, e.g. "vCPU 0, long mode, CPL 0, running".
    virtual std::string thread_extra_info(ThreadId thread) = 0;

    virtual TargetResult<x86_64::RegisterFile> read_registers(ThreadId thread) = 0;
    virtual TargetResult<void> write_registers(ThreadId thread,
                                               const x86_64::RegisterFile& regs) = 0;

    // Reads/writes memory at a (virtual) address as `thread` sees it. Returns the number of bytes
    // done before the first inaccessible one; an error if none.
    virtual TargetResult<size_t> read_memory(ThreadId thread, uint64_t addr,
                                             std::span<uint8_t> out) = 0;
    virtual TargetResult<size_t> write_memory(ThreadId thread, uint64_t addr,
                                              std::span<const uint8_t> in) = 0;

    // Optional capabilities: default "not supported" (empty reply to Z packets).
    virtual bool supports(BreakpointType) { return false; }
    virtual TargetResult<void> insert_breakpoint(BreakpointType, uint64_t /*addr*/,
                                                 uint64_t /*kind*/) {
        return target_error(1, "not supported");
    }
    virtual TargetResult<void> remove_breakpoint(BreakpointType, uint64_t /*addr*/,
                                                 uint64_t /*kind*/) {
        return target_error(1, "not supported");
    }
    // The same in one process only: gdb inserts a breakpoint once per inferior, with that
    // inferior's thread selected (Hg). The session calls these; a target with one process
    // keeps the defaults, which ignore `pid`.
    virtual TargetResult<void> insert_breakpoint_in(int /*pid*/, BreakpointType type, uint64_t addr,
                                                    uint64_t kind) {
        return insert_breakpoint(type, addr, kind);
    }
    virtual TargetResult<void> remove_breakpoint_in(int /*pid*/, BreakpointType type, uint64_t addr,
                                                    uint64_t kind) {
        return remove_breakpoint(type, addr, kind);
    }

    // Optional: the region of `thread`'s address space that contains `addr` (qMemoryRegionInfo).
    // Not supported by default (an empty reply: LLDB then says so for `memory region`).
    virtual bool supports_memory_regions() { return false; }
    virtual TargetResult<MemoryRegion> memory_region(ThreadId /*thread*/, uint64_t /*addr*/) {
        return target_error(1, "not supported");
    }

    // Resumes threads per `actions` (all-stop: when any thread stops, every thread is stopped
    // before the stop is reported). Returns at once; the stop arrives later through
    // Server::notify_stop. An error means nothing was resumed.
    virtual TargetResult<void> resume(std::span<const ResumeAction> actions) = 0;
    // Asks every thread to stop (Ctrl-C); a SIGINT stop follows through notify_stop.
    virtual void interrupt() = 0;
    // Every stop the server is told of (Server::notify_stop) passes through here first, on the
    // server's thread, before the session handles it. Returns the stop to handle, or
    // std::nullopt to hold it back: a target made of several parts (MultiTarget, one VM each)
    // stops the others first (all-stop) and hands out the stop once all have stopped.
    // Default: the stop itself.
    virtual std::optional<StopReason> filter_stop(const StopReason& stop) { return stop; }

    // 'monitor CMD' (qRcmd). Returns the text to show; empty optional = unknown command.
    virtual std::optional<std::string> monitor(std::string_view /*command*/) {
        return std::nullopt;
    }
    // The same for the process of the selected thread (Hg), where the command runs: with several
    // VMs, `monitor` talks to the VM of gdb's current inferior. Default: monitor(command).
    virtual std::optional<std::string> monitor_in(int /*pid*/, std::string_view command) {
        return monitor(command);
    }
    // The <architecture> of the target description (GDB manual G.2.1): "i386:x86-64", "i386"
    // or "i8086"; empty to leave it out, so gdb takes the architecture from the program file
    // (an ELF32 kernel: gdb's i386 architecture) or from `set architecture`. Asked when gdb
    // reads target.xml, right after the handshake. docs/gdb.md "32-bit kernels" says why.
    virtual std::string architecture() { return "i386:x86-64"; }
    // The absolute path of the program's file for qXfer:exec-file:read, if any.
    virtual std::optional<std::string> exec_file() { return std::nullopt; }
    // The same for process `pid` (qXfer:exec-file:read with a pid annex). Default: exec_file()
    // for pid 1, none for any other.
    virtual std::optional<std::string> exec_file_of(int pid) {
        return pid == 1 ? exec_file() : std::nullopt;
    }
    // Up to `length` bytes of that file from `offset` (fewer at its end), for vFile:pread, so a
    // gdb on another machine can load the symbols; and its size, for vFile:fstat.
    virtual TargetResult<std::vector<uint8_t>> read_exec_file(uint64_t /*offset*/,
                                                              size_t /*length*/) {
        return target_error(1, "not supported");
    }
    virtual std::optional<uint64_t> exec_file_size() { return std::nullopt; }
};

}  // namespace svm::gdb
