// Session: resuming (c/C/s/S, vCont including range steps) and thread selection (H, T); GDB
// manual E.2 "Packets".
#include <algorithm>

#include "gdbstub/protocol/hex.h"
#include "gdbstub/protocol/thread_id.h"
#include "gdbstub/protocol/vcont.h"
#include "gdbstub/session.h"
#include "gdbstub/session_errors.h"

namespace svm::gdb {

using protocol::ThreadSelector;

std::string Session::handle_resume(char command, std::string_view args) {
    // "c[addr]", "s[addr]", "Csig[;addr]", "Ssig[;addr]".
    ResumeAction action;
    action.kind =
        command == 'c' || command == 'C' ? ResumeAction::Kind::Continue : ResumeAction::Kind::Step;
    std::string_view addr_text = args;
    if (command == 'C' || command == 'S') {
        auto parts = protocol::split_once(args, ';');
        auto signal = protocol::parse_hex(parts ? parts->first : args);
        if (!signal || *signal > 0xff) return errors::kMalformed;
        action.signal = int(*signal);
        addr_text = parts ? parts->second : std::string_view{};
    }
    ThreadId thread = resume_thread();
    if (!addr_text.empty()) {
        auto addr = protocol::parse_hex(addr_text);
        if (!addr) return errors::kMalformed;
        auto regs = target_.read_registers(thread);
        if (!regs) return error_reply(regs.error());
        regs->set(x86_64::Rip, *addr);
        auto written = target_.write_registers(thread, *regs);
        if (!written) return error_reply(written.error());
    }
    std::vector<ResumeAction> actions;
    if (action.kind == ResumeAction::Kind::Step || action.signal != sig::kNone) {
        // The signal and the step belong to the current thread; 'c' resumes every thread.
        action.thread = thread;
        actions.push_back(action);
    }
    if (action.kind == ResumeAction::Kind::Continue)
        actions.push_back({ResumeAction::Kind::Continue, -1, sig::kNone, 0, 0});
    return resume(actions);
}

std::string Session::handle_vcont(std::string_view args) {
    auto actions = protocol::parse_vcont(args, max_pid());
    if (!actions) return errors::kMalformed;
    return resume(*actions);
}

std::string Session::resume(const std::vector<ResumeAction>& actions) {
    // Through the controller: it carries out range steps and breakpoint conditions.
    auto result = resume_.resume(actions);
    if (!result) return error_reply(result.error());
    running_ = true;
    return "";
}

std::string Session::handle_thread_select(std::string_view args) {
    // "Hg<thread-id>" selects the thread for registers and memory, "Hc<thread-id>" for c/s.
    if (args.empty() || (args[0] != 'g' && args[0] != 'c')) return errors::kMalformed;
    auto selector = protocol::parse_thread_id(args.substr(1), max_pid());
    if (!selector) return errors::kMalformed;
    ThreadId thread = 0;
    auto threads = target_.threads();
    if (selector->kind == ThreadSelector::Kind::One) {
        if (std::find(threads.begin(), threads.end(), selector->thread) == threads.end())
            return errors::kNoThread;
        thread = selector->thread;
    } else if (selector->process > 0 && selector->process != process_of(last_stop_.thread)) {
        // "pP.0" / "pP.-1": a thread of process P, so that what follows (registers, memory,
        // breakpoints) goes to that process; gdb selects its inferior this way. (For the
        // process of the last stop, 0 keeps meaning the stopped thread, as with one VM.)
        auto it = std::find_if(threads.begin(), threads.end(),
                               [&](ThreadId t) { return process_of(t) == selector->process; });
        if (it == threads.end()) return errors::kNoThread;
        thread = *it;
    }
    (args[0] == 'g' ? g_thread_ : c_thread_) = thread;
    return "OK";
}

std::string Session::handle_thread_alive(std::string_view args) {
    auto selector = protocol::parse_thread_id(args, max_pid());
    if (!selector || selector->kind != ThreadSelector::Kind::One) return errors::kMalformed;
    auto threads = target_.threads();
    bool alive = std::find(threads.begin(), threads.end(), selector->thread) != threads.end();
    return alive ? "OK" : errors::kNoThread;
}

}  // namespace svm::gdb
