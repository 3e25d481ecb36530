#include "bench/gdb_session.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "bench/timed_child.h"

namespace svm::bench {

namespace {

constexpr double kSessionTimeoutS = 300;
constexpr unsigned kDumpStart = 0x100000;  // 1 MiB, where Multiboot kernels load

}  // namespace

Result<GdbTimes> run_gdb_session(const std::string& gdb, const std::string& kernel,
                                 const std::string& script, const std::string& address,
                                 const GdbWorkload& workload) {
    std::string dump_path = fmt::format("/tmp/svm-gdb-roundtrip-{}.bin", getpid());
    unsigned dump_end = kDumpStart + static_cast<unsigned>(workload.dump_mib) * 0x100000u;
    std::string params = fmt::format(
        "python bench_steps = {}; bench_hits = {}; bench_dump_path = '{}'; "
        "bench_dump_start = {:#x}; bench_dump_end = {:#x}",
        workload.steps, workload.hits, dump_path, kDumpStart, dump_end);
    // gdb's stderr joins its stdout (through a shell) so that an error is quoted in full.
    auto child = TRY(TimedChild::spawn({"/bin/sh",
                                        "-c",
                                        "exec \"$0\" \"$@\" 2>&1",
                                        gdb,
                                        "-nx",
                                        "-batch",
                                        "-ex",
                                        "set pagination off",
                                        "-ex",
                                        "set confirm off",
                                        "-ex",
                                        "set architecture i386:x86-64",
                                        "-ex",
                                        "file " + kernel,
                                        "-ex",
                                        params,
                                        "-ex",
                                        "target remote " + address,
                                        "-x",
                                        script,
                                        "-ex",
                                        "kill"},
                                       {}));
    int code = TRY(child->wait_exit(kSessionTimeoutS));
    const std::string& out = child->output();
    static const std::regex result("RESULT stepi_s=([0-9.]+) break_s=([0-9.]+) dump_s=([0-9.]+)");
    std::smatch m;
    if (out.find("BENCH-ERROR") != std::string::npos || !std::regex_search(out, m, result))
        return error("gdb (exit code {}) did not measure cleanly:\n{}", code, out);
    return GdbTimes{std::stod(m[1].str()), std::stod(m[2].str()), std::stod(m[3].str())};
}

}  // namespace svm::bench
