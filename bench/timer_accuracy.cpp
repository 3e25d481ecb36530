// bench/timer_accuracy: requested vs observed local APIC timer period under svm (KVM's in-kernel
// LAPIC). The guest, bench/guest/timer_period.elf, programs the timer periodic at divide-by-1 with
// an initial count of P ns (KVM's APIC timer counts at 1 GHz) and writes a marker byte to port
// 0xE9 at tick 0 and every `--marker-every` ticks up to tick `--ticks`. The benchmark timestamps
// the markers as they arrive on svm's stdout pipe (bench/timed_child) and prints, per period, the
// observed mean period by the host's wall clock, its ratio to the requested one, the spread of the
// marker intervals, and the guest's own TSC-measured mean period (TSC rate calibrated by the guest
// against the PIT, the smallest of five 10 ms calibrations). It prints figures; it never fails on
// them.
#include <fmt/format.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <regex>

#include "bench/bench_util.h"
#include "bench/stats.h"
#include "bench/timed_child.h"
#include "core/unique_fd.h"

namespace {

using namespace svm;
using namespace svm::bench;

constexpr std::string_view kParamsTag = "SVMBTIMR";
constexpr unsigned char kFirstMarker = 0x80;  // timer_period.c: marker i is 0x80 + i
constexpr int kMaxMarkers = 0x80;

struct Config {
    std::string svm, kernel;
    std::vector<double> periods_ms{1, 10};
    int ticks = 1000;
    int marker_every = 100;
};

Result<std::vector<uint8_t>> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return error("cannot read {}: {}", path, std::strerror(errno));
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

// Sets the guest's parameters: the three 32-bit words after the "SVMBTIMR" tag (timer_period.c,
// struct timer_params). Returns an error if the image has no tag.
Result<void> patch_params(std::vector<uint8_t>& image, uint32_t count, uint32_t ticks,
                          uint32_t marker_every) {
    auto it = std::search(image.begin(), image.end(), kParamsTag.begin(), kParamsTag.end());
    if (it == image.end() || image.end() - it < static_cast<ptrdiff_t>(kParamsTag.size() + 12))
        return error("the guest image has no \"SVMBTIMR\" parameters");
    uint32_t words[3] = {count, ticks, marker_every};
    std::memcpy(&*(it + kParamsTag.size()), words, sizeof words);
    return {};
}

// Writes `image` to a new temporary file for svm to load. Returns its path.
Result<std::string> write_temp_image(const std::vector<uint8_t>& image) {
    return write_temp_file(image, "timer-period", ".elf");
}

struct Measurement {
    std::vector<double> marker_s;  // host arrival time of each marker, from spawn
    uint64_t tsc_hz = 0, tsc_cycles = 0;
    uint64_t tsc_hz_min = 0, tsc_hz_max = 0;  // the spread of the guest's calibrations
};

// One svm run of the guest with `count` ns per tick. Returns the marker times and the guest's
// report on success, an error quoting svm's output otherwise.
Result<Measurement> run_once(const Config& c, const std::vector<uint8_t>& original,
                             uint32_t count) {
    std::vector<uint8_t> image = original;
    TRY(patch_params(image, count, static_cast<uint32_t>(c.ticks),
                     static_cast<uint32_t>(c.marker_every)));
    std::string path = TRY(write_temp_image(image));
    struct Unlink {
        std::string path;
        ~Unlink() { ::unlink(path.c_str()); }
    } unlink_image{path};

    int markers = c.ticks / c.marker_every + (c.ticks % c.marker_every ? 2 : 1);
    double timeout_s = 30 + 3.0 * count * 1e-9 * c.ticks;
    auto svm = TRY(TimedChild::spawn({c.svm, path}, {}));
    Measurement m;
    for (int i = 0; i < markers; ++i) {
        auto t = svm->wait_for_byte(static_cast<unsigned char>(kFirstMarker + i), timeout_s);
        if (!t)
            return error("marker {} did not arrive ({}): {}", i, t.error().message, svm->output());
        m.marker_s.push_back(*t);
    }
    int code = TRY(svm->wait_exit(30));
    static const std::regex report(
        "timer_period: ticks=([0-9]+) count=([0-9]+) tsc_hz=([0-9]+) "
        "tsc_cycles=([0-9]+) lapic_hz_div16=[0-9]+ "
        "tsc_hz_min=([0-9]+) tsc_hz_max=([0-9]+)");
    std::smatch r;
    if (code != 0 || !std::regex_search(svm->output(), r, report))
        return error("svm exited with {} without the guest's report: {}", code, svm->output());
    m.tsc_hz = std::stoull(r[3].str());
    m.tsc_cycles = std::stoull(r[4].str());
    m.tsc_hz_min = std::stoull(r[5].str());
    m.tsc_hz_max = std::stoull(r[6].str());
    return m;
}

int run(const Config& c) {
    if (access("/dev/kvm", R_OK | W_OK) != 0) {
        fmt::print("timer_accuracy: skipped: /dev/kvm is not usable ({})\n", std::strerror(errno));
        return 0;
    }
    auto image = read_file(c.kernel);
    if (!image) {
        fmt::print(stderr, "timer_accuracy: {}\n", image.error().message);
        return 1;
    }
    fmt::print(
        "timer_accuracy: LAPIC periodic timer, divide 1, {} ticks, marker every {}; "
        "kernel {}\n",
        c.ticks, c.marker_every, c.kernel);
    for (double period_ms : c.periods_ms) {
        auto count = static_cast<uint32_t>(period_ms * 1e6);  // ns at KVM's 1 GHz APIC timer
        auto m = run_once(c, *image, count);
        if (!m) {
            fmt::print(stderr, "timer_accuracy: {} ms: {}\n", period_ms, m.error().message);
            return 1;
        }
        const auto& t = m->marker_s;
        double host_mean_ms = (t.back() - t.front()) * 1e3 / c.ticks;
        // Per marker interval (all but a shorter last one): the mean period within it.
        std::vector<double> interval_ms;
        for (size_t i = 1; i < t.size(); ++i) {
            int ticks_in =
                std::min(c.marker_every, c.ticks - static_cast<int>(i - 1) * c.marker_every);
            if (ticks_in == c.marker_every)
                interval_ms.push_back((t[i] - t[i - 1]) * 1e3 / ticks_in);
        }
        fmt::print("period {} ms (initial count {}):\n", period_ms, count);
        fmt::print(
            "  host wall clock, tick 0 to {}: {:.3f} s, mean period {:.4f} ms "
            "(observed/requested {:.4f})\n",
            c.ticks, t.back() - t.front(), host_mean_ms, host_mean_ms / period_ms);
        if (!interval_ms.empty())
            fmt::print("  per {}-tick interval: min {:.4f} ms, median {:.4f} ms, max {:.4f} ms\n",
                       c.marker_every, minimum(interval_ms), median(interval_ms),
                       percentile(interval_ms, 100));
        std::string guest = "n/a (the guest's PIT calibration failed)";
        if (m->tsc_hz) {
            double guest_ms =
                static_cast<double>(m->tsc_cycles) / c.ticks * 1e3 / static_cast<double>(m->tsc_hz);
            guest = fmt::format(
                "{:.4f} ms (observed/requested {:.4f}; TSC {:.1f} MHz, the smallest of "
                "calibrations "
                "{:.1f}-{:.1f} MHz)",
                guest_ms, guest_ms / period_ms, m->tsc_hz / 1e6, m->tsc_hz_min / 1e6,
                m->tsc_hz_max / 1e6);
        }
        fmt::print("  guest TSC, tick 0 to {}: mean period {}\n", c.ticks, guest);
        // One summary line per period; run.sh's summary greps for "^timer ".
        fmt::print("timer {} ms: observed {:.4f} ms by host clock, ratio {:.4f}\n", period_ms,
                   host_mean_ms, host_mean_ms / period_ms);
        std::fflush(stdout);
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"svm timer accuracy: requested vs observed LAPIC periodic timer period"};
    Config c{.svm = SVM_BENCH_SVM, .kernel = SVM_BENCH_TIMER_PERIOD_GUEST};
    app.add_option("--svm", c.svm, "the svm binary")->capture_default_str();
    app.add_option("--kernel", c.kernel, "timer_period.elf (or a kernel with its SVMBTIMR tag)")
        ->capture_default_str();
    app.add_option("--period-ms", c.periods_ms, "timer periods to measure, in ms")
        ->capture_default_str()
        ->delimiter(',')
        ->check(CLI::Range(0.001, 4000.0));
    app.add_option("--ticks", c.ticks, "ticks to time (tick 0 to tick N)")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    app.add_option("--marker-every", c.marker_every, "a marker byte every N ticks")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    CLI11_PARSE(app, argc, argv);
    if (c.ticks / c.marker_every + 2 > kMaxMarkers) {
        fmt::print(stderr, "timer_accuracy: at most {} markers: raise --marker-every\n",
                   kMaxMarkers - 2);
        return 1;
    }
    return run(c);
}
