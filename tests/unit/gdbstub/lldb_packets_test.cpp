// LLDB's packets on raw bytes: qHostInfo, qProcessInfo, qMemoryRegionInfo, binary 'x' reads and
// the reply to 'k' (lldb/docs/resources/lldbgdbremote.md).
#include <gtest/gtest.h>

#include "gdbstub/protocol/hex.h"
#include "gdbstub/protocol/lldb_queries.h"
#include "session_harness.h"

namespace svm::gdb::testing {
namespace {

using protocol::encode_hex;

const std::string kTripleHex = encode_hex(std::string_view("x86_64-unknown-unknown"));

TEST(LldbPackets, HostInfoDescribesTheGuestMachine) {
    Harness h;
    EXPECT_EQ(h.send("qHostInfo"), "triple:" + kTripleHex +
                                       ";endian:little;ptrsize:8;"
                                       "watchpoint_exceptions_received:after;");
}

TEST(LldbPackets, ProcessInfoIsPidOne) {
    Harness h;
    EXPECT_EQ(h.send("qProcessInfo"),
              "pid:1;parent-pid:1;triple:" + kTripleHex + ";endian:little;ptrsize:8;");
}

TEST(LldbPackets, MemoryRegionFormats) {
    MemoryRegion mapped;
    mapped.start = 0x1000;
    mapped.size = 0x2000;
    mapped.mapped = mapped.readable = mapped.executable = true;
    mapped.name = "ram";
    EXPECT_EQ(
        protocol::format_memory_region(mapped),
        "start:1000;size:2000;permissions:rx;name:" + encode_hex(std::string_view("ram")) + ";");
    // LLDB reads a region without permissions as unmapped.
    MemoryRegion gap;
    gap.size = 0x1000;
    EXPECT_EQ(protocol::format_memory_region(gap), "start:0;size:1000;");
    MemoryRegion no_access;
    no_access.start = 0x5000;
    no_access.size = 0x1000;
    no_access.mapped = true;
    EXPECT_EQ(protocol::format_memory_region(no_access), "start:5000;size:1000;permissions:;");
}

TEST(LldbPackets, MemoryRegionInfoAsksTheTarget) {
    Harness h;
    EXPECT_EQ(h.send("qMemoryRegionInfo:1234"), "start:1000;size:1000;permissions:rwx;name:" +
                                                    encode_hex(std::string_view("ram")) + ";");
    EXPECT_EQ(h.send("qMemoryRegionInfo:0"), "start:0;size:1000;");
    EXPECT_EQ(h.send("qMemoryRegionInfo:ffffffffffffffff"), "start:2000;size:ffffffffffffe000;");
    EXPECT_EQ(h.send("qMemoryRegionInfo:zz"), "E16");
    EXPECT_EQ(h.send("qMemoryRegionInfo:"), "E16");
    // A target error is LLDB's "error:" key with the hex-encoded message.
    h.target.regs.erase(1);
    EXPECT_EQ(h.send("qMemoryRegionInfo:1000"),
              "error:" + encode_hex(std::string_view("no such thread")) + ";");
}

TEST(LldbPackets, MemoryRegionInfoUnsupportedIsEmpty) {
    Harness h;
    h.target.memory_regions = false;
    EXPECT_EQ(h.send("qMemoryRegionInfo:1000"), "");
}

TEST(LldbPackets, BinaryReadIsRawEscapedBytes) {
    Harness h;
    EXPECT_EQ(h.send("x0,0"), "OK");  // LLDB's probe
    EXPECT_EQ(h.send("x1000,4"), std::string("\xef\xbe\xad\xde", 4));
    // Each of the four bytes that must be escaped goes out as '}' + (byte ^ 0x20).
    const uint8_t special[] = {'#', '$', '}', '*', 0x00, 0x7d ^ 0x20};
    std::copy(std::begin(special), std::end(special), h.target.memory.begin() + 0x10);
    std::string wire = h.session.on_bytes(protocol::frame_packet("x1010,6"));
    EXPECT_NE(wire.find(std::string("$}\x03}\x04}]}\x0a\x00]#", 12)), std::string::npos) << wire;
    // The decoder undoes the escapes.
    EXPECT_EQ(packets_in(wire), std::vector<std::string>{std::string(
                                    reinterpret_cast<const char*>(special), sizeof special)});
}

TEST(LldbPackets, BinaryReadPartialAndErrors) {
    Harness h;
    // Only the last two bytes are readable: the reply is shorter, as for 'm'.
    EXPECT_EQ(h.send("x1ffe,8").size(), 2u);
    EXPECT_EQ(h.send("x3000,4"), "E0e");
    EXPECT_EQ(h.send("x1000"), "E16");
    EXPECT_EQ(h.send("x1000,zz"), "E16");
    // A request longer than half of PacketSize gets that many bytes: escaping cannot push the
    // reply past PacketSize.
    FakeTarget target;
    SessionOptions options;
    options.packet_size = 0x101;
    Session small(target, options);
    auto replies = packets_in(small.on_bytes(protocol::frame_packet("x1000,1000")));
    ASSERT_EQ(replies.size(), 1u);
    EXPECT_EQ(replies[0].size(), 0x80u);
}

TEST(LldbPackets, KillRepliesWithTheExitAndEnds) {
    Harness h;
    EXPECT_EQ(h.send("k"), "X09");
    EXPECT_EQ(h.target.kill_calls, 1);
    EXPECT_TRUE(h.session.closed());

    Harness m;
    m.send("qSupported:multiprocess+");
    EXPECT_EQ(m.send("k"), "X09;process:1");
}

}  // namespace
}  // namespace svm::gdb::testing
