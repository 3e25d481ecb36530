// The session against a fake target, packet by packet (GDB manual E.2-E.4).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "gdbstub/protocol/hex.h"
#include "session_harness.h"

namespace svm::gdb::testing {
namespace {

using protocol::encode_hex;

// Issue 8, item 7: bytes that are not a gdb packet (a port scanner, `nc -z`, a stale-socket
// probe, line noise) attach nothing; only the first packet with a valid checksum does.
TEST(Session, NothingAttachesBeforeTheHandshake) {
    Harness h;
    EXPECT_EQ(h.session.on_bytes("+"), "");
    EXPECT_EQ(h.session.on_bytes("-"), "");
    EXPECT_EQ(h.session.on_bytes("\x03"), "");
    EXPECT_EQ(h.session.on_bytes("GET / HTTP/1.0\r\n\r\n"), "");
    EXPECT_EQ(h.session.on_bytes("$qSupported#00"), "-");
    std::string huge = "$" + std::string(3 * kPacketSize, 'x') + "#00";
    EXPECT_EQ(packets_in(h.session.on_bytes(huge)), std::vector<std::string>{"E07"});
    EXPECT_FALSE(h.session.attached());
    EXPECT_EQ(h.target.attach_calls, 0);
    EXPECT_EQ(h.target.interrupt_calls, 0);
    h.session.on_disconnect();
    EXPECT_EQ(h.target.detach_calls, 0);
    EXPECT_EQ(h.send("QStartNoAckMode"), "OK");  // LLDB's first packet
    EXPECT_TRUE(h.session.attached());
    EXPECT_EQ(h.target.attach_calls, 1);
}

TEST(Session, RefusedHandshakeAttachesNothing) {
    FakeTarget target;
    int asked = 0;
    Session session(target, {}, [&] {
        ++asked;
        return false;
    });
    std::string out = session.on_bytes(protocol::frame_packet("qSupported") + "$qC#b4");
    EXPECT_EQ(out,
              "+" + protocol::frame_packet("E.another debugger is already attached to this svm"));
    EXPECT_EQ(asked, 1);
    EXPECT_TRUE(session.closed());
    EXPECT_FALSE(session.attached());
    session.on_disconnect();
    EXPECT_EQ(target.attach_calls, 0);
    EXPECT_EQ(target.detach_calls, 0);
}

// Issue 8, item 4: the transport bounds its output queue by passing the room left; the session
// stops consuming once it has produced that much, and goes on where it stopped.
TEST(Session, StopsConsumingWhenTheOutputBudgetIsSpent) {
    Harness h;
    const std::string wire = protocol::frame_packet("m1000,1000") + std::string(100, '-');
    std::string out;
    size_t used = h.session.on_bytes(wire, out, 20000);
    const size_t reply = packets_in(out)[0].size() + 4;  // one framed 8 KiB reply
    EXPECT_EQ(reply, 8196u);
    EXPECT_EQ(used, protocol::frame_packet("m1000,1000").size() + 2);  // the request, 2 resends
    EXPECT_EQ(out.size(), 1 + 3 * reply);
    out.clear();
    used += h.session.on_bytes(std::string_view(wire).substr(used), out, SIZE_MAX);
    EXPECT_EQ(used, wire.size());
    EXPECT_EQ(out.size(), 98 * reply);
}

TEST(Session, AttachesAtTheHandshakeAndAcksPackets) {
    Harness h;
    std::string out = h.session.on_bytes(protocol::frame_packet("?"));
    EXPECT_EQ(h.target.attach_calls, 1);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out[0], '+');
    EXPECT_EQ(packets_in(out), std::vector<std::string>{"T05thread:1;"});
}

TEST(Session, QSupportedListsFeatures) {
    Harness h;
    std::string reply = h.send("qSupported:multiprocess+;swbreak+;hwbreak+;xmlRegisters=i386");
    EXPECT_EQ(reply,
              "PacketSize=20000;QStartNoAckMode+;qXfer:features:read+;qXfer:threads:read+;"
              "qXfer:siginfo:read+;swbreak+;hwbreak+;vContSupported+;ConditionalBreakpoints+;"
              "multiprocess+");
    EXPECT_TRUE(h.session.multiprocess());
    h.target.exec_path = "/boot/kernel.elf";
    EXPECT_NE(h.send("qSupported").find("qXfer:exec-file:read+;"), std::string::npos);
    EXPECT_FALSE(h.session.multiprocess());
}

TEST(Session, StopReplyUsesMultiprocessThreadIds) {
    Harness h;
    h.send("qSupported:multiprocess+");
    EXPECT_EQ(h.send("?"), "T05thread:p1.1;");
    EXPECT_EQ(h.send("qC"), "QCp1.1");
    EXPECT_EQ(h.send("qfThreadInfo"), "mp1.1,p1.2");
    EXPECT_EQ(h.send("qsThreadInfo"), "l");
    EXPECT_EQ(h.send("qAttached:1"), "1");
}

TEST(Session, ReadsRegisterBlock) {
    Harness h;
    std::string g = h.send("g");
    ASSERT_EQ(g.size(), 2 * x86_64::register_block_size());
    EXPECT_EQ(g.substr(0, 16), "1111000000000000");  // rax of thread 1, little-endian
    EXPECT_EQ(h.send("Hgp1.2"), "OK");
    EXPECT_EQ(h.send("g").substr(0, 16), "2222000000000000");
    EXPECT_EQ(h.send("Hg5"), "E03");
}

TEST(Session, WritesRegisterBlock) {
    Harness h;
    std::string g = h.send("g");
    g.replace(2 * x86_64::register_offset(x86_64::Rcx), 16, "efcdab8967452301");
    EXPECT_EQ(h.send("G" + g), "OK");
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rcx), 0x0123456789abcdefu);
    EXPECT_EQ(h.send("G" + g.substr(2)), "E16");  // one byte short
    EXPECT_EQ(h.send("G" + g.substr(0, g.size() - 1) + "z"), "E16");
}

TEST(Session, ReadsAndWritesSingleRegisters) {
    Harness h;
    EXPECT_EQ(h.send("p10"), "0010000000000000");  // rip
    EXPECT_EQ(h.send(fmt::format("p{:x}", int(x86_64::Cr3))), "0050000000000000");
    EXPECT_EQ(h.send(fmt::format("p{:x}", int(x86_64::Cs))), "08000000");
    EXPECT_EQ(h.send("P10=0020000000000000"), "OK");
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rip), 0x2000u);
    EXPECT_EQ(h.send("P10=0020"), "E16");  // wrong width
    EXPECT_EQ(h.send("p999"), "E16");
    EXPECT_EQ(h.send("pzz"), "E16");
    EXPECT_EQ(h.send("P10"), "E16");
}

TEST(Session, MemoryRoundTrips) {
    Harness h;
    EXPECT_EQ(h.send("m1000,8"), "efbeadde78563412");
    EXPECT_EQ(h.send("M1100,4:01020304"), "OK");
    EXPECT_EQ(h.send("m1100,4"), "01020304");
    // X carries binary; '#', '$', '}' and '*' travel escaped.
    std::string data = "a#$}*\x03z";
    EXPECT_EQ(h.send("X1200,7:" + data), "OK");
    EXPECT_EQ(h.send("m1200,7"), encode_hex(data));
    EXPECT_EQ(h.send("X1200,0:"), "OK");
    // Partial reads return what is readable; nothing readable is an error.
    EXPECT_EQ(h.send("m1ffe,4"), "0000");
    EXPECT_EQ(h.send("m5000,4"), "E0e");
}

TEST(Session, MalformedMemoryPacketsGetErrors) {
    Harness h;
    EXPECT_EQ(h.send("m1000"), "E16");
    EXPECT_EQ(h.send("m,4"), "E16");
    EXPECT_EQ(h.send("mxyz,4"), "E16");
    EXPECT_EQ(h.send("m1000,ffffffffffffffff"), "E16");  // larger than PacketSize
    EXPECT_EQ(h.send("m1000,10001"), "E16");
    EXPECT_EQ(h.send("M1000,4:0102"), "E16");  // length mismatch
    EXPECT_EQ(h.send("M1000,2:0g02"), "E16");  // bad hex
    EXPECT_EQ(h.send("M1000,ffffffff:00"), "E16");
    EXPECT_EQ(h.send("X1000,5:ab"), "E16");
    EXPECT_EQ(h.send("M1000,4"), "E16");
    EXPECT_EQ(h.send("m10000000000000000,1"), "E16");  // 17 digits
    EXPECT_EQ(h.target.memory[0], 0xef);
}

TEST(Session, BreakpointsReachTarget) {
    Harness h;
    EXPECT_EQ(h.send("Z0,1004,1"), "OK");
    EXPECT_EQ(h.send("Z1,1008,1"), "OK");
    EXPECT_EQ(h.send("Z2,1100,4"), "OK");
    EXPECT_EQ(h.send("Z3,1100,4"), "");  // read watchpoints: not supported by this target
    ASSERT_EQ(h.target.breakpoints.size(), 3u);
    EXPECT_EQ(h.target.breakpoints[0].type, BreakpointType::Software);
    EXPECT_EQ(h.target.breakpoints[0].addr, 0x1004u);
    EXPECT_EQ(h.target.breakpoints[2].type, BreakpointType::Write);
    EXPECT_EQ(h.target.breakpoints[2].kind, 4u);
    EXPECT_EQ(h.send("z0,1004,1"), "OK");
    EXPECT_EQ(h.send("z0,1004,1"), "E02");  // the target's error code
    EXPECT_EQ(h.target.breakpoints.size(), 2u);
    // A condition is validated before the breakpoint goes in: `ab` is not a complete expression.
    EXPECT_EQ(h.send("Z0,2000,1;X2,ab").substr(0, 2), "E.");
    EXPECT_EQ(h.send("Z0,2000,1;X3,220127"), "OK");  // const8 1; end
    EXPECT_EQ(h.send("Z9,1000,1"), "E16");
    EXPECT_EQ(h.send("Z0,1000"), "E16");
}

TEST(Session, VContParsesPerThreadActions) {
    Harness h;
    EXPECT_EQ(h.send("vCont?"), "vCont;c;C;s;S;t;r");
    EXPECT_EQ(h.send("vCont;s:p1.1;c"), "<none>");
    EXPECT_TRUE(h.session.running());
    ASSERT_EQ(h.target.last_resume.size(), 2u);
    EXPECT_EQ(h.target.last_resume[0].kind, ResumeAction::Kind::Step);
    EXPECT_EQ(h.target.last_resume[0].thread, 1);
    EXPECT_EQ(h.target.last_resume[1].kind, ResumeAction::Kind::Continue);
    EXPECT_EQ(h.target.last_resume[1].thread, -1);
}

TEST(Session, WhileRunningOnlyInterruptIsHandled) {
    Harness h;
    h.send("c");
    EXPECT_TRUE(h.session.running());
    EXPECT_EQ(h.target.last_resume.size(), 1u);
    EXPECT_EQ(h.send("g"), "<none>");  // ignored: all-stop gdb does not send packets now
    EXPECT_EQ(h.session.on_bytes("\x03"), "");
    EXPECT_EQ(h.target.interrupt_calls, 1);
    StopReason stop;
    stop.signal = sig::kInt;
    stop.thread = 2;
    EXPECT_EQ(packets_in(h.session.on_stop(stop)), std::vector<std::string>{"T02thread:2;"});
    EXPECT_FALSE(h.session.running());
    EXPECT_EQ(h.send("qC"), "QC2");
    // A stop while gdb does not wait is kept for '?'.
    stop.signal = sig::kTrap;
    EXPECT_EQ(h.session.on_stop(stop), "");
    EXPECT_EQ(h.send("?"), "T05thread:2;");
}

TEST(Session, ContinueAndStepWithAddressAndSignal) {
    Harness h;
    h.send("s1234");
    EXPECT_EQ(h.target.regs[1].get(x86_64::Rip), 0x1234u);
    ASSERT_EQ(h.target.last_resume.size(), 1u);
    EXPECT_EQ(h.target.last_resume[0].kind, ResumeAction::Kind::Step);
    h.session.on_stop(StopReason{});
    h.send("Hc2");
    h.send("C0b;1500");
    EXPECT_EQ(h.target.regs[2].get(x86_64::Rip), 0x1500u);
    ASSERT_EQ(h.target.last_resume.size(), 2u);
    EXPECT_EQ(h.target.last_resume[0].signal, 11);
    EXPECT_EQ(h.target.last_resume[0].thread, 2);
    h.session.on_stop(StopReason{});
    EXPECT_EQ(h.send("Cxx"), "E16");
    h.target.fail_resume = true;
    EXPECT_EQ(h.send("c"), "E05");
    EXPECT_FALSE(h.session.running());
}

TEST(Session, StopReplyFormats) {
    Harness h;
    h.send("qSupported:multiprocess+");
    auto stop_reply = [&](StopReason stop) {
        h.send("c");
        auto replies = packets_in(h.session.on_stop(stop));
        return replies.size() == 1 ? replies[0] : "<bad>";
    };
    StopReason sw;
    sw.detail = StopReason::Detail::SwBreak;
    sw.expedite = {{x86_64::Rip, 0x1004}, {x86_64::Rsp, 0x1800}, {x86_64::Eflags, 0x202}};
    EXPECT_EQ(stop_reply(sw),
              "T0510:0410000000000000;07:0018000000000000;11:02020000;thread:p1.1;swbreak:;");
    StopReason watch;
    watch.thread = 2;
    watch.detail = StopReason::Detail::Watch;
    watch.watch_address = 0x1100;
    EXPECT_EQ(stop_reply(watch), "T05thread:p1.2;watch:1100;");
    watch.detail = StopReason::Detail::AWatch;
    EXPECT_EQ(stop_reply(watch), "T05thread:p1.2;awatch:1100;");
    watch.detail = StopReason::Detail::HwBreak;
    EXPECT_EQ(stop_reply(watch), "T05thread:p1.2;hwbreak:;");
    StopReason exited;
    exited.kind = StopReason::Kind::Exited;
    exited.exit_code = 3;
    EXPECT_EQ(stop_reply(exited), "W03;process:1");
}

TEST(Session, ThreadQueries) {
    Harness h;
    EXPECT_EQ(h.send("T1"), "OK");
    EXPECT_EQ(h.send("Tp1.2"), "OK");
    EXPECT_EQ(h.send("T3"), "E03");
    EXPECT_EQ(h.send("Tp2.1"), "E16");  // only process 1 exists
    EXPECT_EQ(h.send("qThreadExtraInfo,2"), encode_hex("vCPU 1, long mode, CPL 0 <stopped>"));
    EXPECT_EQ(h.send("qThreadExtraInfo,zz"), "E16");
    EXPECT_EQ(h.send("qXfer:threads:read::0,1000"),
              "l<?xml version=\"1.0\"?>\n<threads>\n"
              "<thread id=\"1\" name=\"vCPU 0\">vCPU 0, long mode, CPL 0 &lt;stopped&gt;</thread>\n"
              "<thread id=\"2\" name=\"vCPU 1\">vCPU 1, long mode, CPL 0 &lt;stopped&gt;</thread>\n"
              "</threads>\n");
}

TEST(Session, QXferPagesTargetXml) {
    Harness h;
    std::string_view xml = x86_64::target_xml();
    std::string first = h.send("qXfer:features:read:target.xml:0,40");
    EXPECT_EQ(first, "m" + std::string(xml.substr(0, 0x40)));
    std::string all;
    for (size_t offset = 0;;) {
        std::string part = h.send(fmt::format("qXfer:features:read:target.xml:{:x},100", offset));
        ASSERT_FALSE(part.empty());
        all += part.substr(1);
        offset += part.size() - 1;
        if (part[0] == 'l') break;
        ASSERT_EQ(part[0], 'm');
    }
    EXPECT_EQ(all, xml);
    EXPECT_EQ(h.send(fmt::format("qXfer:features:read:target.xml:{:x},100", xml.size())), "l");
    EXPECT_EQ(h.send("qXfer:features:read:other.xml:0,100"), "E00");
    EXPECT_EQ(h.send("qXfer:features:read:target.xml:zz,100"), "E00");
    EXPECT_EQ(h.send("qXfer:exec-file:read::0,100"), "");
    h.target.exec_path = "/k.elf";
    EXPECT_EQ(h.send("qXfer:exec-file:read:1:0,100"), "l/k.elf");
    EXPECT_EQ(h.send("qXfer:exec-file:read::2,2"), "m.e");
}

TEST(Session, MonitorCommands) {
    Harness h;
    EXPECT_EQ(h.send("qRcmd," + encode_hex("hello")), encode_hex("hello from svm\n"));
    EXPECT_EQ(h.send("qRcmd," + encode_hex("quiet")), "OK");
    // Unknown: a line of help and no error, so a gdb script goes on.
    EXPECT_EQ(h.send("qRcmd," + encode_hex("frob")),
              encode_hex("unknown monitor command 'frob'; 'monitor help' lists them\n"));
    EXPECT_EQ(h.send("qRcmd,4"), "E16");
    // Output longer than a packet goes out as O packets, then OK.
    auto replies = h.send_all("qRcmd," + encode_hex("big"));
    ASSERT_GE(replies.size(), 3u);
    EXPECT_EQ(replies.back(), "OK");
    size_t total = 0;
    for (size_t i = 0; i + 1 < replies.size(); ++i) {
        ASSERT_EQ(replies[i][0], 'O');
        total += replies[i].size() - 1;
        EXPECT_LE(replies[i].size(), kPacketSize);
    }
    EXPECT_EQ(total, 400000u);
}

TEST(Session, DetachKillAndUnknownPackets) {
    Harness h;
    EXPECT_EQ(h.send("qOffsets"), "");
    EXPECT_EQ(h.send("vMustReplyEmpty"), "");
    EXPECT_EQ(h.send("!"), "");
    EXPECT_EQ(h.send(""), "");
    EXPECT_EQ(h.send("D;1"), "OK");
    EXPECT_TRUE(h.session.closed());
    EXPECT_EQ(h.target.detach_calls, 1);
    h.session.on_disconnect();
    EXPECT_EQ(h.target.detach_calls, 1);

    Harness k;
    EXPECT_EQ(k.send("vKill;1"), "OK");
    EXPECT_EQ(k.target.kill_calls, 1);
    Harness k2;
    // LLDB waits for the exit of the process after 'k' (see lldb_packets_test.cpp).
    EXPECT_EQ(k2.send("k"), "X09");
    EXPECT_EQ(k2.target.kill_calls, 1);
    EXPECT_TRUE(k2.session.closed());
}

TEST(Session, DisconnectDetachesOnce) {
    Harness h;
    h.send("c");
    h.session.on_disconnect();
    h.session.on_disconnect();
    EXPECT_EQ(h.target.detach_calls, 1);
    EXPECT_EQ(h.session.on_bytes(protocol::frame_packet("g")), "");
}

TEST(Session, NoAckModeAndNak) {
    Harness h;
    std::string out = h.session.on_bytes(protocol::frame_packet("qC"));
    EXPECT_EQ(out, "+" + protocol::frame_packet("QC1"));
    EXPECT_EQ(h.session.on_bytes("-"), protocol::frame_packet("QC1"));  // resent
    out = h.session.on_bytes(protocol::frame_packet("QStartNoAckMode"));
    EXPECT_EQ(out, "+" + protocol::frame_packet("OK"));
    EXPECT_TRUE(h.session.no_ack_mode());
    out = h.session.on_bytes("+" + protocol::frame_packet("qC"));
    EXPECT_EQ(out, protocol::frame_packet("QC1"));
    EXPECT_EQ(h.session.on_bytes("-"), "");
}

TEST(Session, BadChecksumIsNakedAndDiscarded) {
    Harness h;
    EXPECT_EQ(h.session.on_bytes("$g#00"), "-");
    EXPECT_EQ(h.session.on_bytes("$qC#b4"), "+" + protocol::frame_packet("QC1"));
}

TEST(Session, OverlongPacketIsRejectedWithoutDesync) {
    Harness h;
    // Longer than PacketSize once decoded, with a valid checksum...
    std::string huge = protocol::frame_packet("M1000,1:" + std::string(kPacketSize + 10, '0'));
    std::string out = h.session.on_bytes(huge + protocol::frame_packet("qC"));
    EXPECT_EQ(packets_in(out), (std::vector<std::string>{"E07", "QC1"}));
    // ... and far longer than that on the wire, with a bad checksum: never buffered whole.
    std::string wire = "$" + std::string(3 * kPacketSize, 'x') + "#00";
    out = h.session.on_bytes(wire.substr(0, 1000));
    out += h.session.on_bytes(wire.substr(1000) + protocol::frame_packet("qC"));
    EXPECT_EQ(packets_in(out), (std::vector<std::string>{"E07", "QC1"}));
}

TEST(Session, TracesEveryPacket) {
    FakeTarget target;
    std::vector<std::string> trace;
    SessionOptions options;
    options.trace = [&](char dir, std::string_view payload) {
        trace.push_back(std::string(1, dir) + std::string(payload));
    };
    Session session(target, options);
    session.on_bytes(protocol::frame_packet("qC"));
    EXPECT_EQ(trace, (std::vector<std::string>{"<qC", ">QC1"}));
}

TEST(Session, RunLengthEncodedReplies) {
    FakeTarget target;
    SessionOptions options;
    options.rle_replies = true;
    Session session(target, options);
    std::string out = session.on_bytes(protocol::frame_packet("m1010,10"));
    EXPECT_NE(out.find("0*"), std::string::npos);
    EXPECT_EQ(packets_in(out), std::vector<std::string>{std::string(32, '0')});
}

}  // namespace
}  // namespace svm::gdb::testing
