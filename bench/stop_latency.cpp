// bench/stop_latency: svm's all-stop latency, from a breakpoint exit on one vCPU until every vCPU
// is paused, with 2, 4 and 8 vCPUs (over-committed on a 2-core host). svm measures the interval
// itself and logs it with -v, one line per stop (core/debug/vm_debugger.cpp, report_stop):
//   svm: debugger: vCPU N stopped (signal 5); all M vCPUs paused after U us
// The guest, bench/guest/stop_target.elf, keeps every other CPU spinning while one CPU calls
// stop_target() in a loop. One `gdb -batch` per vCPU count sets `break stop_target`, continues to
// the first hit (all APs are running by then), then continues once through `--hits` more hits
// (`ignore` N-1: gdb resumes internally after each). The benchmark collects U from svm's stderr
// and prints median, p99 and maximum per vCPU count. It prints figures; it never fails on them.
#include <fmt/format.h>
#include <sched.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

#include "bench/bench_util.h"
#include "bench/gdb_session.h"
#include "bench/stats.h"
#include "bench/timed_child.h"

namespace {

using namespace svm;
using namespace svm::bench;

constexpr double kListenTimeoutS = 20;
constexpr double kSessionTimeoutS = 60;  // plus kSessionTimeoutPerHitS per hit
constexpr double kSessionTimeoutPerHitS = 0.1;
constexpr double kTargetUs = 1000;  // the target: p99 under 1 ms

struct Config {
    std::string svm, gdb, kernel;
    std::vector<int> cpus{2, 4, 8};
    int hits = 500;
    bool caller_first = false;  // CPU 0 calls stop_target instead of the last CPU
    bool others_halt = false;   // the other CPUs halt instead of spinning
};

// The stops of one session, from svm's log.
struct Stops {
    std::vector<double> all_us;    // every stop after the first breakpoint hit
    std::vector<double> break_us;  // stops of the breakpoint itself
    std::vector<double> step_us;   // gdb's single steps over the breakpoint between hits
    double continue_s = 0;         // wall time of the timed `continue`, from gdb
    int vcpus_reported = 0;        // M in "all M vCPUs paused"
};

Result<std::string> read_text(const std::string& path) {
    std::ifstream in(path);
    if (!in) return error("cannot read {}: {}", path, std::strerror(errno));
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// Waits until svm's log names the address it listens on. Returns "127.0.0.1:PORT", or an error
// quoting the log if it did not appear within kListenTimeoutS.
Result<std::string> wait_for_listen_address(const std::string& log_path) {
    static const std::regex listening("waiting for gdb on (127\\.0\\.0\\.1:[0-9]+)");
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::duration<double>(kListenTimeoutS);
    std::string text;
    while (std::chrono::steady_clock::now() < deadline) {
        // The shell may not have created the file yet: read it as empty until it has.
        if (access(log_path.c_str(), F_OK) == 0) text = TRY(read_text(log_path));
        std::smatch m;
        if (std::regex_search(text, m, listening)) return m[1].str();
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return error("svm did not say where it listens: {}", text);
}

// Splits svm's log into stops. The first stop line is the untimed first hit. After it, gdb's
// internal resume after each ignored hit first single-steps the stopped vCPU alone over the
// breakpoint (`vCont;s:p1.N`: one stop, the other vCPUs are already paused) and then continues all
// vCPUs to the next hit (another stop), so the lines alternate step, break.
Stops parse_stops(const std::string& log) {
    static const std::regex line(
        "debugger: vCPU ([0-9]+) stopped \\(signal [0-9]+\\); all ([0-9]+) vCPUs paused after "
        "([0-9]+) us");
    Stops stops;
    int index = 0;
    for (auto it = std::sregex_iterator(log.begin(), log.end(), line); it != std::sregex_iterator();
         ++it, ++index) {
        stops.vcpus_reported = std::stoi((*it)[2].str());
        if (index == 0) continue;  // the first hit, before the timed continue
        double us = std::stod((*it)[3].str());
        stops.all_us.push_back(us);
        (index % 2 == 1 ? stops.step_us : stops.break_us).push_back(us);
    }
    return stops;
}

// One session with `cpus` vCPUs. Returns the stops on success, an error quoting svm's or gdb's
// output otherwise.
Result<Stops> run_session(const Config& c, int cpus) {
    std::string log_path = fmt::format("/tmp/svm-stop-latency-{}-{}.log", getpid(), cpus);
    // svm's stderr goes to a file, not a pipe: with -v it logs a line per stop, and a pipe that
    // nobody reads while gdb runs would fill and block svm.
    auto svm =
        TRY(TimedChild::spawn({"/bin/sh", "-c", "exec \"$@\" 2>\"$0\"", log_path, c.svm, "-v",
                               "--cpus", std::to_string(cpus), "--gdb", "127.0.0.1:0", c.kernel},
                              {}));
    struct Unlink {
        std::string path;
        ~Unlink() { ::unlink(path.c_str()); }
    } unlink_log{log_path};
    std::string address = TRY(wait_for_listen_address(log_path));

    auto gdb =
        TRY(TimedChild::spawn({"/bin/sh",
                               "-c",
                               "exec \"$0\" \"$@\" 2>&1",
                               c.gdb,
                               "-nx",
                               "-batch",
                               "-ex",
                               "set pagination off",
                               "-ex",
                               "set confirm off",
                               "-ex",
                               "file " + c.kernel,
                               "-ex",
                               "target remote " + address,
                               "-ex",
                               fmt::format("set var stop_caller_last = {}", c.caller_first ? 0 : 1),
                               "-ex",
                               fmt::format("set var others_halt = {}", c.others_halt ? 1 : 0),
                               "-ex",
                               "break stop_target",
                               "-ex",
                               "continue",
                               "-ex",
                               fmt::format("ignore 1 {}", c.hits - 1),
                               "-ex",
                               "python import time; bench_t0 = time.perf_counter()",
                               "-ex",
                               "continue",
                               "-ex",
                               "python print('CONTINUE_S %.6f' % (time.perf_counter() - bench_t0))",
                               "-ex",
                               "info breakpoints",
                               "-ex",
                               "kill"},
                              {}));
    auto gdb_code = gdb->wait_exit(kSessionTimeoutS + kSessionTimeoutPerHitS * c.hits);
    if (!gdb_code)
        return error("gdb's session did not end ({}); svm may be hung in a stop:\n{}",
                     gdb_code.error().message, gdb->output());
    static const std::regex elapsed("CONTINUE_S ([0-9.]+)");
    static const std::regex hit_count("breakpoint already hit ([0-9]+) time");
    std::smatch m, h;
    const std::string& out = gdb->output();
    if (!std::regex_search(out, m, elapsed) || !std::regex_search(out, h, hit_count))
        return error("gdb (exit code {}) did not finish the session:\n{}", *gdb_code, out);
    // The first `continue` is one hit, the timed one `hits` more.
    if (int hit = std::stoi(h[1].str()); hit != c.hits + 1)
        return error("the breakpoint was hit {} times, expected {}:\n{}", hit, c.hits + 1, out);
    if (auto code = svm->wait_exit(30); !code)
        return error("svm did not exit after gdb's kill: {}", code.error().message);

    Stops stops = parse_stops(TRY(read_text(log_path)));
    stops.continue_s = std::stod(m[1].str());
    if (stops.break_us.size() != static_cast<size_t>(c.hits))
        return error(
            "svm logged {} stops for {} breakpoint hits (expected {}; is this svm built "
            "with the stop-latency log line?)",
            stops.all_us.size() + 1, c.hits + 1, 2 * c.hits + 1);
    return stops;
}

std::string summary(const std::vector<double>& us) {
    auto over_1ms = std::count_if(us.begin(), us.end(), [](double u) { return u >= kTargetUs; });
    return fmt::format("median {:7.1f} us  p99 {:7.1f} us  max {:7.1f} us  ({} >= 1 ms)",
                       median(us), percentile(us, 99), percentile(us, 100), over_1ms);
}

int run(const Config& c) {
    if (access("/dev/kvm", R_OK | W_OK) != 0) {
        fmt::print("stop_latency: skipped: /dev/kvm is not usable ({})\n", std::strerror(errno));
        return 0;
    }
    auto gdb = find_in_path(c.gdb);
    if (!gdb) {
        fmt::print("stop_latency: skipped: {} is not on PATH\n", c.gdb);
        return 0;
    }
    fmt::print(
        "stop_latency: {} breakpoint hits per vCPU count, host has {} CPUs; CPU {} hits, "
        "the others {}; kernel {}\n",
        c.hits, std::thread::hardware_concurrency(), c.caller_first ? "0" : "N-1",
        c.others_halt ? "halt" : "spin", c.kernel);
    Config with_gdb = c;
    with_gdb.gdb = *gdb;
    for (int cpus : c.cpus) {
        auto stops = run_session(with_gdb, cpus);
        if (!stops) {
            fmt::print(stderr, "stop_latency: {} vCPUs: {}\n", cpus, stops.error().message);
            return 1;
        }
        fmt::print("{} vCPUs: {} stops in {:.0f} ms ({:.0f} us per hit, incl. gdb)\n", cpus,
                   stops->all_us.size(), stops->continue_s * 1e3, stops->continue_s * 1e6 / c.hits);
        fmt::print("  breakpoint stops  {:5}: {}\n", stops->break_us.size(),
                   summary(stops->break_us));
        fmt::print("  step-over stops   {:5}: {}\n", stops->step_us.size(),
                   summary(stops->step_us));
        // One summary line per vCPU count; run.sh's summary greps for "^stop-all ".
        double p99 = percentile(stops->break_us, 99);
        fmt::print("stop-all {} vCPUs: breakpoint {} (target p99 < 1 ms: {})\n", cpus,
                   summary(stops->break_us), p99 < kTargetUs ? "met" : "MISSED");
        std::fflush(stdout);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"svm stop-all latency: breakpoint exit to every vCPU paused, by vCPU count"};
    Config c{.svm = SVM_BENCH_SVM, .gdb = "gdb", .kernel = SVM_BENCH_STOP_TARGET_GUEST};
    int cpu = -1;
    app.add_option("--svm", c.svm, "the svm binary")->capture_default_str();
    app.add_option("--gdb", c.gdb, "the gdb binary (name in PATH or path)")->capture_default_str();
    app.add_option("--kernel", c.kernel, "a kernel whose CPU 0 calls stop_target in a loop")
        ->capture_default_str();
    app.add_option("--cpus", c.cpus, "vCPU counts to measure")
        ->capture_default_str()
        ->delimiter(',')
        ->check(CLI::Range(1, 64));
    app.add_option("--hits", c.hits, "timed breakpoint hits per vCPU count")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    app.add_flag("--caller-first", c.caller_first,
                 "CPU 0 hits the breakpoint (default: the last CPU; CPU 0 exposes svm's "
                 "resume/pause race, docs/benchmarks.md)");
    app.add_flag("--others-halt", c.others_halt,
                 "the other CPUs halt instead of spinning (default: they spin)");
    app.add_option("--cpu", cpu, "run gdb and svm on this one host CPU (default: any)")
        ->check(CLI::Range(0, CPU_SETSIZE - 1));
    CLI11_PARSE(app, argc, argv);
    if (cpu >= 0) {
        if (auto pinned = pin_to_cpu(cpu, "stop_latency"); !pinned) {
            fmt::print(stderr, "%s\n", pinned.error().message);
            return 1;
        }
    }
    return run(c);
}
