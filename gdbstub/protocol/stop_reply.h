// Stop reply packets (GDB manual E.3 "Stop Reply Packets").
#pragma once

#include <string>

#include "gdbstub/debug_target.h"

namespace svm::gdb::protocol {

// Returns the reply for `reason`:
//   Signal: "TAA" + expedited "NN:value;" (regno hex, value in target byte order, the
//           register's full width) + "thread:ID;" + "swbreak:;" / "hwbreak:;" /
//           "watch:ADDR;" / "rwatch:ADDR;" / "awatch:ADDR;";
//   Exited: "WAA" + ";process:P" with the multiprocess extension (P the pid of reason.thread:
//           1 for a single VM). ID is "pP.N" with the extension, else the ThreadId in hex.
std::string format_stop_reply(const StopReason& reason, bool multiprocess);

}  // namespace svm::gdb::protocol
