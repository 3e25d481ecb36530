// The breakpoints gdb inserted with Z0/Z1, with their target-side conditions (GDB manual E.2
// "Packets", Z0 cond_list; E.4 "General Query Packets", ConditionalBreakpoints). The session
// keeps it so that a stop at a breakpoint whose conditions are all false can be stepped over
// without gdb seeing it (resume_controller.h).
//
// gdb may send Z0 again for a breakpoint it already inserted, with new conditions, when the user
// edits the condition: insert() then replaces the conditions, and the session does not insert it
// in the target a second time (svm's target counts insertions, and gdb removes it once).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "gdbstub/debug_target.h"
#include "gdbstub/protocol/agent_expr.h"

namespace svm::gdb {

struct GdbBreakpoint {
    int process = 1;  // the pid of the inferior it is inserted in (debug_target.h)
    BreakpointType type = BreakpointType::Software;
    uint64_t addr = 0;
    uint64_t kind = 0;
    std::vector<protocol::AgentExpr> conditions;  // empty: unconditional
};

// Breakpoints are per process (pid, debug_target.h): with several VMs, gdb inserts a breakpoint
// at the same address once per inferior, and each is its own.
class BreakpointTable {
public:
    // Records a Z0/Z1 breakpoint of process `pid`, or replaces the conditions (and kind) of the
    // one of the same type at the same address. Returns true if it is new (the target must
    // insert it).
    bool insert(int pid, BreakpointType type, uint64_t addr, uint64_t kind,
                std::vector<protocol::AgentExpr> conditions);
    // Forgets the breakpoint of `type` at `addr` in `pid`, if there is one.
    void erase(int pid, BreakpointType type, uint64_t addr);
    bool contains(int pid, BreakpointType type, uint64_t addr) const;
    // The software and hardware breakpoints of `pid` at `addr` (at most one of each).
    std::vector<GdbBreakpoint> at(int pid, uint64_t addr) const;
    // Forgets every breakpoint of `pid` (the process was detached or killed).
    void erase_process(int pid);
    void clear() { breakpoints_.clear(); }
    bool empty() const { return breakpoints_.empty(); }

private:
    using Key = std::tuple<int, BreakpointType, uint64_t>;
    std::map<Key, GdbBreakpoint> breakpoints_;
};

// Whether a hit of `breakpoints` (all at the pc of `thread`) is to be reported to gdb: true if
// any of them is unconditional or has a condition that evaluates to non-zero, as the manual's
// Z0 asks (the conditions of a breakpoint are alternatives). An evaluation error (a register or
// memory read that fails, a division by zero, the step budget spent) also counts as true: the
// user sees the stop and can look at why, rather than the breakpoint silently never firing.
// Registers and memory are read through `target` for `thread`; errors go to `log` if set.
bool breakpoint_hit_reportable(DebugTarget& target, ThreadId thread,
                               std::span<const GdbBreakpoint> breakpoints,
                               const std::function<void(std::string_view)>& log = {});

}  // namespace svm::gdb
