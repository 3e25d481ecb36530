// blk_overhead (docs/benchmarks.md "Virtio"): the host CPU svm's virtio-blk spends per 4 KiB read
// request, next to a bare pread(2) of the same 4 KiB from the same page-cache-warm file, and the
// notifications (each one a VM exit, or an ioeventfd signal) and interrupts per request with
// VIRTIO_F_RING_EVENT_IDX, for batches of 1, 8 and 32 requests. No KVM: the driver side is this
// process (bench/virtio/blk_rig.h), the device is svm's VirtioBlk behind its real VirtioPci.
//
// Two paths:
//   direct  the doorbell is written to the transport's BAR on this thread, as an MMIO exit
//           delivers it without an ioeventfd: the device parses the ring, preadv()s into guest
//           RAM, fills the used ring and sends the MSI-X message before the write returns.
//   ioeventfd  the doorbell is an eventfd write; svm's IoThread (core/machine/io_thread.h)
//           wakes, calls VirtioPci::notify_queue() and the device does the same work there,
//           then the MSI-X message is an eventfd write too (as an irqfd would be). The driver
//           either blocks on it (a vCPU halted until the interrupt) or polls the used ring (what
//           guest/virtio's polling drivers do). This is the hand-off a guest's notify costs when
//           svm attaches ioeventfds, which it does wherever KVM accepts them.
// A program that prints figures, never a test.
#include <fcntl.h>
#include <fmt/core.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "bench/stats.h"
#include "bench/virtio/blk_rig.h"
#include "core/machine/io_thread.h"
#include "core/unique_fd.h"

namespace {

using svm::bench::BlkRig;
using Clock = std::chrono::steady_clock;

double ns_since(Clock::time_point start) {
    return std::chrono::duration<double, std::nano>(Clock::now() - start).count();
}

double cpu_ns(clockid_t clock) {
    timespec ts{};
    clock_gettime(clock, &ts);
    return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

long context_switches() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return usage.ru_nvcsw + usage.ru_nivcsw;
}

[[noreturn]] void die(const std::string& what) {
    std::fprintf(stderr, "blk_overhead: %s\n", what.c_str());
    std::exit(1);
}

// The interrupt side of the rig: counts MSI-X messages and, in the ioeventfd modes, signals an
// eventfd as KVM's irqfd would be signalled.
struct Interrupts {
    std::atomic<uint64_t> count{0};
    std::atomic<bool> signal{false};
    svm::UniqueFd fd{eventfd(0, EFD_CLOEXEC)};

    void raise() {
        count.fetch_add(1, std::memory_order_relaxed);
        if (signal.load(std::memory_order_relaxed)) {
            const uint64_t one = 1;
            if (::write(fd.get(), &one, sizeof one) != sizeof one) die("irq eventfd write failed");
        }
    }
    void wait() {
        uint64_t value = 0;
        while (::read(fd.get(), &value, sizeof value) != sizeof value) {
            if (errno != EINTR) die("irq eventfd read failed");
        }
    }
};

// One run of a path over `requests` requests (rounded up to whole batches).
struct RunFigures {
    // Per request: the median batch's time / batch size (run_paired). Device: the BAR write (the
    // device's whole work); pread: the batch's preads. Medians, because on a loaded host a batch
    // that was preempted would otherwise count in full.
    double device_ns = 0;
    double pread_ns = 0;
    double cpu_ns = 0;      // per request: this thread (direct, pread) or the process (ioeventfd)
    double wall_ns = 0;     // per request, the whole loop (mean)
    double notifies = 0;    // per request
    double interrupts = 0;  // per request
    double switches = 0;    // context switches per batch
    std::vector<double> batch_us;  // ioeventfd: submit -> all used and reaped, per batch
};

// Reads 4 KiB block `block` of `fd` with pread(2) and checks it holds its index.
void pread_block(int fd, uint64_t block) {
    alignas(4096) static uint8_t buffer[BlkRig::kBlockBytes];
    const off_t offset = static_cast<off_t>(block * BlkRig::kBlockBytes);
    if (::pread(fd, buffer, sizeof buffer, offset) != sizeof buffer) die("baseline pread failed");
    uint64_t first;
    std::memcpy(&first, buffer, sizeof first);
    if (first != block) die("baseline pread returned the wrong block");
}

// The baseline's CPU: the same 4 KiB blocks read with pread(2), this thread's CPU per request.
RunFigures run_pread(int fd, uint64_t blocks, uint64_t requests) {
    const double cpu0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    const auto start = Clock::now();
    for (uint64_t i = 0; i < requests; ++i) pread_block(fd, i % blocks);
    RunFigures f;
    const double n = static_cast<double>(requests);
    f.wall_ns = ns_since(start) / n;
    f.cpu_ns = (cpu_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0) / n;
    return f;
}

// Reads blocks first, first + 1, ... (`count` of them, modulo `blocks`) with pread and appends
// the time they took to `samples`.
void preads(int fd, uint64_t blocks, uint64_t first, uint16_t count, std::vector<double>& samples) {
    const auto t = Clock::now();
    for (uint16_t k = 0; k < count; ++k) pread_block(fd, (first + k) % blocks);
    samples.push_back(ns_since(t));
}

// The headline comparison: each batch is read with `batch` preads and through the device, both
// timed with the monotonic clock, so both see the same load from other processes. Per request =
// the median batch / batch, for each.
RunFigures run_paired(BlkRig& rig, int fd, uint16_t batch, uint64_t requests,
                      uint64_t& next_block) {
    const uint64_t batches = (requests + batch - 1) / batch;
    std::vector<double> device, baseline;
    device.reserve(batches);
    baseline.reserve(batches);
    for (uint64_t b = 0; b < batches; ++b) {
        // Whichever reads a block second finds it in the CPU caches: alternate who goes first.
        if (b & 1) preads(fd, rig.blocks(), next_block, batch, baseline);
        if (!rig.submit(batch, next_block)) die("broken benchmark: no notification");
        const auto t = Clock::now();
        rig.notify_through_bar();
        device.push_back(ns_since(t));
        if (!rig.all_used()) die("broken benchmark: a batch was not completed");
        rig.reap(batch);
        if (!(b & 1)) preads(fd, rig.blocks(), next_block, batch, baseline);
        next_block += batch;
    }
    RunFigures f;
    f.device_ns = svm::bench::median(std::move(device)) / batch;
    f.pread_ns = svm::bench::median(std::move(baseline)) / batch;
    return f;
}

RunFigures run_direct(BlkRig& rig, Interrupts& irq, uint16_t batch, uint64_t requests,
                      uint64_t& next_block) {
    const uint64_t batches = (requests + batch - 1) / batch;
    const uint64_t notifies0 = rig.notifications(), requests0 = rig.requests();
    const uint64_t irqs0 = irq.count.load();
    const long switches0 = context_switches();
    const double cpu0 = cpu_ns(CLOCK_THREAD_CPUTIME_ID);
    const auto start = Clock::now();
    for (uint64_t b = 0; b < batches; ++b) {
        if (rig.submit(batch, next_block)) rig.notify_through_bar();
        // Synchronous: the device either ran inside the write or was never asked to.
        if (!rig.all_used()) die("broken benchmark: a batch was not completed (no notification?)");
        rig.reap(batch);
        next_block += batch;
    }
    RunFigures f;
    const double n = static_cast<double>(rig.requests() - requests0);
    f.wall_ns = ns_since(start) / n;
    f.cpu_ns = (cpu_ns(CLOCK_THREAD_CPUTIME_ID) - cpu0) / n;
    f.notifies = static_cast<double>(rig.notifications() - notifies0) / n;
    f.interrupts = static_cast<double>(irq.count.load() - irqs0) / n;
    f.switches = static_cast<double>(context_switches() - switches0) / static_cast<double>(batches);
    return f;
}

RunFigures run_io_thread(BlkRig& rig, Interrupts& irq, int kick, bool poll, uint16_t batch,
                         uint64_t requests, uint64_t& next_block) {
    const uint64_t batches = (requests + batch - 1) / batch;
    const uint64_t notifies0 = rig.notifications(), requests0 = rig.requests();
    const uint64_t irqs0 = irq.count.load();
    RunFigures f;
    f.batch_us.reserve(batches);
    const long switches0 = context_switches();
    const double cpu0 = cpu_ns(CLOCK_PROCESS_CPUTIME_ID);
    const auto start = Clock::now();
    for (uint64_t b = 0; b < batches; ++b) {
        const auto t = Clock::now();
        if (rig.submit(batch, next_block)) {
            const uint64_t one = 1;
            if (::write(kick, &one, sizeof one) != sizeof one) die("doorbell eventfd write failed");
        }
        if (poll) {
            while (!rig.all_used()) {
                __builtin_ia32_pause();
            }
        } else {
            irq.wait();
            if (!rig.all_used()) die("broken benchmark: interrupt before the batch was used");
        }
        rig.reap(batch);
        next_block += batch;
        f.batch_us.push_back(ns_since(t) / 1000);
    }
    const double n = static_cast<double>(rig.requests() - requests0);
    f.wall_ns = ns_since(start) / n;
    f.cpu_ns = (cpu_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0) / n;
    f.device_ns = f.wall_ns;
    f.notifies = static_cast<double>(rig.notifications() - notifies0) / n;
    f.interrupts = static_cast<double>(irq.count.load() - irqs0) / n;
    f.switches = static_cast<double>(context_switches() - switches0) / static_cast<double>(batches);
    return f;
}

template <typename Field>
double median_of(const std::vector<RunFigures>& runs, Field field) {
    std::vector<double> v;
    for (const RunFigures& r : runs) v.push_back(r.*field);
    return svm::bench::median(std::move(v));
}

std::vector<double> all_batches(const std::vector<RunFigures>& runs) {
    std::vector<double> v;
    for (const RunFigures& r : runs) v.insert(v.end(), r.batch_us.begin(), r.batch_us.end());
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "Host CPU per 4 KiB virtio-blk read request (svm's VirtioBlk behind VirtioPci, "
        "EVENT_IDX) against a bare pread of 4 KiB; no KVM needed"};
    uint64_t requests = 200000;
    int runs = 5;
    std::vector<int> batches{1, 8, 32};
    uint64_t image_mib = 64;
    std::string dir = std::getenv("TMPDIR") ? std::getenv("TMPDIR") : "/tmp";
    int cpu = -1;
    bool no_io_thread = false;
    app.add_option("--requests", requests, "Requests per run and figure")->capture_default_str();
    app.add_option("--runs", runs, "Runs per figure (medians are printed)")->capture_default_str();
    app.add_option("--batch", batches, "Batch sizes (requests per notification)")
        ->delimiter(',')
        ->check(CLI::Range(1, static_cast<int>(BlkRig::kMaxBatch)));
    app.add_option("--image-mib", image_mib, "Size of the raw image in MiB")->capture_default_str();
    app.add_option("--dir", dir, "Where the temporary image goes")->capture_default_str();
    app.add_option("--cpu", cpu, "Pin the process (and the I/O thread) to host CPU N");
    app.add_flag("--no-io-thread", no_io_thread, "Skip the ioeventfd + I/O thread paths");
    CLI11_PARSE(app, argc, argv);
    if (requests == 0 || runs < 1 || image_mib == 0)
        die("--requests, --runs, --image-mib must be > 0");

    if (cpu >= 0) {
        if (auto pinned = svm::bench::pin_to_cpu(cpu, "blk_overhead"); !pinned)
            die(pinned.error().message);
    }
    std::string image = dir + "/svm-bench-blk-XXXXXX";
    {
        svm::UniqueFd tmp(mkstemp(image.data()));
        if (!tmp) die(fmt::format("cannot create a file in {}: {}", dir, std::strerror(errno)));
    }
    // Removed however the program ends: die() exits without unwinding.
    static std::string image_path;
    image_path = image;
    std::atexit([] { ::unlink(image_path.c_str()); });
    if (auto made = svm::bench::make_pattern_image(image, image_mib); !made)
        die(made.error().message);

    Interrupts irq;
    if (!irq.fd) die("eventfd failed");
    auto rig_or = BlkRig::create(image, [&irq] { irq.raise(); });
    if (!rig_or) die(rig_or.error().message);
    BlkRig& rig = **rig_or;
    svm::UniqueFd baseline_fd(::open(image.c_str(), O_RDONLY | O_CLOEXEC));
    if (!baseline_fd) die(fmt::format("{}: {}", image, std::strerror(errno)));

    std::unique_ptr<svm::IoThread> io;
    int kick = -1;
    if (!no_io_thread) {
        auto created = svm::IoThread::create("blk-bench-io");
        if (!created) die(created.error().message);
        io = std::move(*created);
        auto fd = io->add_eventfd([&rig] { rig.notify_from_io_thread(); });
        if (!fd) die(fd.error().message);
        kick = *fd;
        if (auto started = io->start(); !started) die(started.error().message);
    }

    fmt::print(
        "blk_overhead: {} MiB raw image in {} ({} blocks of 4 KiB, page cache warm), "
        "{} requests per run, {} runs per figure, medians; {} cores; pinned: {}\n",
        image_mib, dir, rig.blocks(), requests, runs, sysconf(_SC_NPROCESSORS_ONLN),
        cpu >= 0 ? fmt::format("CPU {}", cpu) : std::string("no"));

    // The runs of each batch size alternate between the baseline and the paths, so load from
    // other processes falls on all of them alike.
    uint64_t next_block = 0;
    const uint64_t io_requests = std::max<uint64_t>(requests / 4, 1);
    struct Row {
        int batch;
        double pread_ns, pread_cpu, device_ns, driver_cpu, notifies, interrupts;
        double io_cpu, io_batch_p50, io_batch_p99, io_switches, io_notifies, io_interrupts;
        double poll_batch_p50;
    };
    std::vector<Row> rows;
    for (int b : batches) {
        const auto batch = static_cast<uint16_t>(b);
        std::vector<RunFigures> paired_runs, pread_runs, direct_runs, io_runs, poll_runs;
        for (int r = 0; r < runs; ++r) {
            paired_runs.push_back(run_paired(rig, baseline_fd.get(), batch, requests, next_block));
            pread_runs.push_back(run_pread(baseline_fd.get(), rig.blocks(), requests));
            direct_runs.push_back(run_direct(rig, irq, batch, requests, next_block));
            if (io) {
                irq.signal = true;
                io_runs.push_back(
                    run_io_thread(rig, irq, kick, false, batch, io_requests, next_block));
                irq.signal = false;
                poll_runs.push_back(
                    run_io_thread(rig, irq, kick, true, batch, io_requests, next_block));
            }
        }
        Row row{};
        row.batch = b;
        row.pread_ns = median_of(paired_runs, &RunFigures::pread_ns);
        row.pread_cpu = median_of(pread_runs, &RunFigures::cpu_ns);
        row.device_ns = median_of(paired_runs, &RunFigures::device_ns);
        row.driver_cpu = median_of(direct_runs, &RunFigures::cpu_ns);
        row.notifies = median_of(direct_runs, &RunFigures::notifies);
        row.interrupts = median_of(direct_runs, &RunFigures::interrupts);
        if (io) {
            row.io_cpu = median_of(io_runs, &RunFigures::cpu_ns);
            row.io_batch_p50 = svm::bench::median(all_batches(io_runs));
            row.io_batch_p99 = svm::bench::percentile(all_batches(io_runs), 99);
            row.io_switches = median_of(io_runs, &RunFigures::switches);
            row.io_notifies = median_of(io_runs, &RunFigures::notifies);
            row.io_interrupts = median_of(io_runs, &RunFigures::interrupts);
            row.poll_batch_p50 = svm::bench::median(all_batches(poll_runs));
        }
        rows.push_back(row);
    }

    fmt::print("\nDirect path (doorbell written to the BAR; the device runs inside the write):\n");
    fmt::print("{:>5} {:>12} {:>12} {:>10} {:>12} | {:>13} {:>13} {:>10} | {:>12} {:>10}\n",
               "batch", "pread ns/req", "svm ns/req", "svm/pread", "svm-pread ns", "pread CPU/req",
               "svm+drv CPU", "CPU ratio", "notifies/req", "irqs/req");
    for (const Row& r : rows) {
        fmt::print(
            "{:>5} {:>12.0f} {:>12.0f} {:>9.2f}x {:>12.0f} | {:>13.0f} {:>13.0f} {:>9.2f}x | "
            "{:>12.4f} {:>10.4f}\n",
            r.batch, r.pread_ns, r.device_ns, r.device_ns / r.pread_ns, r.device_ns - r.pread_ns,
            r.pread_cpu, r.driver_cpu, r.driver_cpu / r.pread_cpu, r.notifies, r.interrupts);
    }
    fmt::print(
        "  pread ns/req: the batch's blocks read with 4 KiB preads just before the device reads\n"
        "    them, median batch / batch size.\n"
        "  svm ns/req: the BAR write that runs the device (ring parsing, preadv into guest RAM,\n"
        "    used ring, MSI-X), median batch / batch size. No VM exit or MMIO bus dispatch in it.\n"
        "  CPU columns: thread CPU of the whole loop / requests; svm+drv also holds the driver's\n"
        "    side (descriptors, avail ring, reaping, checking the data), which a guest would "
        "pay.\n");
    if (io) {
        fmt::print(
            "\nioeventfd path (doorbell = eventfd write, svm's IoThread runs the device; "
            "requests/4 per run):\n");
        fmt::print("{:>5} {:>15} {:>10} {:>13} {:>13} {:>12} {:>12} {:>10} {:>13}\n", "batch",
                   "proc CPU ns/req", "vs pread", "batch p50 us", "batch p99 us", "ctxsw/batch",
                   "notifies/req", "irqs/req", "poll p50 us");
        for (const Row& r : rows) {
            fmt::print(
                "{:>5} {:>15.0f} {:>9.2f}x {:>13.1f} {:>13.1f} {:>12.2f} {:>12.4f} "
                "{:>10.4f} {:>13.1f}\n",
                r.batch, r.io_cpu, r.io_cpu / r.pread_cpu, r.io_batch_p50, r.io_batch_p99,
                r.io_switches, r.io_notifies, r.io_interrupts, r.poll_batch_p50);
        }
        fmt::print(
            "  proc CPU: both threads (CLOCK_PROCESS_CPUTIME_ID) / requests, the driver blocked "
            "on\n"
            "    the interrupt eventfd between batches; vs pread: against pread's thread CPU.\n"
            "  batch p50/p99: submit -> doorbell -> I/O thread -> interrupt eventfd -> reaped.\n"
            "  poll p50: the same with the driver spinning on the used ring (no interrupt "
            "wait).\n");
    }

    fmt::print("\n");
    for (const Row& r : rows) {
        fmt::print(
            "virtio blk batch {}: svm {:.0f} ns/req, pread {:.0f} ns/req, ratio svm/pread "
            "{:.2f}x (target <= 1.5; CPU with the driver side {:.2f}x); notifications/req "
            "{:.4f} (target <= 1/batch = {:.4f}); interrupts/req {:.4f}\n",
            r.batch, r.device_ns, r.pread_ns, r.device_ns / r.pread_ns, r.driver_cpu / r.pread_cpu,
            r.notifies, 1.0 / r.batch, r.interrupts);
        if (io) {
            fmt::print(
                "virtio blk batch {} ioeventfd: {:.0f} ns process CPU/req ({:.2f}x pread), "
                "batch latency p50 {:.1f} us p99 {:.1f} us, polling p50 {:.1f} us\n",
                r.batch, r.io_cpu, r.io_cpu / r.pread_cpu, r.io_batch_p50, r.io_batch_p99,
                r.poll_batch_p50);
        }
    }
    if (io) io->stop();
    return 0;
}
