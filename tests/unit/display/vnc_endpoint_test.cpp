// --vnc and --vnc-web argument parsing.
#include "core/display/vnc_endpoint.h"

#include <gtest/gtest.h>

namespace svm {
namespace {

TEST(VncEndpoint, DisplayOnlyIsLoopbackPort5900PlusDisplay) {
    auto e = parse_vnc_endpoint(":0");
    ASSERT_TRUE(e) << e.error().message;
    EXPECT_EQ(e->kind, VncEndpoint::Kind::Tcp);
    EXPECT_EQ(e->host, "127.0.0.1");
    EXPECT_EQ(e->port, 5900);
    EXPECT_EQ(parse_vnc_endpoint(":1")->port, 5901);
    EXPECT_EQ(parse_vnc_endpoint(":59635")->port, 65535);
    EXPECT_EQ(e->to_string(), "127.0.0.1:5900");
}

TEST(VncEndpoint, Hosts) {
    EXPECT_EQ(parse_vnc_endpoint("localhost:2")->host, "127.0.0.1");
    auto any = parse_vnc_endpoint("0.0.0.0:3");
    ASSERT_TRUE(any);
    EXPECT_EQ(any->host, "0.0.0.0");
    EXPECT_EQ(any->port, 5903);
    auto v6 = parse_vnc_endpoint("[::1]:0");
    ASSERT_TRUE(v6) << v6.error().message;
    EXPECT_EQ(v6->host, "::1");
    EXPECT_TRUE(v6->ipv6());
    EXPECT_EQ(v6->to_string(), "[::1]:5900");
}

TEST(VncEndpoint, UnixSocket) {
    auto e = parse_vnc_endpoint("unix:/tmp/svm.vnc");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, VncEndpoint::Kind::Unix);
    EXPECT_EQ(e->path, "/tmp/svm.vnc");
    EXPECT_EQ(e->to_string(), "unix:/tmp/svm.vnc");
    EXPECT_FALSE(parse_vnc_endpoint("unix:"));
}

TEST(VncEndpoint, BadInputIsOneLineError) {
    for (const char* bad : {"0", "", ":", ":x", ":-1", ":59636", ":1x", "host.example:0", "::1:0",
                            "[::1", "[zz]:0", "1.2.3:0", ":99999999999"}) {
        auto e = parse_vnc_endpoint(bad);
        EXPECT_FALSE(e) << bad;
        if (!e) {
            EXPECT_EQ(e.error().message.find('\n'), std::string::npos) << bad;
            EXPECT_NE(e.error().message.find("--vnc"), std::string::npos) << bad;
        }
    }
}

TEST(VncEndpoint, WebPort) {
    EXPECT_EQ(parse_vnc_web_port("5800"), 5800);
    EXPECT_EQ(parse_vnc_web_port("65535"), 65535);
    EXPECT_FALSE(parse_vnc_web_port("0"));
    EXPECT_FALSE(parse_vnc_web_port("65536"));
    EXPECT_FALSE(parse_vnc_web_port("http"));
    EXPECT_FALSE(parse_vnc_web_port(""));
}

}  // namespace
}  // namespace svm
