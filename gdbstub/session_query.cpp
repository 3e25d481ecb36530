// Session: general queries and settings (q, Q, v packets; GDB manual E.4 "General Query
// Packets"), qXfer objects and monitor commands (qRcmd).
#include <fmt/format.h>

#include "gdbstub/protocol/hex.h"
#include "gdbstub/protocol/lldb_queries.h"
#include "gdbstub/protocol/qxfer.h"
#include "gdbstub/protocol/siginfo.h"
#include "gdbstub/protocol/thread_id.h"
#include "gdbstub/session.h"
#include "gdbstub/session_errors.h"

namespace svm::gdb {

using protocol::format_thread_id;

namespace {

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;
}

}  // namespace

std::string Session::handle_query(std::string_view packet, std::vector<std::string>& replies) {
    if (starts_with(packet, "qSupported")) return supported_features(packet.substr(10));
    if (starts_with(packet, "qAttached")) return "1";  // attached to an existing process
    if (packet == "qC") return "QC" + format_thread_id(register_thread(), multiprocess_);
    if (packet == "qfThreadInfo") {
        std::string reply = "m";
        for (ThreadId thread : target_.threads()) {
            if (reply.size() > 1) reply += ',';
            reply += format_thread_id(thread, multiprocess_);
        }
        return reply.size() > 1 ? reply : "l";
    }
    if (packet == "qsThreadInfo") return "l";
    if (starts_with(packet, "qThreadExtraInfo,")) {
        auto selector = protocol::parse_thread_id(packet.substr(17), max_pid());
        if (!selector || selector->kind != protocol::ThreadSelector::Kind::One)
            return errors::kMalformed;
        return protocol::encode_hex(target_.thread_extra_info(selector->thread));
    }
    if (starts_with(packet, "qXfer:")) return handle_qxfer(packet.substr(6));
    // LLDB's queries (lldb/docs/resources/lldbgdbremote.md).
    if (packet == "qHostInfo") return protocol::format_host_info();
    if (packet == "qProcessInfo") return protocol::format_process_info();
    if (starts_with(packet, "qMemoryRegionInfo:")) return handle_memory_region(packet.substr(18));
    if (starts_with(packet, "qRcmd,")) return handle_monitor(packet.substr(6), replies);
    return "";  // qOffsets, qSymbol, qTStatus, ...: not supported
}

std::string Session::handle_set(std::string_view packet) {
    if (packet == "QStartNoAckMode") return "OK";
    return "";
}

std::string Session::handle_v(std::string_view packet) {
    if (packet == "vCont?") return "vCont;c;C;s;S;t;r";
    if (starts_with(packet, "vCont;")) return handle_vcont(packet.substr(6));
    if (starts_with(packet, "vFile:")) return handle_vfile(packet.substr(6));
    if (starts_with(packet, "vAttach;")) return handle_attach(packet.substr(8));
    if (packet == "vKill" || starts_with(packet, "vKill;")) {
        // "vKill;pid": with other processes (VMs) attached, only that one ends.
        if (packet.size() > 6) {
            auto pid = protocol::parse_pid(packet.substr(6), max_pid());
            if (!pid) return errors::kMalformed;
            if (detach_one(pid, true)) return "OK";
        }
        closed_ = true;
        log("kill requested by the debugger");
        target_.kill();
        return "OK";
    }
    return "";  // vMustReplyEmpty, vFile, vRun, ...
}

std::string Session::supported_features(std::string_view gdb_features) {
    // gdb lists its own features after ':' ("multiprocess+;swbreak+;...").
    if (!gdb_features.empty()) gdb_features.remove_prefix(1);
    multiprocess_ = false;
    while (!gdb_features.empty()) {
        auto parts = protocol::split_once(gdb_features, ';');
        std::string_view feature = parts ? parts->first : gdb_features;
        gdb_features = parts ? parts->second : std::string_view{};
        if (feature == "multiprocess+") multiprocess_ = true;
    }
    std::string reply =
        fmt::format("PacketSize={:x};QStartNoAckMode+;qXfer:features:read+;qXfer:threads:read+;",
                    options_.packet_size);
    if (target_.exec_file()) reply += "qXfer:exec-file:read+;";
    reply += "qXfer:siginfo:read+;";
    // ConditionalBreakpoints: Z0/Z1 carry conditions as agent expressions, evaluated here
    // (breakpoint_table.h); svm does not advertise BreakpointCommands and ignores ";cmds".
    reply += "swbreak+;hwbreak+;vContSupported+;ConditionalBreakpoints+";
    if (multiprocess_) reply += ";multiprocess+";
    return reply;
}

std::string Session::handle_qxfer(std::string_view args) {
    auto request = protocol::parse_qxfer_read(args);
    if (!request) {
        // A write or an unknown operation on a known object is malformed; unknown objects
        // are not supported.
        return errors::kXferBad;
    }
    // The reply is binary and escaped; with at most half of PacketSize of data, escaping can
    // never push it past PacketSize.
    uint64_t max = (options_.packet_size - 1) / 2;
    auto slice = [&](std::string_view doc) {
        return protocol::qxfer_slice(doc, request->offset, request->length, max);
    };
    if (request->object == "features") {
        if (request->annex != "target.xml") return errors::kXferBad;
        // The architecture is fixed for the whole transfer (gdb reads target.xml in parts).
        if (request->offset == 0 || !architecture_) architecture_ = target_.architecture();
        return slice(x86_64::target_xml(*architecture_));
    }
    if (request->object == "siginfo") {
        if (!request->annex.empty()) return errors::kXferBad;
        // The stopped thread's signal and exception; any other thread stopped with none.
        const bool stopped_here = last_stop_.thread == register_thread();
        auto info = protocol::make_siginfo(stopped_here ? last_stop_.signal : sig::kNone,
                                           stopped_here ? last_stop_.exception : std::nullopt);
        return slice(std::string_view(reinterpret_cast<const char*>(info.data()), info.size()));
    }
    if (request->object == "threads") {
        if (!request->annex.empty()) return errors::kXferBad;
        // Built once per transfer so that every part comes from the same document.
        if (request->offset == 0 || threads_doc_.empty()) threads_doc_ = threads_xml();
        return slice(threads_doc_);
    }
    if (request->object == "exec-file") {
        auto path = target_.exec_file();
        if (!path) return "";
        if (!request->annex.empty()) {
            // The annex is the pid (multiprocess): each VM has its own kernel.
            auto pid = protocol::parse_pid(request->annex, max_pid());
            if (!pid) return errors::kXferBad;
            path = target_.exec_file_of(*pid);
            if (!path) return errors::kXferBad;
        }
        return slice(*path);
    }
    return "";
}

std::string Session::threads_xml() {
    // GDB manual E.4 "qXfer:threads:read" / G.? "Thread List Format".
    std::string xml = "<?xml version=\"1.0\"?>\n<threads>\n";
    for (ThreadId thread : target_.threads()) {
        std::string info = target_.thread_extra_info(thread);
        std::string name = info.substr(0, info.find(','));
        xml += fmt::format("<thread id=\"{}\" name=\"{}\">{}</thread>\n",
                           format_thread_id(thread, multiprocess_), protocol::xml_escape(name),
                           protocol::xml_escape(info));
    }
    xml += "</threads>\n";
    return xml;
}

std::string Session::handle_monitor(std::string_view hex, std::vector<std::string>& replies) {
    auto bytes = protocol::decode_hex(hex);
    if (!bytes) return errors::kMalformed;
    std::string command(bytes->begin(), bytes->end());
    auto output = target_.monitor_in(process_of(register_thread()), command);
    if (!output) {
        // Not an error reply: an error stops a `gdb -batch` script or a .gdbinit at this line,
        // and scripts written for QEMU's monitor should run on.
        std::string message =
            fmt::format("unknown monitor command '{}'; 'monitor help' lists them\n", command);
        log(message.substr(0, message.size() - 1));
        output = std::move(message);
    }
    if (output->empty()) return "OK";
    std::string encoded = protocol::encode_hex(*output);
    if (encoded.size() < options_.packet_size) return encoded;
    // Too long for one reply: console output packets ("O" + hex), then OK.
    size_t chunk = (options_.packet_size - 1) & ~size_t(1);
    for (size_t at = 0; at < encoded.size(); at += chunk)
        replies.push_back("O" + encoded.substr(at, chunk));
    return "OK";
}

}  // namespace svm::gdb
