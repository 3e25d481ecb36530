// Session: framing, acks, the Stopped/Running states and the packet dispatch. The packet
// families live in session_data.cpp (registers, memory, breakpoints), session_resume.cpp
// (c/s/vCont/H/T) and session_query.cpp (q/Q/v packets, qXfer, monitor, LLDB's queries).
#include "gdbstub/session.h"

#include <fmt/format.h>

#include <algorithm>

#include "gdbstub/protocol/hex.h"
#include "gdbstub/protocol/packet_encoder.h"
#include "gdbstub/protocol/stop_reply.h"
#include "gdbstub/protocol/thread_id.h"
#include "gdbstub/session_errors.h"

namespace svm::gdb {

Session::Session(DebugTarget& target, SessionOptions options, std::function<bool()> may_attach)
    : target_(target),
      options_(std::move(options)),
      may_attach_(std::move(may_attach)),
      decoder_(options_.packet_size),
      resume_(target_, breakpoints_, [this](std::string_view message) { log(message); }) {}

void Session::attach() {
    if (attached_ || closed_) return;
    last_stop_ = target_.attach();
    attached_ = true;
    max_pid();
    log("debugger attached");
}

void Session::on_disconnect() {
    if (!attached_ || closed_) return;
    closed_ = true;
    const bool was_running = running_;
    running_ = false;
    resume_.reset();
    breakpoints_.clear();
    log(was_running ? "debugger disconnected: detaching"
                    : "debugger disconnected while the target was stopped");
    if (was_running)
        target_.detach();
    else
        target_.disconnect_stopped();
}

std::string Session::on_bytes(std::string_view bytes) {
    std::string out;
    on_bytes(bytes, out, SIZE_MAX);
    return out;
}

size_t Session::on_bytes(std::string_view bytes, std::string& out, size_t max_out) {
    std::vector<protocol::DecoderEvent> events;
    size_t used = 0;
    while (used < bytes.size() && out.size() < max_out) {
        if (closed_) return bytes.size();
        events.clear();
        used += decoder_.feed(bytes.substr(used), events, 1);
        for (auto& event : events) on_event(event, out);
    }
    return closed_ ? bytes.size() : used;
}

void Session::on_event(protocol::DecoderEvent& event, std::string& out) {
    using Kind = protocol::DecoderEvent::Kind;
    switch (event.kind) {
        case Kind::Ack:
            break;
        case Kind::Nak:
            if (!no_ack_) out += last_sent_;
            break;
        case Kind::Interrupt:
            // GDB manual E.12: 0x03 asks a running target to stop; a SIGINT stop follows.
            if (running_) {
                log("interrupt from gdb");
                resume_.interrupt();
                target_.interrupt();
            }
            break;
        case Kind::BadChecksum:
            log("packet with a bad checksum discarded");
            out += '-';
            break;
        case Kind::Overlong:
            log(fmt::format("packet longer than PacketSize ({:#x}) rejected",
                            options_.packet_size));
            if (!no_ack_) out += '+';
            if (!running_ && !closed_) out += frame(errors::kTooLong);
            break;
        case Kind::Packet: {
            if (options_.trace) options_.trace('<', event.payload);
            if (!no_ack_) out += '+';
            if (closed_) break;
            if (!attached_) {
                // The handshake: only now is this client a debugger.
                if (may_attach_ && !may_attach_()) {
                    out += frame(errors::kBusy);
                    closed_ = true;
                    break;
                }
                attach();
            }
            if (running_) {
                // All-stop: gdb sends nothing but 0x03 until the stop reply.
                log(fmt::format("packet while the target runs ignored: {:.40}", event.payload));
                break;
            }
            std::vector<std::string> replies;
            dispatch(event.payload, replies);
            for (auto& reply : replies) out += frame(reply);
            if (event.payload == "QStartNoAckMode") {
                // GDB manual E.11: both sides stop acking after the OK reply.
                no_ack_ = true;
                decoder_.set_no_ack(true);
            }
            break;
        }
    }
}

std::string Session::on_stop(const StopReason& stop) {
    // A target of several VMs may hold a stop back until the others have stopped too.
    auto filtered = target_.filter_stop(stop);
    if (!filtered) return {};
    const StopReason& reason = *filtered;
    if (running_ && !closed_) {
        // Stops that svm handles by itself (resume_controller.h) never reach gdb.
        auto report = resume_.on_stop(reason);
        if (!report) return {};
        return report_stop(*report);
    }
    return report_stop(reason);
}

std::string Session::report_stop(const StopReason& reason) {
    last_stop_ = reason;
    // A new stop invalidates Hg/Hc choices: gdb re-selects after each stop.
    g_thread_ = 0;
    c_thread_ = 0;
    if (!running_ || closed_) return {};
    running_ = false;
    std::string out;
    if (reason.exception) {
        // Say what the guest took before the stop itself: gdb prints console output ('O', GDB
        // manual E.3) as it arrives, so the line precedes "Program received signal ...".
        const GuestException& e = *reason.exception;
        std::string line = fmt::format("svm: vCPU {} took exception {}",
                                       local_thread(reason.thread) - 1, e.vector);
        if (target_.processes().size() > 1)
            line = fmt::format("svm: VM {} vCPU {} took exception {}", process_of(reason.thread),
                               local_thread(reason.thread) - 1, e.vector);
        if (e.error_code) line += fmt::format(", error code {:#x}", *e.error_code);
        line += fmt::format(", {} {:#x}\n", e.vector == 14 ? "CR2" : "at", e.address);
        out = frame("O" + protocol::encode_hex(line));
    }
    return out + frame(protocol::format_stop_reply(reason, multiprocess_));
}

void Session::dispatch(std::string_view packet, std::vector<std::string>& replies) {
    if (packet.empty()) {
        replies.emplace_back();
        return;
    }
    std::string_view args = packet.substr(1);
    std::string reply;
    switch (packet[0]) {
        case '?':
            reply = protocol::format_stop_reply(last_stop_, multiprocess_);
            break;
        case 'g':
            reply = handle_read_registers();
            break;
        case 'G':
            reply = handle_write_registers(args);
            break;
        case 'p':
            reply = handle_read_register(args);
            break;
        case 'P':
            reply = handle_write_register(args);
            break;
        case 'm':
            reply = handle_read_memory(args);
            break;
        case 'x':
            reply = handle_read_memory_binary(args);
            break;
        case 'M':
            reply = handle_write_memory(args, false);
            break;
        case 'X':
            reply = handle_write_memory(args, true);
            break;
        case 'Z':
            reply = handle_breakpoint(args, true);
            break;
        case 'z':
            reply = handle_breakpoint(args, false);
            break;
        case 'H':
            reply = handle_thread_select(args);
            break;
        case 'T':
            reply = handle_thread_alive(args);
            break;
        case 'c':
        case 'C':
        case 's':
        case 'S':
            reply = handle_resume(packet[0], args);
            break;
        case 'D':
            reply = handle_detach(args, replies);
            if (closed_) return;
            break;
        case 'k':
            // GDB manual E.2 leaves the reply to 'k' open and gdb reads none (it uses vKill when
            // the stub answers it, as svm does); LLDB waits for the exit of the process ("W" or
            // "X", as lldb-server answers) and otherwise reports "failed to send the k packet".
            // So the reply is "killed by SIGKILL". Reply first: the transport closes after it.
            replies.push_back(
                fmt::format("X{:02x}{}", sig::kKill,
                            multiprocess_ ? fmt::format(";process:{:x}", protocol::kPid) : ""));
            closed_ = true;
            log("kill requested by the debugger");
            target_.kill();
            return;
        case 'q':
            reply = handle_query(packet, replies);
            break;
        case 'Q':
            reply = handle_set(packet);
            break;
        case 'v':
            reply = handle_v(packet);
            break;
        default:
            break;  // Unsupported: the empty reply (GDB manual E.1).
    }
    if (running_) return;  // resumed: the stop reply comes later
    replies.push_back(std::move(reply));
}

ThreadId Session::register_thread() const {
    return g_thread_ > 0 ? g_thread_ : last_stop_.thread;
}

ThreadId Session::resume_thread() const {
    return c_thread_ > 0 ? c_thread_ : last_stop_.thread;
}

int Session::max_pid() {
    // The highest pid seen since attaching: a detached process keeps its pid (vAttach;PID).
    for (int pid : target_.processes()) max_pid_ = std::max(max_pid_, pid);
    return max_pid_;
}

std::string Session::handle_detach(std::string_view args, std::vector<std::string>& replies) {
    // "D" or "D;pid" (GDB manual E.2 "D": the pid with the multiprocess extensions).
    std::optional<int> pid;
    if (!args.empty()) {
        if (args[0] != ';' || !(pid = protocol::parse_pid(args.substr(1), max_pid())))
            return errors::kMalformed;
    }
    if (detach_one(pid, false)) return "OK";
    // The last (or only) process: reply first, the transport closes after sending it.
    replies.emplace_back("OK");
    closed_ = true;
    resume_.reset();
    breakpoints_.clear();
    log("debugger detached");
    target_.detach();
    return "";
}

bool Session::detach_one(std::optional<int> pid, bool kill) {
    if (!pid) return false;
    auto processes = target_.processes();
    if (processes.size() < 2) return false;
    if (std::find(processes.begin(), processes.end(), *pid) == processes.end()) return false;
    log(fmt::format("{} process {} (VM {}); the others stay attached",
                    kill ? "killing" : "detaching", *pid, *pid));
    // Hg/Hc stay as they are: gdb remembers what it selected and sends H again only to change
    // it, so a thread of the detached process stays selected (and answers E03) until then.
    breakpoints_.erase_process(*pid);
    if (kill)
        target_.kill_process(*pid);
    else
        target_.detach_process(*pid);
    return true;
}

std::string Session::handle_attach(std::string_view args) {
    // "vAttach;pid" (GDB manual E.2): reattach a process that D;pid let go; the reply is a stop
    // reply, as for '?'.
    auto pid = protocol::parse_pid(args, max_pid());
    if (!pid) return errors::kMalformed;
    auto stop = target_.attach_process(*pid);
    if (!stop) return error_reply(stop.error());
    log(fmt::format("process {} attached again", *pid));
    last_stop_ = *stop;
    // gdb asks qC next and takes the answer as the attached process's current thread (it
    // forgets its own Hg choice on attach): the stopped thread of that process.
    g_thread_ = 0;
    c_thread_ = 0;
    return protocol::format_stop_reply(last_stop_, multiprocess_);
}

std::string Session::error_reply(const TargetError& error) {
    int code = error.code >= 1 && error.code <= 255 ? error.code : 1;
    return fmt::format("E{:02x}", code);
}

std::string Session::frame(std::string_view payload) {
    if (options_.trace) options_.trace('>', payload);
    last_sent_ = protocol::frame_packet(payload, options_.rle_replies);
    return last_sent_;
}

void Session::log(std::string_view message) {
    if (options_.log) options_.log(message);
}

}  // namespace svm::gdb
