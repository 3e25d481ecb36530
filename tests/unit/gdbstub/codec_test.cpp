// The packet codec on raw bytes (GDB manual E.1, E.11, E.12).
#include <gtest/gtest.h>

#include "gdbstub/limits.h"
#include "gdbstub/protocol/packet_decoder.h"
#include "gdbstub/protocol/packet_encoder.h"

namespace svm::gdb::protocol {
namespace {

using Kind = DecoderEvent::Kind;

std::vector<DecoderEvent> feed(PacketDecoder& d, std::string_view bytes) {
    std::vector<DecoderEvent> out;
    d.feed(bytes, out);
    return out;
}

TEST(Codec, FramesWithChecksum) {
    EXPECT_EQ(frame_packet("OK"), "$OK#9a");
    EXPECT_EQ(frame_packet(""), "$#00");
    EXPECT_EQ(frame_packet("qC"), "$qC#b4");
}

TEST(Codec, DecodesPacketsAcksAndInterrupts) {
    PacketDecoder d(100);
    auto events = feed(d, "+$qC#b4-\x03junk$OK#9a");
    ASSERT_EQ(events.size(), 5u);
    EXPECT_EQ(events[0].kind, Kind::Ack);
    EXPECT_EQ(events[1].kind, Kind::Packet);
    EXPECT_EQ(events[1].payload, "qC");
    EXPECT_EQ(events[2].kind, Kind::Nak);
    EXPECT_EQ(events[3].kind, Kind::Interrupt);
    EXPECT_EQ(events[4].payload, "OK");
}

TEST(Codec, PacketSplitAcrossCalls) {
    PacketDecoder d(100);
    std::string wire = frame_packet("m1000,4");
    std::vector<DecoderEvent> all;
    for (char c : wire) d.feed(std::string_view(&c, 1), all);
    ASSERT_EQ(all.size(), 1u);
    EXPECT_EQ(all[0].payload, "m1000,4");
    EXPECT_FALSE(d.in_packet());
    feed(d, "$m10");
    EXPECT_TRUE(d.in_packet());
}

TEST(Codec, BadChecksumAndNoAckMode) {
    PacketDecoder d(100);
    auto events = feed(d, "$qC#b5$qC#zz");
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, Kind::BadChecksum);
    EXPECT_EQ(events[1].kind, Kind::BadChecksum);
    d.set_no_ack(true);
    events = feed(d, "$qC#b5");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].kind, Kind::Packet);  // as gdbserver: accepted in no-ack mode
}

TEST(Codec, EscapesBothWays) {
    std::string binary = std::string("a#b$c}d*e\x03", 10);
    std::string wire = frame_packet(binary);
    EXPECT_EQ(wire.substr(0, 14),
              "$a}\x03"
              "b}\x04"
              "c}]d}\ne");
    PacketDecoder d(100);
    auto events = feed(d, wire);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].payload, binary);
}

TEST(Codec, RunLengthDecoding) {
    bool ok = false;
    // GDB manual E.1: "0* " means "0000".
    EXPECT_EQ(decode_payload("0* ", 100, ok), "0000");
    EXPECT_TRUE(ok);
    EXPECT_EQ(decode_payload("ab*\"c", 100, ok), "abbbbbbc");  // '"' = 34: five more
    // A repeated escape repeats the raw character, as gdb's reader does.
    EXPECT_EQ(decode_payload("}]", 100, ok), "}");
    decode_payload("*  ", 100, ok);
    EXPECT_FALSE(ok);  // nothing to repeat
    decode_payload("a*", 100, ok);
    EXPECT_FALSE(ok);
    decode_payload("a}", 100, ok);
    EXPECT_FALSE(ok);
    decode_payload("a*~*~*~", 100, ok);  // 1 + 3 * 97 > 100
    EXPECT_FALSE(ok);
}

TEST(Codec, RunLengthEncodingRoundTrips) {
    EXPECT_EQ(run_length_encode("0000"), "0* ");
    EXPECT_EQ(run_length_encode("000"), "000");
    // Counts that would be '#' (6 more) or '$' (7 more) are avoided.
    std::string seven(7, 'x');
    std::string eight(8, 'x');
    EXPECT_EQ(run_length_encode(seven).find('#'), std::string::npos);
    EXPECT_EQ(run_length_encode(eight).find('$'), std::string::npos);
    for (size_t n : {1, 4, 7, 8, 9, 97, 98, 99, 300}) {
        std::string text = "a" + std::string(n, '0') + "b";
        bool ok = false;
        EXPECT_EQ(decode_payload(run_length_encode(escape_binary(text)), 1000, ok), text) << n;
        EXPECT_TRUE(ok);
    }
    PacketDecoder d(1000);
    auto events = feed(d, frame_packet(std::string(300, 'f'), true));
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].payload, std::string(300, 'f'));
}

TEST(Codec, OverlongPacketsKeepTheStreamInSync) {
    PacketDecoder d(16);
    auto events = feed(d, frame_packet(std::string(17, 'a')) + frame_packet("qC"));
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, Kind::Overlong);
    EXPECT_EQ(events[1].payload, "qC");
    // Way past the limit on the wire (more than the limit + kPacketFrameSlack raw bytes are
    // never buffered), even split across calls.
    events = feed(d, "$" + std::string(kPacketFrameSlack, 'z'));
    EXPECT_TRUE(events.empty());
    events = feed(d, std::string(500, 'z') + "#00$qC#b4");
    ASSERT_EQ(events.size(), 2u);
    EXPECT_EQ(events[0].kind, Kind::Overlong);
    EXPECT_EQ(events[1].payload, "qC");
    // Run-length expansion past the limit is overlong too.
    events = feed(d, frame_packet("a").replace(2, 0, "*~"));
    ASSERT_EQ(events.size(), 1u);
}

TEST(Codec, FeedCanStopAfterEachEvent) {
    PacketDecoder d(100);
    std::vector<DecoderEvent> events;
    const std::string wire = "+-$qC#b4$g#67";
    EXPECT_EQ(d.feed(wire, events, 1), 1u);                              // '+'
    EXPECT_EQ(d.feed(std::string_view(wire).substr(1), events, 2), 7u);  // '-', then qC
    ASSERT_EQ(events.size(), 3u);
    EXPECT_EQ(events[2].payload, "qC");
    EXPECT_EQ(d.feed(std::string_view(wire).substr(8), events, 5), 5u);  // all of what is left
    ASSERT_EQ(events.size(), 4u);
    EXPECT_EQ(events[3].payload, "g");
}

TEST(Codec, DollarRestartsACutPacket) {
    PacketDecoder d(100);
    auto events = feed(d, "$m10$qC#b4");
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].payload, "qC");
}

}  // namespace
}  // namespace svm::gdb::protocol
