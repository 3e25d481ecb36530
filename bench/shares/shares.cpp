// bench/shares (docs/benchmarks.md "CPU shares"): how closely svm's share scheduler
// (core/sched/) holds two CPU-bound VMs at 70:30, and what a time slice costs, for slices of
// 1, 10 and 100 ms on one host thread (`--threads 1`: every vCPU on one thread, time-sliced by
// the slice timer's signal) and on two host threads.
//
// The vCPUs are SIMULATED: each is a host spin loop that counts its iterations (its "progress
// counter", as a guest would count its own loop) and returns when its preemption flag is set, as
// a guest is kicked out of KVM_RUN by immediate_exit and a signal. A KVM vCPU adds its exit and
// entry to every slice (on this nested KVM-PVM host a kick is ~18 µs p50, shared/KVM-NOTES.md),
// which these figures do not contain.
//
// Per configuration it prints, per VM: the share by progress counter (iterations) and by CPU
// time (the host thread CPU time, CLOCK_THREAD_CPUTIME_ID, that the runner charged to the VM's
// slices), each with its error against the target in percentage points; and per slice: the
// scheduling overhead (steady-clock time between one slice's end and the next one's start: the
// CPU clock, the charge, the pick), the time from the slice signal's handler to the next
// unit running, the runner's lock wait, and how late the timer's signal came. The baseline runs
// the same workers without the scheduler, one thread each, for the iterations per CPU-second
// the scheduler is compared with (the overhead ratio; on a shared host the iteration rate itself
// drifts by tens of percent from one run to the next, so the median overhead as a share of the
// slice is the steadier figure). Means are printed but dominated, on a loaded host, by the host
// descheduling a thread between two slices (see share_runner.cpp on the CPU clock). A program that
// prints figures, never a test.
#include <fmt/core.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/stats.h"
#include "core/sched/share_runner.h"

namespace {

using namespace svm::sched;

// A simulated vCPU: spins until preempted, counting iterations. One cache line each, so that
// workers on different host threads do not share one.
class alignas(64) SpinVcpu : public Preemptible {
public:
    SliceEnd run_slice() override {
        uint64_t n = 0;
        while (!preempt_.load(std::memory_order_acquire)) ++n;
        preempt_.store(false, std::memory_order_relaxed);
        iterations_.fetch_add(n, std::memory_order_relaxed);
        return SliceEnd::Preempted;
    }
    void request_preempt() noexcept override { preempt_.store(true, std::memory_order_release); }
    uint64_t iterations() const { return iterations_.load(std::memory_order_relaxed); }

private:
    std::atomic<bool> preempt_{false};
    std::atomic<uint64_t> iterations_{0};
};

int64_t process_cpu_ns() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    auto ns = [](const timeval& tv) {
        return static_cast<int64_t>(tv.tv_sec) * 1'000'000'000 + tv.tv_usec * 1000;
    };
    return ns(usage.ru_utime) + ns(usage.ru_stime);
}

// Collects every slice's overhead, signal-to-next-unit time and timer lateness, per host thread
// (each thread writes only its own vectors: no lock).
class Samples : public SliceObserver {
public:
    explicit Samples(int threads) : per_thread_(threads) {
        for (auto& t : per_thread_) {
            t.overhead.reserve(1 << 16);
            t.signal_to_next.reserve(1 << 16);
            t.late.reserve(1 << 16);
            t.lock_wait.reserve(1 << 16);
        }
    }
    void on_slice(const SliceRecord& r) override {
        PerThread& t = per_thread_[r.thread];
        if (r.overhead_ns >= 0) t.overhead.push_back(static_cast<double>(r.overhead_ns) / 1e3);
        if (r.signal_to_start_ns >= 0)
            t.signal_to_next.push_back(static_cast<double>(r.signal_to_start_ns) / 1e3);
        t.lock_wait.push_back(static_cast<double>(r.lock_wait_ns) / 1e3);
        if (r.signal_ns > 0) t.late.push_back(static_cast<double>(r.timer_late_ns) / 1e3);
    }
    // All threads' samples of one kind, in µs.
    std::vector<double> overhead() const { return join(&PerThread::overhead); }
    std::vector<double> signal_to_next() const { return join(&PerThread::signal_to_next); }
    std::vector<double> late() const { return join(&PerThread::late); }
    std::vector<double> lock_wait() const { return join(&PerThread::lock_wait); }

private:
    struct PerThread {
        std::vector<double> overhead, signal_to_next, late, lock_wait;
    };
    std::vector<double> join(std::vector<double> PerThread::*field) const {
        std::vector<double> all;
        for (const auto& t : per_thread_)
            all.insert(all.end(), (t.*field).begin(), (t.*field).end());
        return all;
    }
    std::vector<PerThread> per_thread_;
};

struct Baseline {
    double iterations_per_cpu_s = 0;
};

// The same workers without the scheduler: `workers` threads spinning for `seconds`.
Baseline run_baseline(int workers, double seconds) {
    std::vector<std::unique_ptr<SpinVcpu>> vcpus;
    std::vector<std::thread> threads;
    for (int i = 0; i < workers; ++i) vcpus.push_back(std::make_unique<SpinVcpu>());
    const int64_t cpu_start = process_cpu_ns();
    for (auto& v : vcpus) threads.emplace_back([&v] { v->run_slice(); });
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    for (auto& v : vcpus) v->request_preempt();
    for (auto& t : threads) t.join();
    const int64_t cpu = process_cpu_ns() - cpu_start;
    uint64_t total = 0;
    for (auto& v : vcpus) total += v->iterations();
    Baseline b;
    b.iterations_per_cpu_s = static_cast<double>(total) / (static_cast<double>(cpu) / 1e9);
    fmt::print(
        "baseline, no scheduler: {} threads, one spinning worker each, {:.1f} s: "
        "{:.3g} iterations per CPU-second; per-worker share of iterations:",
        workers, seconds, b.iterations_per_cpu_s);
    for (auto& v : vcpus)
        fmt::print(" {:.1f}%",
                   100.0 * static_cast<double>(v->iterations()) / static_cast<double>(total));
    fmt::print("\n");
    return b;
}

struct Row {
    int threads;
    double slice_ms;
    double progress_pct[2];
    double cpu_pct[2];
    double overhead_us, overhead_p90_us, overhead_mean_us;
    double signal_to_next_us, signal_to_next_p90_us;
    double timer_late_us, timer_late_p90_us;
    double lock_wait_p90_us, lock_wait_max_us;
    uint64_t slices;
    double ratio_to_baseline;
    double overhead_fraction_pct;  // median overhead per slice / slice length
};

Row run_config(int threads, int vcpus_per_vm, double slice_ms, double seconds,
               const Baseline& baseline) {
    const double targets[2] = {70, 30};
    ShareScheduler scheduler;
    const auto slice_ns = static_cast<int64_t>(slice_ms * 1e6);
    Samples samples(threads);
    ShareRunner runner(scheduler, {.threads = threads, .slice_ns = slice_ns, .observer = &samples});
    std::vector<std::unique_ptr<SpinVcpu>> vcpus[2];
    VmId vms[2];
    for (int v = 0; v < 2; ++v) {
        vms[v] = scheduler.add_vm(targets[v]);
        for (int i = 0; i < vcpus_per_vm; ++i) {
            vcpus[v].push_back(std::make_unique<SpinVcpu>());
            runner.add_unit(vms[v], *vcpus[v].back());
        }
    }
    const int64_t cpu_start = process_cpu_ns();
    if (auto started = runner.start(); !started) {
        fmt::print(stderr, "shares: {}\n", started.error().message);
        std::exit(1);
    }
    std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
    runner.stop();
    const int64_t cpu = process_cpu_ns() - cpu_start;

    Row row{};
    row.threads = threads;
    row.slice_ms = slice_ms;
    double iterations[2] = {0, 0}, charged[2] = {0, 0};
    for (int v = 0; v < 2; ++v) {
        for (auto& c : vcpus[v]) iterations[v] += static_cast<double>(c->iterations());
        charged[v] = static_cast<double>(scheduler.vm_run_ns(vms[v]));
    }
    for (int v = 0; v < 2; ++v) {
        row.progress_pct[v] = 100.0 * iterations[v] / (iterations[0] + iterations[1]);
        row.cpu_pct[v] = 100.0 * charged[v] / (charged[0] + charged[1]);
    }
    const auto stats = runner.stats();
    row.slices = stats.slices;
    using svm::bench::median;
    using svm::bench::percentile;
    const auto overhead = samples.overhead();
    row.overhead_us = median(overhead);
    row.overhead_p90_us = percentile(overhead, 90);
    row.overhead_mean_us = overhead.empty() ? 0
                                            : static_cast<double>(stats.overhead_ns) / 1e3 /
                                                  static_cast<double>(overhead.size());
    row.overhead_fraction_pct = 100.0 * row.overhead_us * 1e3 / static_cast<double>(slice_ns);
    row.signal_to_next_us = median(samples.signal_to_next());
    row.signal_to_next_p90_us = percentile(samples.signal_to_next(), 90);
    row.timer_late_us = median(samples.late());
    row.timer_late_p90_us = percentile(samples.late(), 90);
    row.lock_wait_p90_us = percentile(samples.lock_wait(), 90);
    row.lock_wait_max_us = percentile(samples.lock_wait(), 100);
    const double per_cpu_s = (iterations[0] + iterations[1]) / (static_cast<double>(cpu) / 1e9);
    row.ratio_to_baseline = per_cpu_s / baseline.iterations_per_cpu_s;
    return row;
}

void print_row(const Row& r, int vcpus_per_vm) {
    const double targets[2] = {70, 30};
    const char* names[2] = {"A", "B"};
    for (int v = 0; v < 2; ++v) {
        fmt::print(
            "{:>7} {:>5} ms  vm {} ({} vCPU{}) target {:>2}%  progress {:6.2f}% ({:+5.2f} pp)  "
            "cpu {:6.2f}% ({:+5.2f} pp)\n",
            r.threads, r.slice_ms, names[v], vcpus_per_vm, vcpus_per_vm > 1 ? "s" : "", targets[v],
            r.progress_pct[v], r.progress_pct[v] - targets[v], r.cpu_pct[v],
            r.cpu_pct[v] - targets[v]);
    }
    fmt::print(
        "{:>7} {:>5} ms  slices {}  overhead us/slice median {:.2f} p90 {:.2f} mean {:.2f}  "
        "signal->next unit us median {:.2f} p90 {:.2f}  timer late us median {:.1f} "
        "p90 {:.1f}\n",
        r.threads, r.slice_ms, r.slices, r.overhead_us, r.overhead_p90_us, r.overhead_mean_us,
        r.signal_to_next_us, r.signal_to_next_p90_us, r.timer_late_us, r.timer_late_p90_us);
    fmt::print(
        "{:>7} {:>5} ms  median overhead / slice {:.3f}%; lock wait us p90 {:.2f} "
        "max {:.0f}; iterations per CPU-second vs the baseline {:.3f}x (noisy on a shared "
        "host)\n",
        r.threads, r.slice_ms, r.overhead_fraction_pct, r.lock_wait_p90_us, r.lock_wait_max_us,
        r.ratio_to_baseline);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "CPU shares: two simulated CPU-bound VMs at 70:30 under svm's share scheduler "
        "(docs/benchmarks.md)"};
    double seconds = 10;
    std::vector<double> slices_ms{1, 10, 100};
    std::vector<int> thread_counts{1, 2};
    if (const char* env = std::getenv("SVM_BENCH_SHARES_SECONDS")) seconds = std::atof(env);
    app.add_option("--seconds", seconds,
                   "Run time per configuration, in seconds "
                   "(or SVM_BENCH_SHARES_SECONDS)")
        ->capture_default_str();
    app.add_option("--slice-ms", slices_ms, "Slice lengths in ms")
        ->delimiter(',')
        ->capture_default_str();
    app.add_option("--threads", thread_counts, "Host thread counts")
        ->delimiter(',')
        ->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    fmt::print(
        "shares: the vCPUs are SIMULATED (host spin loops counting iterations, preempted "
        "by a flag and the slice timer's signal); a KVM vCPU adds its exit and re-entry "
        "to every slice.\n");
    fmt::print(
        "shares: {} cores, {:.1f} s per configuration; VM A --share 70, VM B --share 30; "
        "on N threads each VM has N vCPUs\n",
        std::thread::hardware_concurrency(), seconds);
    const double baseline_seconds = seconds < 2 ? seconds : 2;
    std::vector<std::pair<Row, int>> rows;
    for (int threads : thread_counts) {
        const int vcpus_per_vm = threads;  // enough vCPUs for A to use 70 % of all threads
        for (double slice : slices_ms) {
            // Right before each configuration: the host's load changes from minute to minute.
            Baseline baseline = run_baseline(2 * vcpus_per_vm, baseline_seconds);
            Row r = run_config(threads, vcpus_per_vm, slice, seconds, baseline);
            print_row(r, vcpus_per_vm);
            rows.emplace_back(r, vcpus_per_vm);
        }
    }
    fmt::print(
        "\nsummary (threads, slice: share error of VM A by progress / by CPU time, "
        "overhead per slice):\n");
    for (auto& [r, vcpus] : rows)
        fmt::print(
            "shares threads {} slice {} ms: error {:+.2f} / {:+.2f} pp, overhead {:.2f} "
            "us/slice (median, {:.3f}% of the slice), signal->next {:.2f} us (median), vs "
            "baseline {:.3f}x\n",
            r.threads, r.slice_ms, r.progress_pct[0] - 70, r.cpu_pct[0] - 70, r.overhead_us,
            r.overhead_fraction_pct, r.signal_to_next_us, r.ratio_to_baseline);
    return 0;
}
