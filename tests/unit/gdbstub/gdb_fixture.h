// Runs the real gdb (13, `gdb -batch`) against a Server with the fake target. Needs no KVM.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fake_target.h"
#include "gdbstub/server.h"

namespace svm::gdb::testing {

inline bool have_gdb() {
    return std::system("gdb --version >/dev/null 2>&1") == 0;
}

// Runs the shell command `cmd` and returns what it wrote to stdout and stderr.
inline std::string command_output(const std::string& cmd) {
    std::string out;
    FILE* pipe = popen((cmd + " 2>&1").c_str(), "r");
    if (!pipe) return out;
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    pclose(pipe);
    return out;
}

// A server on an ephemeral 127.0.0.1 port whose fake target stops at once after every resume
// (a step advances rip by 2), as a vCPU would.
struct GdbFixture {
    FakeTarget target;
    std::unique_ptr<Server> server;
    bool started = false;

    explicit GdbFixture(ServerOptions options = {}) {
        auto created = Server::create(Endpoint{}, target, std::move(options));
        if (!created) std::abort();
        server = std::move(*created);
        target.on_resume = [this](const std::vector<ResumeAction>& actions) {
            StopReason stop;
            for (auto& a : actions) {
                if (a.kind == ResumeAction::Kind::Step) {
                    int t = a.thread > 0 ? a.thread : 1;
                    target.regs[t].set(x86_64::Rip, target.regs[t].get(x86_64::Rip) + 2);
                    stop.thread = t;
                }
            }
            stop.expedite = {{x86_64::Rip, target.regs[stop.thread].get(x86_64::Rip)}};
            server->notify_stop(stop);
        };
    }

    // Starts the server thread (once) and returns the address to connect to. The thread starts
    // only here, after the test has set up the fake target: its creation orders those writes
    // before the server thread's reads (for ThreadSanitizer, which does not see the ordering a
    // socket connection gives).
    std::string address() {
        if (!started) {
            server->start();
            started = true;
        }
        return server->address();
    }

    // Runs gdb -batch with `commands` (each an -ex) and returns its stdout+stderr.
    // `before` run before "target remote".
    std::string run_gdb(const std::vector<std::string>& commands,
                        const std::vector<std::string>& before = {}) {
        std::string cmd = "timeout 60 gdb -nx -batch";
        for (auto& c : before) cmd += " -ex '" + c + "'";
        cmd += " -ex 'target remote " + address() + "'";
        for (auto& c : commands) cmd += " -ex '" + c + "'";
        return command_output(cmd);
    }
};

}  // namespace svm::gdb::testing
