// Two fake VMs behind one MultiTarget (gdbstub/multi_target.h), as svm's runtime will serve
// several VMs to one gdb: VM 1 "web" and VM 2 "db", two vCPUs each. Their registers and memory
// differ, so a test can tell which VM answered: VM 2's rax is 0xaaaa * tid and its memory at
// 0x1000 starts with 0x22222222.
#pragma once

#include <atomic>
#include <memory>

#include "fake_target.h"
#include "gdb_fixture.h"
#include "gdbstub/multi_target.h"
#include "gdbstub/server.h"

namespace svm::gdb::testing {

struct TwoVms {
    FakeTarget web;  // pid 1
    FakeTarget db;   // pid 2
    MultiTarget multi;

    TwoVms() {
        for (ThreadId t : {1, 2}) db.regs[t].set(x86_64::Rax, 0xaaaa * uint64_t(t));
        // 64-bit code segments (L, bit 13 of svm's cs_attr), so gdb-scripts/svm.py keeps
        // i386:x86-64.
        for (auto* vm : {&web, &db}) {
            for (ThreadId t : {1, 2}) vm->regs[t].set(x86_64::CsAttr, 0xa09b);
        }
        for (size_t i = 0; i < 4; ++i) db.memory[i] = 0x22;
        if (!multi.add(1, "web", web) || !multi.add(2, "db", db)) std::abort();
    }
};

// A Server on the MultiTarget whose fake VMs behave like vCPUs: a step advances rip by 2 and
// stops; a continue runs until the VM's first inserted breakpoint (then stops there, SwBreak) or,
// with none, until interrupted (a SIGINT stop).
struct MultiVmGdbFixture : TwoVms {
    std::unique_ptr<Server> server;
    bool started = false;
    // Resumes of each VM with a breakpoint inserted in it (counted on the server thread).
    std::atomic<int> web_resumed_with_breakpoint = 0, db_resumed_with_breakpoint = 0;

    MultiVmGdbFixture() {
        auto created = Server::create(Endpoint{}, multi);
        if (!created) std::abort();
        server = std::move(*created);
        wire(1, web);
        wire(2, db);
    }

    void wire(int pid, FakeTarget& vm) {
        vm.on_resume = [this, pid, &vm](const std::vector<ResumeAction>& actions) {
            if (!vm.breakpoints.empty())
                ++(pid == 1 ? web_resumed_with_breakpoint : db_resumed_with_breakpoint);
            StopReason stop;
            bool stepped = false;
            for (auto& a : actions) {
                if (a.kind != ResumeAction::Kind::Step) continue;
                int t = a.thread > 0 ? a.thread : 1;
                vm.regs[t].set(x86_64::Rip, vm.regs[t].get(x86_64::Rip) + 2);
                stop.thread = t;
                stepped = true;
            }
            if (!stepped) {
                auto bp = std::find_if(vm.breakpoints.begin(), vm.breakpoints.end(),
                                       [](auto& b) { return b.type == BreakpointType::Software; });
                if (bp == vm.breakpoints.end()) return;  // runs until interrupted
                vm.regs[1].set(x86_64::Rip, bp->addr);
                stop.detail = StopReason::Detail::SwBreak;
            }
            stop.expedite = {{x86_64::Rip, vm.regs[stop.thread].get(x86_64::Rip)}};
            server->notify_stop(MultiTarget::in_process(pid, stop));
        };
        vm.on_interrupt = [this, pid, &vm] {
            StopReason stop;
            stop.signal = sig::kInt;
            stop.expedite = {{x86_64::Rip, vm.regs[1].get(x86_64::Rip)}};
            server->notify_stop(MultiTarget::in_process(pid, stop));
        };
    }

    std::string address() {
        if (!started) {
            server->start();
            started = true;
        }
        return server->address();
    }

    // Runs gdb -batch: `before` ahead of `target remote` (or `target extended-remote` if
    // `extended`), then `commands`; returns its stdout+stderr.
    std::string run_gdb(const std::vector<std::string>& commands,
                        const std::vector<std::string>& before = {}, bool extended = false) {
        std::string cmd = "timeout 60 gdb -nx -batch";
        for (auto& c : before) cmd += " -ex '" + c + "'";
        cmd += std::string(" -ex 'target ") + (extended ? "extended-remote " : "remote ") +
               address() + "'";
        for (auto& c : commands) cmd += " -ex '" + c + "'";
        return command_output(cmd);
    }
};

}  // namespace svm::gdb::testing
