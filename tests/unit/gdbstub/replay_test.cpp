// Replays the packets a real gdb 13.1 sent (data/gdb13_session.txt, recorded by
// GdbTranscript.Record) through a Session and the fake target.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "session_harness.h"

namespace svm::gdb::testing {
namespace {

// CMake compiles sources by absolute path, so the data lives next to __FILE__.
const std::string kData = std::filesystem::path(__FILE__).parent_path() / "data";

std::vector<std::string> load(const std::string& name) {
    std::ifstream in(kData + "/" + name);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty() && line[0] != '#') lines.push_back(line);
    }
    return lines;
}

TEST(Replay, Gdb13Conversation) {
    auto packets = load("gdb13_session.txt");
    ASSERT_GT(packets.size(), 30u);
    Harness h;
    std::string xml;
    int stops = 0;
    for (const std::string& packet : packets) {
        SCOPED_TRACE(packet);
        std::string out = h.session.on_bytes(protocol::frame_packet(packet));
        // Acks until QStartNoAckMode's OK, none after.
        EXPECT_EQ(!out.empty() && out[0] == '+',
                  !h.session.no_ack_mode() || packet == "QStartNoAckMode");
        auto replies = packets_in(out);
        if (packet.starts_with("vCont;")) {
            EXPECT_TRUE(replies.empty());
            ASSERT_TRUE(h.session.running());
            ASSERT_EQ(h.target.last_resume.size(), 2u);
            EXPECT_EQ(h.target.last_resume[0].kind, ResumeAction::Kind::Step);
            StopReason stop;
            stop.expedite = {{x86_64::Rip, 0x1002}};
            replies = packets_in(h.session.on_stop(stop));
            ++stops;
            ASSERT_EQ(replies.size(), 1u);
            EXPECT_EQ(replies[0], "T0510:0210000000000000;thread:p1.1;");
            continue;
        }
        ASSERT_EQ(replies.size(), 1u);
        const std::string& reply = replies[0];
        if (packet == "g") {
            EXPECT_EQ(reply.size(), 2 * x86_64::register_block_size());
        }
        if (packet.starts_with("qXfer:")) {
            ASSERT_FALSE(reply.empty());
            EXPECT_TRUE(reply[0] == 'l' || reply[0] == 'm');
        }
        if (packet.starts_with("qXfer:features")) xml += reply.substr(1);
        if (packet == "m1000,4") {
            EXPECT_EQ(reply, "efbeadde");
        }
        if (packet == "?") {
            EXPECT_EQ(reply, "T05thread:p1.1;");
        }
        if (packet.starts_with("H")) {
            EXPECT_EQ(reply, "OK");
        }
        if (packet == "vMustReplyEmpty" || packet == "qTStatus") {
            EXPECT_EQ(reply, "");
        }
        if (packet.starts_with("D")) {
            EXPECT_EQ(reply, "OK");
        }
    }
    EXPECT_EQ(stops, 1);
    EXPECT_EQ(xml, x86_64::target_xml());
    EXPECT_TRUE(h.session.multiprocess());
    EXPECT_TRUE(h.session.closed());
    EXPECT_EQ(h.target.attach_calls, 1);
    EXPECT_EQ(h.target.detach_calls, 1);
}

// Inputs that once crashed or hung the session (found by tests/fuzz); each must still be
// handled without a crash, and the session must answer a packet afterwards unless it ended.
TEST(Replay, FuzzerRegressions) {
    std::string dir = kData + "/regressions";
    std::vector<std::string> files;
    for (auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.is_regular_file() && entry.path().filename() != "README.md")
            files.push_back(entry.path());
    }
    for (const auto& path : files) {
        SCOPED_TRACE(path);
        std::ifstream in(path, std::ios::binary);
        std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        FakeTarget target;
        Session session(target);
        session.on_bytes(bytes);
        if (!session.closed() && !session.running()) {
            // Whatever the input left half-done, '$' starts a fresh packet.
            std::string out = session.on_bytes(protocol::frame_packet("qAttached"));
            auto replies = packets_in(out);
            ASSERT_FALSE(replies.empty());
            EXPECT_EQ(replies.back(), "1");
        }
    }
}

}  // namespace
}  // namespace svm::gdb::testing
