// One gdb connection's protocol state machine (GDB manual appendix E). No I/O: the transport
// feeds it the bytes it reads and sends what it returns. All DebugTarget calls happen inside
// on_bytes()/on_stop()/attach()/on_disconnect(), so on the caller's (the server's) thread.
//
// States: Handshake (nothing attached yet), Stopped (gdb sends packets, the stub answers each)
// and Running (after c/s/vCont; only 0x03 is expected, which calls target.interrupt(); the reply
// is the stop reply that on_stop() returns later). While Running, the session may resume the
// target by itself before it replies (resume_controller.h): to step over a breakpoint whose
// conditions are false (Z0/Z1 ";X" conditions) and to carry out a range step (vCont "r"). Errors
// come in tiers: a TargetError or a malformed packet becomes an "E xx" reply and the session goes
// on; D, k and vKill end it (closed()), except that with several processes (VMs, MultiTarget)
// "D;pid" and "vKill;pid" end only that one while others remain (GDB manual E.1, multiprocess
// extensions). Besides gdb's packets it answers LLDB's qHostInfo,
// qProcessInfo, qMemoryRegionInfo and binary 'x' reads (protocol/lldb_queries.h).
//
// The handshake is the first packet with a valid checksum: gdb (and VS Code's or CLion's MI,
// which run gdb) open with qSupported, LLDB with QStartNoAckMode, and a port scanner, `nc -z` or
// a stale-socket probe sends none. Before it the session touches nothing: acks, 0x03 and stray
// bytes are ignored, a bad checksum gets '-' and an overlong packet E07, and closing the
// connection detaches nothing. The handshake attaches the target (if `may_attach` allows) and is
// then handled as any packet.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gdbstub/breakpoint_table.h"
#include "gdbstub/debug_target.h"
#include "gdbstub/limits.h"
#include "gdbstub/protocol/packet_decoder.h"
#include "gdbstub/resume_controller.h"

namespace svm::gdb {

struct SessionOptions {
    size_t packet_size = kPacketSize;
    // Run-length encode replies (GDB manual E.1); gdb always decodes it.
    bool rle_replies = false;
    // One line per notable event (attach, detach, malformed packets): svm's -v.
    std::function<void(std::string_view)> log;
    // Every packet payload: direction '<' from gdb, '>' to gdb (svm's -vv).
    std::function<void(char direction, std::string_view payload)> trace;
};

class Session {
public:
    // `may_attach` is asked at the handshake; if it returns false the client gets
    // "E.another debugger is already attached to this svm" and the session ends without
    // attaching. Empty: always allowed.
    explicit Session(DebugTarget& target, SessionOptions options = {},
                     std::function<bool()> may_attach = {});

    // Calls target.attach() (stopping the target) and records its stop reason for '?'.
    // on_bytes() does it at the handshake.
    void attach();

    // Consumes bytes from gdb; returns the bytes to send back (acks, replies), possibly "".
    std::string on_bytes(std::string_view bytes);
    // Consumes bytes from gdb and appends what to send back to `out`, but stops after the packet
    // (or '-') whose replies bring `out` to `max_out` bytes or more: a client that sends requests
    // faster than it reads the replies gets no more until it reads. Returns how many bytes of
    // `bytes` it consumed; the caller passes the rest again later. Once closed() it consumes
    // everything and adds nothing.
    size_t on_bytes(std::string_view bytes, std::string& out, size_t max_out);

    // The target stopped. Returns the stop reply to send if gdb waits for one (the session is
    // Running), "" otherwise (the reason is then kept for '?'). Also "" while Running if the
    // session resumed the target again by itself (a false breakpoint condition, a range step
    // still in its range): gdb then still waits.
    std::string on_stop(const StopReason& reason);

    // The transport closed without D: detaches the target (the guest runs on) unless the
    // session already ended. Idempotent.
    void on_disconnect();

    // True once the handshake attached the target (and until the session ends).
    bool attached() const { return attached_; }
    bool running() const { return running_; }
    // D, k or vKill was handled: close the connection once the returned bytes are sent.
    bool closed() const { return closed_; }
    // The host I/O file descriptor of the open exec file (vFile:open), or -1.
    int vfile_fd() const { return vfile_fd_; }
    bool no_ack_mode() const { return no_ack_; }
    bool multiprocess() const { return multiprocess_; }
    const StopReason& last_stop() const { return last_stop_; }
    // The resumes svm did by itself (breakpoint conditions, range stepping) without gdb.
    const ResumeController& resume_controller() const { return resume_; }

private:
    void on_event(protocol::DecoderEvent& event, std::string& out);
    // Handles one packet payload; returns the reply payloads (usually one; none while the
    // target runs; qRcmd may add O packets before its final reply).
    void dispatch(std::string_view packet, std::vector<std::string>& replies);

    // Packet families (session_*.cpp).
    std::string handle_query(std::string_view packet, std::vector<std::string>& replies);
    std::string handle_set(std::string_view packet);
    std::string handle_v(std::string_view packet);
    TargetResult<x86_64::RegisterFile> read_registers_for_gdb(ThreadId thread);
    std::string handle_read_registers();
    std::string handle_write_registers(std::string_view hex);
    std::string handle_read_register(std::string_view args);
    std::string handle_write_register(std::string_view args);
    std::string handle_read_memory(std::string_view args);
    std::string handle_read_memory_binary(std::string_view args);
    std::string handle_memory_region(std::string_view args);
    std::string handle_write_memory(std::string_view args, bool binary);
    std::string handle_breakpoint(std::string_view args, bool insert);
    std::string handle_thread_select(std::string_view args);
    std::string handle_thread_alive(std::string_view args);
    std::string handle_resume(char command, std::string_view args);
    std::string handle_vcont(std::string_view args);
    std::string handle_vfile(std::string_view args);
    std::string handle_monitor(std::string_view hex, std::vector<std::string>& replies);
    std::string handle_qxfer(std::string_view args);
    std::string supported_features(std::string_view gdb_features);
    std::string threads_xml();
    std::string resume(const std::vector<ResumeAction>& actions);
    // Records `reason` for '?'; returns the stop reply if gdb waits for one, else "".
    std::string report_stop(const StopReason& reason);

    // The thread for g/G/p/P/m/M (Hg) and for c/s (Hc): the selected one, else the last stop's.
    ThreadId register_thread() const;
    ThreadId resume_thread() const;
    // The highest pid the target has had since attaching (1 for a single VM): thread ids naming
    // a higher one are malformed.
    int max_pid();
    // D / D;PID and vKill / vKill;PID: detaches or kills one process while others remain
    // attached (returns true, the session goes on), else returns false (the caller ends the
    // session as for a single VM).
    bool detach_one(std::optional<int> pid, bool kill);
    std::string handle_detach(std::string_view args, std::vector<std::string>& replies);
    std::string handle_attach(std::string_view args);
    static std::string error_reply(const TargetError& error);
    std::string frame(std::string_view payload);
    void log(std::string_view message);

    DebugTarget& target_;
    SessionOptions options_;
    std::function<bool()> may_attach_;
    protocol::PacketDecoder decoder_;
    bool attached_ = false;
    bool running_ = false;
    bool closed_ = false;
    bool no_ack_ = false;
    bool multiprocess_ = false;
    StopReason last_stop_;
    ThreadId g_thread_ = 0;  // 0: not selected (Hg0 / Hg-1)
    ThreadId c_thread_ = 0;
    int max_pid_ = 1;              // max_pid()
    std::string last_sent_;        // resent on '-' (GDB manual E.11)
    int vfile_fd_ = -1;            // vFile: the exec file is the only file svm serves
    std::string threads_doc_;      // qXfer:threads:read document, built at offset 0
    BreakpointTable breakpoints_;  // Z0/Z1 breakpoints gdb inserted, with their conditions
    ResumeController resume_;      // what happens between gdb's resume and its stop reply
    std::optional<std::string> architecture_;  // target.xml's <architecture>, read at offset 0
};

}  // namespace svm::gdb
