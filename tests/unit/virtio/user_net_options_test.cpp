// The `--net user,...` parser: QEMU's hostfwd syntax and mac=, and one clear line for each kind of
// mistake.
#include "devices/virtio/user_net_options.h"

#include <gtest/gtest.h>

#include <string>

namespace svm::virtio::test {
namespace {

SlirpForward forward(bool udp, std::string host_address, uint16_t host_port,
                     std::string guest_address, uint16_t guest_port) {
    SlirpForward f;
    f.udp = udp;
    f.host_address = std::move(host_address);
    f.host_port = host_port;
    f.guest_address = std::move(guest_address);
    f.guest_port = guest_port;
    return f;
}

TEST(UserNetOptions, PlainUser) {
    auto options = parse_user_net_option("user");
    ASSERT_TRUE(options) << options.error().message;
    EXPECT_TRUE(options->forwards.empty());
    EXPECT_FALSE(options->mac);
}

TEST(UserNetOptions, HostForwardsWithQemusDefaults) {
    auto options = parse_user_net_option(
        "user,hostfwd=tcp::8080-:80,hostfwd=tcp:127.0.0.1:8081-:81,"
        "hostfwd=udp::5353-10.0.2.15:53,hostfwd=:0.0.0.0:2222-10.0.2.16:22");
    ASSERT_TRUE(options) << options.error().message;
    ASSERT_EQ(options->forwards.size(), 4u);
    EXPECT_EQ(options->forwards[0], forward(false, "127.0.0.1", 8080, "", 80));
    EXPECT_EQ(options->forwards[1], forward(false, "127.0.0.1", 8081, "", 81));
    EXPECT_EQ(options->forwards[2], forward(true, "127.0.0.1", 5353, "10.0.2.15", 53));
    // An empty protocol is TCP (QEMU's slirp_hostfwd); 0.0.0.0 is every host interface.
    EXPECT_EQ(options->forwards[3], forward(false, "0.0.0.0", 2222, "10.0.2.16", 22));
}

TEST(UserNetOptions, Mac) {
    auto options = parse_user_net_option("user,mac=52:54:00:12:34:56,hostfwd=tcp::1-:65535");
    ASSERT_TRUE(options) << options.error().message;
    ASSERT_TRUE(options->mac);
    EXPECT_EQ(options->mac->bytes, (std::array<uint8_t, 6>{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}));
    ASSERT_EQ(options->forwards.size(), 1u);
    EXPECT_EQ(options->forwards[0].host_port, 1);
    EXPECT_EQ(options->forwards[0].guest_port, 65535);
}

// Each bad string fails with one line that quotes the bad part.
TEST(UserNetOptions, RejectsMistakesNamingThem) {
    struct Case {
        const char* text;
        const char* names;  // what the message must contain
    };
    const Case cases[] = {
        {"tap", "unknown network back-end 'tap'"},
        {"", "unknown network back-end ''"},
        {"users", "unknown network back-end 'users'"},
        {"user,", "'' is not KEY=VALUE"},
        {"user,hostfwd", "'hostfwd' is not KEY=VALUE"},
        {"user,smb=/tmp", "unknown option 'smb'"},
        {"user,hostfwd=sctp::8080-:80", "unknown protocol 'sctp'"},
        {"user,hostfwd=tcp::0-:80", "bad host port '0'"},
        {"user,hostfwd=tcp::65536-:80", "bad host port '65536'"},
        {"user,hostfwd=tcp::-:80", "bad host port ''"},
        {"user,hostfwd=tcp::8080x-:80", "bad host port '8080x'"},
        {"user,hostfwd=tcp::+80-:80", "bad host port '+80'"},
        {"user,hostfwd=tcp::8080-:0", "bad guest port '0'"},
        {"user,hostfwd=tcp::8080-:99999", "bad guest port '99999'"},
        {"user,hostfwd=tcp::8080:80", "missing '-'"},
        {"user,hostfwd=tcp:8080-:80", "the host side 'tcp:8080'"},
        {"user,hostfwd=8080-80", "the host side '8080'"},
        {"user,hostfwd=tcp::8080-80", "the guest side '80'"},
        {"user,hostfwd=tcp:localhost:8080-:80", "bad host address 'localhost'"},
        {"user,hostfwd=tcp:127.0.0.256:8080-:80", "bad host address '127.0.0.256'"},
        {"user,hostfwd=tcp::8080-192.168.1.5:80", "bad guest address '192.168.1.5'"},
        {"user,hostfwd=tcp::8080-10.0.2.2:80", "bad guest address '10.0.2.2'"},
        {"user,hostfwd=tcp::8080-10.0.2.3:80", "bad guest address '10.0.2.3'"},
        {"user,hostfwd=tcp::8080-10.0.2.255:80", "bad guest address '10.0.2.255'"},
        {"user,hostfwd=tcp::8080-10.0.2:80", "bad guest address '10.0.2'"},
        {"user,mac=52:54:00:12:34", "mac=52:54:00:12:34"},
        {"user,mac=01:00:5e:00:00:01", "multicast"},
        {"user,mac=52:54:00:12:34:56,mac=52:54:00:12:34:57", "mac= is given twice"},
    };
    for (const Case& c : cases) {
        auto options = parse_user_net_option(c.text);
        ASSERT_FALSE(options) << "'" << c.text << "' was accepted";
        const std::string& message = options.error().message;
        EXPECT_NE(message.find(c.names), std::string::npos)
            << "'" << c.text << "' gave: " << message;
        EXPECT_EQ(message.find('\n'), std::string::npos) << message;
    }
}

TEST(UserNetOptions, HostfwdAlone) {
    auto f = parse_hostfwd("udp:127.0.0.2:53-10.0.2.20:5353");
    ASSERT_TRUE(f) << f.error().message;
    EXPECT_EQ(*f, forward(true, "127.0.0.2", 53, "10.0.2.20", 5353));
    auto bad = parse_hostfwd("tcp::8080-:80-:81");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("bad guest"), std::string::npos) << bad.error().message;
}

}  // namespace
}  // namespace svm::virtio::test
