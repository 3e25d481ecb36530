// Thread ids on the wire (GDB manual E.1 "thread-id syntax"): "N", "-1" (all), "0" (any), and
// with the multiprocess extension "pP.N", "pP.-1", "pP" (every thread of process P). svm has one
// process, pid 1.
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
    ThreadId thread = 0;  // Kind::One
};

// Returns the selector in `text`, std::nullopt if it is malformed or names a process other than
// pid 1 (or -1/0).
std::optional<ThreadSelector> parse_thread_id(std::string_view text);

// Returns "p1.N" when the multiprocess extension is on, "N" otherwise (hex, as gdb expects).
std::string format_thread_id(ThreadId thread, bool multiprocess);

}  // namespace svm::gdb::protocol
