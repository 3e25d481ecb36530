// Thread ids on the wire (GDB manual E.1 "thread-id syntax"): "N", "-1" (all), "0" (any), and
// with the multiprocess extensions "pP.N", "pP.-1" (every thread of P), "pP.0" (any thread of P),
// "pP" (every thread of P), "p-1" / "p-1.-1" (every thread of every process) and "p0.0" (any).
// svm is one process (pid 1) per VM; a ThreadId carries its pid (debug_target.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "gdbstub/debug_target.h"

namespace svm::gdb::protocol {

constexpr int kPid = 1;

struct ThreadSelector {
    enum class Kind { Any, All, One };
    Kind kind = Kind::Any;
    ThreadId thread = 0;  // Kind::One: make_thread_id(pid, tid)
    // Kind::Any and Kind::All: 0 for any/every process, else the pid P of "pP.0" / "pP.-1".
    // Kind::One: the thread's pid.
    int process = 0;
};

// Returns the selector in `text`, std::nullopt if it is malformed or names a process outside
// 1..max_pid (pids -1 and 0 are always accepted). A plain "N" is ThreadId N, which is thread N
// of process 1 when N < kMaxThreadsPerProcess; "pP.N" with N >= kMaxThreadsPerProcess is
// malformed.
std::optional<ThreadSelector> parse_thread_id(std::string_view text, int max_pid = kPid);

// Returns "pP.N" (process_of, local_thread) when the multiprocess extensions are on, the
// ThreadId in hex otherwise ("N" for process 1, as gdb expects).
std::string format_thread_id(ThreadId thread, bool multiprocess);

// Returns the pid of a "vKill;PID", "D;PID", "vAttach;PID" or "qAttached:PID" argument (hex),
// std::nullopt unless it is in 1..max_pid.
std::optional<int> parse_pid(std::string_view text, int max_pid);

}  // namespace svm::gdb::protocol
