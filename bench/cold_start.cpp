// bench/cold_start: time from process start (just before posix_spawn) to the first byte a
// Multiboot 1 kernel writes to COM1, read from the VMM's stdout pipe, and to the end of the whole
// run (the kernel exits at once: SVM_HC_EXIT under svm, isa-debug-exit under QEMU). svm first;
// then, where qemu-system-x86_64 is on PATH, QEMU with -accel kvm and -accel tcg on the same
// kernel. Prints median, p90 and min per VMM and the ratios; never fails on a threshold.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <sstream>

#include "bench/bench_util.h"
#include "bench/stats.h"
#include "bench/timed_child.h"

namespace {

using namespace svm;
using namespace svm::bench;

constexpr double kTargetMs = 20;            // target for svm's first byte
constexpr double kWholeRunTargetMs = 10;    // target for svm's whole run (median)
constexpr double kWholeRunRatioTarget = 8;  // target: QEMU-TCG's whole run / svm's
constexpr double kSlowRunS = 1.0;           // a VMM slower than this per run gets fewer runs
constexpr int kSlowRuns = 5;                // ... this many
constexpr double kFirstByteTimeoutS = 30;

struct Run {
    double first_byte_ms = 0;  // process start to the first console byte
    double whole_ms = 0;       // process start to exit
};

struct Series {
    std::string name;
    std::vector<double> first_byte_ms;
    std::vector<double> whole_ms;
};

// Times one boot of `argv` whose run must end by itself with `expected_code`.
Result<Run> boot_once(const std::vector<std::string>& argv, int expected_code, bool quiet_stderr) {
    auto child = TRY(TimedChild::spawn(argv, {.quiet_stderr = quiet_stderr}));
    double first = TRY(child->wait_for_byte(std::nullopt, kFirstByteTimeoutS));
    int code = TRY(child->wait_exit(kFirstByteTimeoutS));
    if (code != expected_code)
        return error("{} exited with code {} (expected {})", argv[0], code, expected_code);
    return Run{first * 1e3, child->exit_time() * 1e3};
}

// One svm boot: the kernel ends it through SVM_HC_EXIT with code 0.
Result<Run> svm_once(const std::string& svm, const std::string& kernel) {
    return boot_once({svm, kernel}, 0, false);
}

// One QEMU boot: the kernel ends it through isa-debug-exit with value 0 (QEMU exits with 1).
Result<Run> qemu_once(const std::string& qemu, const std::string& kernel,
                      const std::string& accel) {
    return boot_once({qemu, "-accel", accel, "-kernel", kernel, "-display", "none", "-serial",
                      "stdio", "-monitor", "none", "-no-reboot", "-m", "128M", "-device",
                      "isa-debug-exit,iobase=0xf4,iosize=0x04"},
                     1, true);
}

// Runs `once` up to `runs` times (kSlowRuns if the first run is slower than kSlowRunS).
template <typename F>
Result<Series> measure(std::string name, int runs, F once) {
    Series s{std::move(name), {}, {}};
    for (int i = 0; i < runs; ++i) {
        Run run = TRY(once());
        s.first_byte_ms.push_back(run.first_byte_ms);
        s.whole_ms.push_back(run.whole_ms);
        if (i == 0 && run.whole_ms > kSlowRunS * 1e3 && runs > kSlowRuns) runs = kSlowRuns;
    }
    return s;
}

void print_series(const Series& s) {
    auto line = [&](const char* what, const std::vector<double>& ms) {
        fmt::print(
            "{:<16} {:<10} {:>4} runs  median {:>9.2f} ms  p90 {:>9.2f} ms  min {:>9.2f} "
            "ms\n",
            s.name, what, ms.size(), median(ms), percentile(ms, 90), minimum(ms));
    };
    line("first byte", s.first_byte_ms);
    line("whole run", s.whole_ms);
    std::fflush(stdout);
}

int run(const std::string& svm, const std::string& kernel, int runs, bool use_qemu,
        const std::string& qemu_name) {
    if (access("/dev/kvm", R_OK | W_OK) != 0) {
        fmt::print("cold_start: skipped: /dev/kvm is not usable ({})\n", std::strerror(errno));
        return 0;
    }
    fmt::print("cold_start: process start to first serial byte, kernel {}\n", kernel);
    auto svm_series = measure("svm", runs, [&] { return svm_once(svm, kernel); });
    if (!svm_series) {
        fmt::print(stderr, "cold_start: svm: {}\n", svm_series.error().message);
        return 1;
    }
    print_series(*svm_series);
    double svm_median = median(svm_series->first_byte_ms);
    double svm_whole = median(svm_series->whole_ms);
    fmt::print("svm median {:.2f} ms; target < {:.0f} ms: {}\n", svm_median, kTargetMs,
               svm_median < kTargetMs ? "met" : "MISSED");
    fmt::print("svm whole run median {:.2f} ms; target <= {:.0f} ms: {}\n", svm_whole,
               kWholeRunTargetMs, svm_whole <= kWholeRunTargetMs ? "met" : "MISSED");

    std::optional<std::string> qemu;
    if (use_qemu) qemu = find_in_path(qemu_name);
    if (!qemu) {
        fmt::print("QEMU comparison skipped: {}\n",
                   use_qemu ? qemu_name + " is not on PATH" : std::string("--no-qemu"));
        return 0;
    }
    for (std::string accel : {"kvm", "tcg"}) {
        auto series =
            measure("qemu -accel " + accel, runs, [&] { return qemu_once(*qemu, kernel, accel); });
        if (!series) {
            fmt::print("qemu -accel {}: skipped: {}\n", accel, series.error().message);
            continue;
        }
        print_series(*series);
        fmt::print(
            "  ratio qemu -accel {} / svm (medians): first byte {:.1f}x, whole run {:.1f}x\n",
            accel, median(series->first_byte_ms) / svm_median,
            median(series->whole_ms) / svm_whole);
        if (accel == "tcg")
            fmt::print(
                "  whole run vs QEMU-TCG: target >= {:.0f}x: {}\n", kWholeRunRatioTarget,
                median(series->whole_ms) / svm_whole >= kWholeRunRatioTarget ? "met" : "MISSED");
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"svm cold-start benchmark: process start to the first serial byte and to exit"};
    std::string svm = SVM_BENCH_SVM;
    std::string kernel = SVM_BENCH_COLD_START_GUEST;
    std::string qemu = "qemu-system-x86_64";
    int runs = 20;
    bool no_qemu = false;
    app.add_option("--svm", svm, "the svm binary")->capture_default_str();
    app.add_option("--kernel", kernel, "a Multiboot 1 kernel that writes to COM1 at once")
        ->capture_default_str();
    app.add_option("-r,--runs", runs, "runs per VMM")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    app.add_option("--qemu", qemu, "the QEMU binary (name in PATH or path)")->capture_default_str();
    app.add_flag("--no-qemu", no_qemu, "skip the QEMU comparison");
    CLI11_PARSE(app, argc, argv);
    return run(svm, kernel, runs, !no_qemu, qemu);
}
