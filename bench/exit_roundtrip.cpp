// bench/exit_roundtrip: the cost of one VM exit round trip (guest `out` → VMM → guest) under svm
// and under a raw KVM loop (raw_kvm_runner.h), on the same guest (bench/guest/exit_loop.S).
//
// Each side runs the guest, which writes a marker byte, makes 16 * iterations SVM_HC_CPU_INDEX
// hypercalls and writes a second marker. The raw runner timestamps the two marker exits itself;
// svm is spawned as a process and the markers are timestamped as they arrive on its stdout pipe,
// so svm's start-up and tear-down are outside the interval. Runs alternate raw / raw+RAX / svm.
// Prints figures and the ratio svm/raw; never fails on a threshold.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>

#include "bench/bench_util.h"
#include "bench/raw_kvm_runner.h"
#include "bench/stats.h"
#include "bench/timed_child.h"

namespace {

using namespace svm;
using namespace svm::bench;

constexpr std::string_view kIterationsTag = "SVMBLOOP";
constexpr uint64_t kUnroll = 16;  // hypercalls per loop iteration in exit_loop.S
constexpr double kTarget = 1.15;  // the target: svm within 1.15x of the raw loop

Result<std::vector<uint8_t>> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return error("cannot read {}: {}", path, std::strerror(errno));
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Sets the guest's loop count (the 32-bit word after the "SVMBLOOP" tag).
Result<void> patch_iterations(std::vector<uint8_t>& image, uint32_t iterations) {
    auto it = std::search(image.begin(), image.end(), kIterationsTag.begin(), kIterationsTag.end());
    if (it == image.end() || image.end() - it < static_cast<ptrdiff_t>(kIterationsTag.size() + 4))
        return error("the guest image has no \"SVMBLOOP\" iteration count");
    std::memcpy(&*(it + kIterationsTag.size()), &iterations, 4);
    return {};
}

// Writes `image` to a new temporary file for svm to load. Returns its path.
Result<std::string> write_temp_image(const std::vector<uint8_t>& image) {
    return write_temp_file(image, "exit-loop", ".bin");
}

struct Sample {
    double us_per_exit;       // wall time between the markers / round trips
    double user_ns_per_exit;  // the VMM's user-space CPU time / round trips
    double process_s = 0;     // svm only: spawn to exit
};

double thread_user_cpu_s() {
    rusage usage{};
    getrusage(RUSAGE_THREAD, &usage);
    return static_cast<double>(usage.ru_utime.tv_sec) + usage.ru_utime.tv_usec * 1e-6;
}

// One raw run: the time between the two marker exits, per round trip.
Result<Sample> run_raw(const std::vector<uint8_t>& image, uint64_t round_trips, bool write_back) {
    RawKvmRunner::Options options;
    options.write_back_result = write_back;
    auto runner = TRY(RawKvmRunner::create(image, options));
    double user_before = thread_user_cpu_s();
    auto times = TRY(runner->run());
    double user = thread_user_cpu_s() - user_before;
    if (times.markers.size() != 2 || times.exit_code != 0)
        return error("raw run: {} markers, exit code {} (expected 2 and 0)", times.markers.size(),
                     times.exit_code);
    auto n = static_cast<double>(round_trips);
    return Sample{(times.markers[1] - times.markers[0]) * 1e6 / n, user * 1e9 / n};
}

// One svm run: the time between the arrival of 'B' and 'E' on svm's stdout, per round trip. The
// user CPU time is the whole process's (start-up included: about 2 ms, 0.02 us per exit here).
Result<Sample> run_svm(const std::string& svm, const std::string& image_path,
                       uint64_t round_trips) {
    auto child = TRY(TimedChild::spawn({svm, image_path}, {}));
    double begin = TRY(child->wait_for_byte('B', 60));
    double end = TRY(child->wait_for_byte('E', 120));
    int code = TRY(child->wait_exit(30));
    if (code != 0) return error("svm exited with code {} (expected 0)", code);
    auto n = static_cast<double>(round_trips);
    return Sample{(end - begin) * 1e6 / n, child->user_cpu_s() * 1e9 / n, child->exit_time()};
}

int run(const std::string& svm, const std::string& guest, uint32_t iterations, int runs) {
    if (access("/dev/kvm", R_OK | W_OK) != 0) {
        fmt::print("exit_roundtrip: skipped: /dev/kvm is not usable ({})\n", std::strerror(errno));
        return 0;
    }
    auto image = read_file(guest);
    if (!image) return fmt::print(stderr, "exit_roundtrip: {}\n", image.error().message), 1;
    if (auto r = patch_iterations(*image, iterations); !r)
        return fmt::print(stderr, "exit_roundtrip: {}: {}\n", guest, r.error().message), 1;
    auto path = write_temp_image(*image);
    if (!path) return fmt::print(stderr, "exit_roundtrip: {}\n", path.error().message), 1;

    // Between the markers: every CPU_INDEX hypercall plus the second marker's own exit.
    const uint64_t round_trips = kUnroll * iterations + 1;
    fmt::print("exit_roundtrip: {} hypercall round trips per run, {} runs per side\n", round_trips,
               runs);
    fmt::print("{:>4}  {:>12}  {:>16}  {:>12}  {:>14}\n", "run", "raw us/exit", "raw+RAX us/exit",
               "svm us/exit", "svm process s");
    std::vector<Sample> raw, raw_rax, svm_runs;
    for (int i = 0; i < runs; ++i) {
        auto a = run_raw(*image, round_trips, false);
        auto b = run_raw(*image, round_trips, true);
        auto c = run_svm(svm, *path, round_trips);
        for (const auto* r : {&a, &b, &c}) {
            if (!*r) {
                fmt::print(stderr, "exit_roundtrip: {}\n", r->error().message);
                unlink(path->c_str());
                return 1;
            }
        }
        raw.push_back(*a);
        raw_rax.push_back(*b);
        svm_runs.push_back(*c);
        fmt::print("{:>4}  {:>12.3f}  {:>16.3f}  {:>12.3f}  {:>14.3f}\n", i + 1, a->us_per_exit,
                   b->us_per_exit, c->us_per_exit, c->process_s);
        std::fflush(stdout);
    }
    unlink(path->c_str());

    auto column = [](const std::vector<Sample>& v, double Sample::*field) {
        std::vector<double> out;
        for (const auto& s : v) out.push_back(s.*field);
        return out;
    };
    double m_raw = median(column(raw, &Sample::us_per_exit));
    double m_rax = median(column(raw_rax, &Sample::us_per_exit));
    double m_svm = median(column(svm_runs, &Sample::us_per_exit));
    double ratio = m_svm / m_raw;
    fmt::print("median us/exit: raw {:.3f}, raw+RAX write-back {:.3f}, svm {:.3f}\n", m_raw, m_rax,
               m_svm);
    fmt::print("min us/exit: raw {:.3f}, raw+RAX write-back {:.3f}, svm {:.3f}\n",
               minimum(column(raw, &Sample::us_per_exit)),
               minimum(column(raw_rax, &Sample::us_per_exit)),
               minimum(column(svm_runs, &Sample::us_per_exit)));
    fmt::print("median user-space CPU ns/exit: raw {:.0f}, raw+RAX {:.0f}, svm {:.0f}\n",
               median(column(raw, &Sample::user_ns_per_exit)),
               median(column(raw_rax, &Sample::user_ns_per_exit)),
               median(column(svm_runs, &Sample::user_ns_per_exit)));
    fmt::print("median exits/s: raw {:.0f}, svm {:.0f}\n", 1e6 / m_raw, 1e6 / m_svm);
    fmt::print("ratio svm/raw: {:.3f}x (svm/raw+RAX {:.3f}x); target <= {:.2f}x: {}\n", ratio,
               m_svm / m_rax, kTarget, ratio <= kTarget ? "met" : "MISSED");
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"svm exit round-trip benchmark: svm vs a raw KVM_RUN loop"};
    std::string svm = SVM_BENCH_SVM;
    std::string guest = SVM_BENCH_EXIT_LOOP_GUEST;
    uint32_t iterations = 8192;
    int runs = 5;
    app.add_option("--svm", svm, "the svm binary")->capture_default_str();
    app.add_option("--guest", guest, "the exit_loop.bin guest")->capture_default_str();
    app.add_option("-n,--iterations", iterations, "loop iterations (16 hypercalls each)")
        ->capture_default_str()
        ->check(CLI::Range(1u, 1u << 24));
    app.add_option("-r,--runs", runs, "runs per side")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000));
    CLI11_PARSE(app, argc, argv);
    return run(svm, guest, iterations, runs);
}
