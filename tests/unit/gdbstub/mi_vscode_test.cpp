// VS Code's C/C++ extension (type "cppdbg", its debug engine is MIEngine) drives gdb over GDB/MI.
// These tests replay, against the server with the fake target, the MI commands MIEngine sends for
// the launch.json of docs/ide.md ("MIMode": "gdb", "miDebuggerServerAddress", "stopAtConnect")
// and check every reply, for an ELF64 and an ELF32 kernel. Needs gdb, no KVM.
//
// The launch sequence is MIEngine's DebuggedProcess.GetInitializeCommands (microsoft/MIEngine,
// src/MIDebugEngine/Engine.Impl/DebuggedProcess.cs): -gdb-set mi-async on, the setupCommands,
// "set pagination off", -environment-cd, -file-exec-and-symbols, "show architecture" (which
// picks MIEngine's register and pointer width), -break-insert main (failure ignored), then
// -target-select remote. What follows is what the IDE asks on each stop (threads, frames,
// variables, registers, memory) and for each button (continue, step, pause, disconnect).
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include "elf32_program.h"
#include "gdb_fixture.h"

extern char** environ;

namespace svm::gdb::testing {
namespace {

using namespace x86_64;
using Clock = std::chrono::steady_clock;

// One MI command's answer: its result record (without the token) and every line gdb wrote
// while the command ran (stream and async records).
struct MiReply {
    std::string result;  // e.g. ^done,threads=[...]
    std::string lines;   // everything read, the result record included
};

// gdb --interpreter=mi2 as a child process, driven as MIEngine drives it: one command at a time,
// each with a numeric token, waiting for the result record that carries the token.
class MiGdb {
public:
    MiGdb() {
        int in[2], out[2];
        if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) return;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_adddup2(&actions, out[1], 2);
        const char* argv[] = {"gdb", "--interpreter=mi2", "-nx", "-q", nullptr};
        if (posix_spawnp(&pid_, "gdb", &actions, nullptr, const_cast<char**>(argv), environ) != 0)
            pid_ = -1;
        posix_spawn_file_actions_destroy(&actions);
        close(in[0]);
        close(out[1]);
        to_gdb_ = in[1];
        from_gdb_ = out[0];
    }

    ~MiGdb() {
        if (to_gdb_ >= 0) close(to_gdb_);
        if (from_gdb_ >= 0) close(from_gdb_);
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
        }
    }

    bool started() const { return pid_ > 0; }

    // Everything gdb wrote so far.
    const std::string& transcript() const { return transcript_; }

    // Sends `command` and returns its reply; result is empty if none came within 30 s.
    MiReply send(const std::string& command) {
        std::string token = std::to_string(++token_);
        std::string line = token + command + "\n";
        transcript_ += "-> " + line;
        if (write(to_gdb_, line.data(), line.size()) != static_cast<ssize_t>(line.size()))
            return {};
        MiReply reply;
        reply.lines = read_until(
            [&](const std::string& line) { return line.starts_with(token + "^"); }, &reply.result);
        if (!reply.result.empty()) reply.result.erase(0, token.size());
        return reply;
    }

    // Reads until an async record starting with `prefix` (e.g. "*stopped") and returns it, or ""
    // after 30 s. Records that came with an earlier reply count.
    std::string wait_for(const std::string& prefix) {
        size_t at = pending_.find("\n" + prefix, unclaimed_);
        if (at != std::string::npos) {
            size_t end = pending_.find('\n', at + 1);
            unclaimed_ = end;
            return pending_.substr(at + 1, end - at - 1);
        }
        std::string found;
        read_until([&](const std::string& line) { return line.starts_with(prefix); }, &found);
        unclaimed_ = pending_.size();
        return found;
    }

private:
    // Reads lines until one satisfies `wanted` (stored in *match); returns the lines read.
    std::string read_until(const std::function<bool(const std::string&)>& wanted,
                           std::string* match) {
        std::string lines;
        auto deadline = Clock::now() + std::chrono::seconds(30);
        for (;;) {
            size_t eol;
            while ((eol = partial_.find('\n')) != std::string::npos) {
                std::string line = partial_.substr(0, eol);
                partial_.erase(0, eol + 1);
                if (!line.empty() && line.back() == '\r') line.pop_back();
                lines += line + "\n";
                pending_ += "\n" + line;
                if (wanted(line)) {
                    *match = line;
                    return lines;
                }
            }
            auto left =
                std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
            pollfd p{from_gdb_, POLLIN, 0};
            if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) break;
            char buf[4096];
            ssize_t n = read(from_gdb_, buf, sizeof buf);
            if (n <= 0) break;
            partial_.append(buf, static_cast<size_t>(n));
            transcript_.append(buf, static_cast<size_t>(n));
        }
        return lines;
    }

    pid_t pid_ = -1;
    int to_gdb_ = -1, from_gdb_ = -1;
    int token_ = 0;
    std::string partial_;     // read, not yet split into lines
    std::string pending_;     // every line so far, for wait_for
    size_t unclaimed_ = 0;    // where wait_for looks next in pending_
    std::string transcript_;  // what was sent (-> ...) and everything gdb wrote
};

// The value of `field="..."` in an MI record, or "".
std::string field(const std::string& record, const std::string& name) {
    std::smatch m;
    if (std::regex_search(record, m, std::regex(name + "=\"([^\"]*)\""))) return m[1];
    return "";
}

size_t count(const std::string& s, const std::string& what) {
    size_t n = 0;
    for (size_t at = 0; (at = s.find(what, at)) != std::string::npos; at += what.size()) ++n;
    return n;
}

// The fake target as a vCPU behaves under an IDE: a step moves rip by 2; a continue runs to the
// first software breakpoint that is not at the pc, or runs until interrupted (Ctrl-C, VS Code's
// pause button: SIGINT).
class MiVsCode : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_gdb()) GTEST_SKIP() << "gdb is not installed";
        f.target.on_resume = [this](const std::vector<ResumeAction>& actions) {
            StopReason stop;
            bool stepped = false;
            for (auto& a : actions) {
                if (a.kind == ResumeAction::Kind::Step || a.kind == ResumeAction::Kind::RangeStep) {
                    int t = a.thread > 0 ? a.thread : 1;
                    f.target.regs[t].set(Rip, f.target.regs[t].get(Rip) + 2);
                    stop.thread = t;
                    stepped = true;
                }
            }
            if (!stepped) {
                uint64_t pc = f.target.regs[1].get(Rip);
                auto& bps = f.target.breakpoints;
                auto bp = std::find_if(bps.begin(), bps.end(), [&](auto& b) {
                    return b.type == BreakpointType::Software && b.addr != pc;
                });
                if (bp == bps.end()) return;  // running
                f.target.regs[1].set(Rip, bp->addr);
                stop.detail = StopReason::Detail::SwBreak;
            }
            stop.expedite = {{Rip, f.target.regs[stop.thread].get(Rip)}};
            f.server->notify_stop(stop);
        };
        f.target.on_interrupt = [this] {
            StopReason stop;
            stop.signal = sig::kInt;
            f.server->notify_stop(stop);
        };
        ASSERT_TRUE(gdb.started());
    }

    // The whole exchange on failure, or always with SVM_MI_TRANSCRIPT=1.
    void TearDown() override {
        if (HasFailure() || std::getenv("SVM_MI_TRANSCRIPT"))
            std::cout << "--- the MI session:\n" << gdb.transcript() << "\n";
    }

    // Sends `command` and expects its result record to start with `result_class`.
    MiReply expect(const std::string& command, const std::string& result_class) {
        MiReply reply = gdb.send(command);
        EXPECT_TRUE(reply.result.starts_with(result_class))
            << command << " answered '" << reply.result << "'";
        return reply;
    }

    // MIEngine's launch up to -target-select remote ("program" = `program`, "" for none), the
    // stop gdb reports on connecting, and "show architecture" once connected.
    void launch(const std::string& program) {
        // MIEngine's EnableTargetAsyncOption, then launch.json's setupCommands.
        expect("-gdb-set mi-async on", "^done");
        expect("-enable-pretty-printing", "^done");
        expect("-interpreter-exec console \"set pagination off\"", "^done");
        expect("-environment-cd " + std::filesystem::temp_directory_path().string(), "^done");
        if (!program.empty()) expect("-file-exec-and-symbols " + program, "^done");
        // MIEngine reads gdb's answer for "x86-64" (X64) or "i386" (X86): before connecting,
        // that is the program file's architecture.
        launch_architecture =
            expect("-interpreter-exec console \"show architecture\"", "^done").lines;
        // A kernel has no main: MIEngine ignores this failure (ignoreFailures).
        MiReply main = expect("-break-insert main", "^error");
        EXPECT_NE(main.result.find("msg="), std::string::npos) << main.result;
        MiReply connected = expect("-target-select remote " + f.address(), "^connected");
        EXPECT_EQ(f.target.attach_calls, 1);
        // gdb announces both vCPUs as threads of the one inferior.
        EXPECT_NE(connected.lines.find("=thread-group-started,id=\"i1\""), std::string::npos);
        EXPECT_NE(connected.lines.find("=thread-created,id=\"2\""), std::string::npos);
        // stopAtConnect: the stop gdb found on connecting is where the IDE shows the guest.
        first_stop = gdb.wait_for("*stopped");
        EXPECT_EQ(field(first_stop, "thread-id"), "1") << first_stop;
        EXPECT_NE(first_stop.find("stopped-threads=\"all\""), std::string::npos) << first_stop;
        // After connecting, gdb's architecture is the target description's or the file's.
        architecture = expect("-interpreter-exec console \"show architecture\"", "^done").lines;
    }

    // `-data-list-register-names`, then the index of each of `names` (-1 if missing).
    std::map<std::string, int> register_numbers(const std::vector<std::string>& names) {
        MiReply reply = expect("-data-list-register-names", "^done,register-names=[");
        std::map<std::string, int> numbers;  // gdb's numbering has gaps, named ""
        std::regex name_re("\"([^\"]*)\"");
        int i = 0;
        std::string list =
            reply.result.substr(std::min(reply.result.find('['), reply.result.size()));
        for (std::sregex_iterator it(list.begin(), list.end(), name_re), end; it != end; ++it, ++i)
            numbers[(*it)[1]] = i;
        std::map<std::string, int> wanted;
        for (auto& n : names) wanted[n] = numbers.contains(n) ? numbers[n] : -1;
        return wanted;
    }

    // The hexadecimal value of register `number` in `-data-list-register-values x`.
    std::string register_value(const std::string& values, int number) {
        std::smatch m;
        if (std::regex_search(values, m,
                              std::regex("\\{number=\"" + std::to_string(number) +
                                         "\",value=\"(0x[0-9a-f]+)\"\\}")))
            return m[1];
        return "";
    }

    // The end of every session: VS Code's pause button on a running guest, then disconnect.
    void pause_and_detach() {
        expect("-break-delete", "^done");
        expect("-exec-continue", "^running");
        std::string running = gdb.wait_for("*running");
        EXPECT_NE(running.find("thread-id=\"all\""), std::string::npos) << running;
        expect("-exec-interrupt", "^done");
        std::string stopped = gdb.wait_for("*stopped");
        EXPECT_EQ(field(stopped, "reason"), "signal-received") << stopped;
        EXPECT_EQ(field(stopped, "signal-name"), "SIGINT") << stopped;
        EXPECT_EQ(f.target.interrupt_calls, 1);
        expect("-target-detach", "^done");
        EXPECT_EQ(f.target.detach_calls, 1);
        EXPECT_TRUE(f.target.breakpoints.empty());
        expect("-gdb-exit", "^exit");
    }

    GdbFixture f;
    MiGdb gdb;
    std::string launch_architecture;  // "show architecture" before connecting
    std::string architecture;         // and after
    std::string first_stop;           // the *stopped record of connecting
};

// launch.json with "program" an ELF64 kernel. The fake serves no file, so the frames have no
// symbols; registers, memory, breakpoints at addresses and instruction steps are what is checked.
TEST_F(MiVsCode, Elf64LaunchConfiguration) {
    f.target.architecture_name = "i386:x86-64";
    launch("");
    // This test has no ELF64 program to give gdb, so before connecting gdb shows its default
    // (with launch.json's "program", the file's i386:x86-64); svm's target description names
    // i386:x86-64.
    EXPECT_NE(architecture.find("(currently \\\"i386:x86-64\\\")"), std::string::npos)
        << architecture;
    EXPECT_EQ(field(first_stop, "addr"), "0x0000000000001000") << first_stop;

    MiReply threads = expect("-thread-info", "^done,threads=[");
    EXPECT_EQ(count(threads.result, "{id=\""), 2u) << threads.result;
    EXPECT_NE(threads.result.find("target-id=\"Thread 1.1\""), std::string::npos);
    EXPECT_NE(threads.result.find("addr=\"0x0000000000001000\""), std::string::npos);
    EXPECT_EQ(field(threads.result, "current-thread-id"), "1");

    MiReply frames = expect("-stack-list-frames 0 1000", "^done,stack=[");
    EXPECT_NE(frames.result.find("frame={level=\"0\",addr=\"0x0000000000001000\""),
              std::string::npos)
        << frames.result;
    expect("-stack-list-variables --thread 1 --frame 0 --simple-values", "^done,variables=[]");
    // Clicking the second vCPU in the Call Stack view (MIEngine selects threads explicitly).
    MiReply select = expect("-thread-select 2", "^done,new-thread-id=\"2\"");
    EXPECT_NE(select.result.find("addr=\"0x0000000000001010\""), std::string::npos)
        << select.result;
    expect("-thread-select 1", "^done,new-thread-id=\"1\"");

    auto regs = register_numbers({"rip", "rax", "eip", "eax", "cr3", "efer", "fs_base"});
    for (auto& [name, number] : regs) EXPECT_GE(number, 0) << name;
    MiReply values = expect("-data-list-register-values x", "^done,register-values=[");
    EXPECT_EQ(register_value(values.result, regs["rip"]), "0x1000");
    EXPECT_EQ(register_value(values.result, regs["rax"]), "0x1111");
    EXPECT_EQ(register_value(values.result, regs["eax"]), "0x1111");
    EXPECT_EQ(register_value(values.result, regs["cr3"]), "0x5000");
    EXPECT_EQ(register_value(values.result, regs["efer"]), "0x500");
    EXPECT_EQ(register_value(values.result, regs["fs_base"]), "0x7000");

    // Watch and hover: variable objects and expressions.
    MiReply var = expect("-var-create - * \"$rax\"", "^done,name=\"var1\"");
    EXPECT_EQ(field(var.result, "value"), "4369") << var.result;
    MiReply eval = expect("-data-evaluate-expression $eax", "^done,value=");
    EXPECT_EQ(field(eval.result, "value"), "4369");
    expect("-var-delete var1", "^done");

    // The memory view.
    MiReply mem = expect("-data-read-memory-bytes 0x1000 16", "^done,memory=[");
    EXPECT_EQ(field(mem.result, "begin"), "0x0000000000001000");
    EXPECT_EQ(field(mem.result, "contents"), "efbeadde785634120df0fecadec0ad0b");

    // A breakpoint in the disassembly view, continue to it, then step by instruction.
    MiReply bp = expect("-break-insert -f *0x1040", "^done,bkpt={");
    EXPECT_EQ(field(bp.result, "addr"), "0x0000000000001040");
    expect("-exec-continue", "^running");
    std::string stopped = gdb.wait_for("*stopped");
    EXPECT_EQ(field(stopped, "reason"), "breakpoint-hit") << stopped;
    EXPECT_EQ(field(stopped, "addr"), "0x0000000000001040") << stopped;
    EXPECT_EQ(field(stopped, "thread-id"), "1");
    expect("-exec-next-instruction", "^running");
    stopped = gdb.wait_for("*stopped");
    EXPECT_EQ(field(stopped, "reason"), "end-stepping-range") << stopped;
    EXPECT_EQ(field(stopped, "addr"), "0x0000000000001042") << stopped;
    expect("-exec-step-instruction", "^running");
    stopped = gdb.wait_for("*stopped");
    EXPECT_EQ(field(stopped, "addr"), "0x0000000000001044") << stopped;

    // A register written from the Variables pane reaches the vCPU.
    expect("-var-create regvar * $rbx", "^done,name=\"regvar\"");
    expect("-var-assign regvar 0x1234", "^done,value=\"4660\"");
    EXPECT_EQ(f.target.register_value(1, Rbx), 0x1234u);

    pause_and_detach();
}

// launch.json with "program" an ELF32 kernel: nothing else differs. svm's target description
// names no architecture for it, so gdb keeps the file's (i386) and MIEngine sees X86.
TEST_F(MiVsCode, Elf32LaunchConfiguration) {
    auto program = Elf32Program::read(SVM_FRAMES32_ELF);
    ASSERT_TRUE(program) << SVM_FRAMES32_ELF;
    f.target.architecture_name = "";
    auto state = load_frames32(*program, f.target);
    ASSERT_TRUE(state);
    launch(SVM_FRAMES32_ELF);
    EXPECT_NE(launch_architecture.find("(currently \\\"i386\\\")"), std::string::npos)
        << launch_architecture;
    EXPECT_NE(architecture.find("(currently \\\"i386\\\")"), std::string::npos) << architecture;
    EXPECT_EQ(field(first_stop, "addr"), fmt::format("{:#010x}", state->pc)) << first_stop;
    EXPECT_EQ(field(first_stop, "func"), "leaf") << first_stop;
    EXPECT_EQ(gdb.transcript().find("too long"), std::string::npos);

    MiReply threads = expect("-thread-info", "^done,threads=[");
    EXPECT_EQ(count(threads.result, "{id=\""), 2u) << threads.result;
    EXPECT_EQ(count(threads.result, "func=\"leaf\""), 2u) << threads.result;
    EXPECT_EQ(field(threads.result, "current-thread-id"), "1");

    MiReply frames = expect("-stack-list-frames 0 1000", "^done,stack=[");
    EXPECT_NE(frames.result.find("frame={level=\"0\",addr=\"" + fmt::format("{:#010x}", state->pc) +
                                 "\",func=\"leaf\""),
              std::string::npos)
        << frames.result;
    EXPECT_NE(frames.result.find("frame={level=\"1\",addr=\"" +
                                 fmt::format("{:#010x}", state->ret_middle) + "\",func=\"middle\""),
              std::string::npos)
        << frames.result;
    EXPECT_NE(frames.result.find("frame={level=\"2\",addr=\"" +
                                 fmt::format("{:#010x}", state->ret_start) + "\",func=\"_start\""),
              std::string::npos)
        << frames.result;
    EXPECT_TRUE(
        std::regex_search(frames.result, std::regex("fullname=\"[^\"]*/frames32\\.c\",line=")))
        << frames.result;
    // The Call Stack view's parameters, every frame at once (print-values 2: simple values).
    MiReply args = expect("-stack-list-arguments 2 0 1000", "^done,stack-args=[");
    EXPECT_NE(args.result.find("frame={level=\"0\",args=[{name=\"x\",type=\"int\",value=\"42\"}]}"),
              std::string::npos)
        << args.result;
    EXPECT_NE(args.result.find("frame={level=\"1\",args=[{name=\"x\",type=\"int\",value=\"41\"}]}"),
              std::string::npos)
        << args.result;
    EXPECT_NE(args.result.find("frame={level=\"2\",args=[]}"), std::string::npos) << args.result;
    MiReply vars =
        expect("-stack-list-variables --thread 1 --frame 0 --simple-values", "^done,variables=[");
    EXPECT_NE(vars.result.find("{name=\"x\",arg=\"1\",type=\"int\",value=\"42\"}"),
              std::string::npos)
        << vars.result;
    vars =
        expect("-stack-list-variables --thread 1 --frame 1 --simple-values", "^done,variables=[");
    EXPECT_NE(vars.result.find("{name=\"x\",arg=\"1\",type=\"int\",value=\"41\"}"),
              std::string::npos)
        << vars.result;

    auto regs = register_numbers({"eip", "esp", "eax", "rip", "rax", "cr0"});
    for (auto& [name, number] : regs) EXPECT_GE(number, 0) << name;
    MiReply values = expect("-data-list-register-values x", "^done,register-values=[");
    EXPECT_EQ(register_value(values.result, regs["eip"]), fmt::format("{:#x}", state->pc));
    EXPECT_EQ(register_value(values.result, regs["esp"]), "0x1ee4");
    EXPECT_EQ(register_value(values.result, regs["eax"]), "0x2a");
    EXPECT_EQ(register_value(values.result, regs["rax"]), "0xaaaaaaaa0000002a");
    EXPECT_EQ(register_value(values.result, regs["cr0"]), "0x11");

    MiReply var = expect("-var-create - * \"x\"", "^done,name=\"var1\"");
    EXPECT_EQ(field(var.result, "value"), "42") << var.result;
    EXPECT_EQ(field(var.result, "type"), "int") << var.result;
    // A watch on memory svm cannot read (frames32.c's sink is in .bss, past the fake's 4 KiB)
    // is an error the Watch view shows, not a failed session.
    MiReply eval = expect("-data-evaluate-expression sink", "^error,msg=");
    EXPECT_TRUE(field(eval.result, "msg").starts_with("Cannot access memory at address 0x"))
        << eval.result;
    expect("-data-evaluate-expression \"x * 3\"", "^done,value=\"126\"");
    expect("-var-delete var1", "^done");

    MiReply mem = expect("-data-read-memory-bytes 0x1000 16", "^done,memory=[");
    EXPECT_EQ(field(mem.result, "begin"), "0x00001000");
    EXPECT_EQ(field(mem.result, "contents"), "efbeadde785634120df0fecadec0ad0b");

    // Step Over: gdb steps through line 6 (the fake moves 2 bytes a step; leaf's line 6 is
    // 0x1103-0x110a in frames32.elf) and stops at the start of line 7.
    expect("-exec-next", "^running");
    std::string stopped = gdb.wait_for("*stopped");
    EXPECT_EQ(field(stopped, "reason"), "end-stepping-range") << stopped;
    EXPECT_EQ(field(stopped, "func"), "leaf") << stopped;
    EXPECT_EQ(field(stopped, "line"), "7") << stopped;
    EXPECT_EQ(f.target.register_value(1, Rip), state->pc + 8);

    // A breakpoint set in the editor on middle(): gdb places it after middle's prologue.
    MiReply bp = expect("-break-insert -f middle", "^done,bkpt={");
    EXPECT_EQ(field(bp.result, "func"), "middle") << bp.result;
    const std::string middle_bp = field(bp.result, "addr");
    expect("-exec-continue", "^running");
    stopped = gdb.wait_for("*stopped");
    EXPECT_EQ(field(stopped, "reason"), "breakpoint-hit") << stopped;
    EXPECT_EQ(field(stopped, "func"), "middle") << stopped;
    EXPECT_EQ(field(stopped, "addr"), middle_bp) << stopped;
    expect("-exec-step-instruction", "^running");
    stopped = gdb.wait_for("*stopped");
    EXPECT_EQ(field(stopped, "reason"), "end-stepping-range") << stopped;
    EXPECT_EQ(field(stopped, "addr"),
              fmt::format("{:#010x}", std::stoul(middle_bp, nullptr, 16) + 2))
        << stopped;

    // $eax written from the Variables pane: the low half of rax, the upper half kept.
    expect("-var-create regvar * $eax", "^done,name=\"regvar\"");
    expect("-var-assign regvar 7", "^done,value=\"7\"");
    EXPECT_EQ(f.target.register_value(1, Rax), 0xaaaaaaaa00000007u);

    pause_and_detach();
}

}  // namespace
}  // namespace svm::gdb::testing
