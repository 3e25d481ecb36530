// bench/cold_start: time from process start (just before posix_spawn) to the first byte a
// Multiboot 1 kernel writes to COM1, read from the VMM's stdout pipe. svm first; then, where
// qemu-system-x86_64 is on PATH, QEMU with -accel kvm and -accel tcg on the same kernel.
// Prints median, p90 and min per VMM and the ratios; never fails on a threshold.
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

constexpr double kTargetMs = 20;   // the target for svm
constexpr double kSlowRunS = 1.0;  // a VMM slower than this per run gets fewer runs
constexpr int kSlowRuns = 5;       // ... this many
constexpr double kFirstByteTimeoutS = 30;

struct Series {
    std::string name;
    std::vector<double> first_byte_ms;
};

// One svm boot: milliseconds to the first console byte. The run must end with exit code 0.
Result<double> svm_once(const std::string& svm, const std::string& kernel) {
    auto child = TRY(TimedChild::spawn({svm, kernel}, {}));
    double first = TRY(child->wait_for_byte(std::nullopt, kFirstByteTimeoutS));
    int code = TRY(child->wait_exit(10));
    if (code != 0) return error("svm exited with code {} (expected 0)", code);
    return first * 1e3;
}

// One QEMU boot: milliseconds to the first serial byte; QEMU is then killed by its PID.
Result<double> qemu_once(const std::string& qemu, const std::string& kernel,
                         const std::string& accel) {
    auto child =
        TRY(TimedChild::spawn({qemu, "-accel", accel, "-kernel", kernel, "-display", "none",
                               "-serial", "stdio", "-monitor", "none", "-no-reboot", "-m", "128M"},
                              {.quiet_stderr = true}));
    double first = TRY(child->wait_for_byte(std::nullopt, kFirstByteTimeoutS));
    child->kill();
    return first * 1e3;
}

// Runs `once` up to `runs` times (kSlowRuns if the first run is slower than kSlowRunS).
template <typename F>
Result<Series> measure(std::string name, int runs, F once) {
    Series s{std::move(name), {}};
    for (int i = 0; i < runs; ++i) {
        double ms = TRY(once());
        s.first_byte_ms.push_back(ms);
        if (i == 0 && ms > kSlowRunS * 1e3 && runs > kSlowRuns) runs = kSlowRuns;
    }
    return s;
}

void print_series(const Series& s) {
    fmt::print("{:<16} {:>4} runs  median {:>9.2f} ms  p90 {:>9.2f} ms  min {:>9.2f} ms\n", s.name,
               s.first_byte_ms.size(), median(s.first_byte_ms), percentile(s.first_byte_ms, 90),
               minimum(s.first_byte_ms));
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
    fmt::print("svm median {:.2f} ms; target < {:.0f} ms: {}\n", svm_median, kTargetMs,
               svm_median < kTargetMs ? "met" : "MISSED");

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
        fmt::print("  ratio qemu -accel {} / svm (medians): {:.1f}x\n", accel,
                   median(series->first_byte_ms) / svm_median);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"svm cold-start benchmark: process start to the first serial byte"};
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
