// One timed gdb session for bench/gdb_roundtrip: a stock `gdb -batch` attaches to a VMM's gdb
// server and sources bench/gdb_roundtrip.py, which times three commands inside gdb.
#pragma once

#include <optional>
#include <string>

#include "bench/bench_util.h"
#include "core/result.h"

namespace svm::bench {

// What one session does (docs/benchmarks.md, "gdb benchmarks").
struct GdbWorkload {
    int steps = 1000;     // `stepi N`
    int hits = 1000;      // breakpoint hits in one `continue` (`ignore` N-1)
    int dump_mib = 16;    // `dump binary memory` of [1 MiB, 1 MiB + dump_mib MiB)
    int memory_mib = 64;  // guest RAM given to the VMM
};

// Wall times of the three commands, in seconds.
struct GdbTimes {
    double stepi_s = 0;
    double break_s = 0;
    double dump_s = 0;
};

// Runs `gdb` (a path or a name in PATH) against the gdb server at `address` (HOST:PORT) with
// `kernel`'s symbols, sourcing `script` with `workload`'s parameters, then kills the target.
// gdb's architecture is set to i386:x86-64 before connecting: svm and qemu-system-x86_64 both
// send 64-bit register files, which gdb rejects for an ELF32 file otherwise. Returns the times
// on success, an error quoting gdb's output if gdb did not print a clean RESULT line within
// 5 minutes.
Result<GdbTimes> run_gdb_session(const std::string& gdb, const std::string& kernel,
                                 const std::string& script, const std::string& address,
                                 const GdbWorkload& workload);

}  // namespace svm::bench
