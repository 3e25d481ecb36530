// What target-side work saves gdb users (issue 9, "Speed"), measured against svm's gdb server
// with an in-process target that answers at once (the fake of tests/unit/gdbstub), so the
// figures are the protocol's and gdb's cost, not a guest's:
//
//   1. A breakpoint hit N times whose condition (`if $rax == N`) is true only at the last hit:
//      evaluated by svm (`set breakpoint condition-evaluation target`, the default with svm's
//      ConditionalBreakpoints+) vs by gdb (`... host`: one stop reply, register reads and a
//      resume per hit). Prints both times and the ratio.
//   2. `stepi` x N against that instant target: the floor of a gdb-driven single step (gdb's
//      own cost plus one round trip), which svm's stepi is compared with on a KVM host
//      (bench/gdb_roundtrip).
//
// svm-vs-QEMU-TCG figures for the same operations need a guest, so /dev/kvm: bench/gdb_roundtrip
// and docs/benchmarks.md. Usage: gdb_target_side [--hits N] [--steps N]
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>

#include "gdb_fixture.h"

using namespace svm::gdb;
using namespace svm::gdb::testing;

namespace {

constexpr uint64_t kLoop = 0x1008;

// Thread 1 goes once around a loop per Continue (rax + 1, then kLoop, where a breakpoint stops
// it); a step moves rip by 2. The run ends (exit 0) when no breakpoint is at kLoop.
void install_loop(GdbFixture& f) {
    f.target.regs[1].set(x86_64::Rax, 0);
    f.target.on_resume = [&f](const std::vector<ResumeAction>& actions) {
        auto& regs = f.target.regs[1];
        StopReason stop;
        if (!actions.empty() && actions[0].kind == ResumeAction::Kind::Step) {
            regs.set(x86_64::Rip, regs.get(x86_64::Rip) + 2);
        } else {
            regs.set(x86_64::Rax, regs.get(x86_64::Rax) + 1);
            regs.set(x86_64::Rip, kLoop);
            bool hit = std::any_of(f.target.breakpoints.begin(), f.target.breakpoints.end(),
                                   [](auto& b) { return b.addr == kLoop; });
            if (hit)
                stop.detail = StopReason::Detail::SwBreak;
            else
                stop.kind = StopReason::Kind::Exited;
        }
        stop.expedite = {{x86_64::Rip, regs.get(x86_64::Rip)}};
        f.server->notify_stop(stop);
    };
}

struct Timed {
    double seconds = 0;
    std::string output;
};

Timed run(GdbFixture& f, const std::vector<std::string>& commands,
          const std::vector<std::string>& before) {
    auto start = std::chrono::steady_clock::now();
    Timed t;
    t.output = f.run_gdb(commands, before);
    t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return t;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app("svm gdb target-side benchmark");
    int hits = 20000, steps = 1000;
    app.add_option("--hits", hits, "breakpoint hits, the condition true at the last")
        ->check(CLI::Range(1, 10000000));
    app.add_option("--steps", steps, "stepi count")->check(CLI::Range(1, 1000000));
    CLI11_PARSE(app, argc, argv);
    if (!have_gdb()) {
        fmt::print(stderr, "gdb_target_side: gdb is not installed\n");
        return 1;
    }

    const std::string brk = fmt::format("break *{:#x} if $rax == {}", kLoop, hits);
    double evaluated[2] = {};
    for (int host = 0; host < 2; ++host) {
        GdbFixture f;
        install_loop(f);
        auto t =
            run(f, {brk, "continue", "p $rax", "detach"},
                {fmt::format("set breakpoint condition-evaluation {}", host ? "host" : "target")});
        if (t.output.find(fmt::format("$1 = {}", hits)) == std::string::npos) {
            fmt::print(stderr, "gdb_target_side: the {} run did not stop at hit {}:\n{}\n",
                       host ? "host" : "target", hits, t.output);
            return 1;
        }
        evaluated[host] = t.seconds;
        fmt::print(
            "condition evaluated by {:<6}: {} hits in {:.3f} s ({:.1f} us a hit), {} "
            "resumes\n",
            host ? "gdb" : "svm", hits, t.seconds, 1e6 * t.seconds / hits,
            f.target.resume_calls.load());
    }
    fmt::print("ratio gdb-side / svm-side: {:.1f}x\n", evaluated[1] / evaluated[0]);

    GdbFixture f;
    std::vector<std::string> commands(static_cast<size_t>(steps), "stepi");
    commands.push_back("detach");
    auto one = run(f, {"detach"}, {});
    auto stepped = run(f, commands, {"set pagination off"});
    const double per_step = (stepped.seconds - one.seconds) / steps;
    fmt::print(
        "stepi floor: {} steps in {:.3f} s ({:.1f} us a step, gdb start-up {:.3f} s "
        "subtracted)\n",
        steps, stepped.seconds - one.seconds, 1e6 * per_step, one.seconds);
    fmt::print("svm and QEMU-TCG on a guest: bench/gdb_roundtrip (needs /dev/kvm)\n");
    return 0;
}
