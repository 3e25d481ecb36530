// The Asio transport: endpoints, binding errors, one client at a time, malformed clients.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <future>
#include <thread>

#include "gdb_fixture.h"
#include "test_client.h"

namespace svm::gdb::testing {
namespace {

TEST(Endpoint, ParsesSpecs) {
    auto e = parse_endpoint("1234");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->to_string(), "127.0.0.1:1234");
    EXPECT_EQ(parse_endpoint(":1234")->to_string(), "127.0.0.1:1234");
    EXPECT_EQ(parse_endpoint("0.0.0.0:99")->to_string(), "0.0.0.0:99");
    EXPECT_EQ(parse_endpoint("localhost:1")->host, "localhost");
    EXPECT_EQ(parse_endpoint("[::1]:1234")->to_string(), "[::1]:1234");
    auto u = parse_endpoint("unix:/tmp/s");
    ASSERT_TRUE(u);
    EXPECT_EQ(u->kind, Endpoint::Kind::Unix);
    EXPECT_EQ(u->path, "/tmp/s");
    for (const char* bad : {"", ":", "host:", "1234x", "70000", "::1:1234", "[::1]1234", "unix:"}) {
        auto r = parse_endpoint(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_NE(r.error().message.find("invalid gdb address"), std::string::npos);
    }
}

TEST(Endpoint, SharedDirOptOut) {
    auto e = parse_endpoint("unix:/srv/team/svm.sock,shared-dir");
    ASSERT_TRUE(e);
    EXPECT_EQ(e->path, "/srv/team/svm.sock");
    EXPECT_TRUE(e->shared_dir);
    EXPECT_EQ(e->to_string(), "unix:/srv/team/svm.sock");
    EXPECT_FALSE(parse_endpoint("unix:/a,b.sock")->shared_dir);
    EXPECT_EQ(parse_endpoint("unix:/a,b.sock")->path, "/a,b.sock");
    EXPECT_FALSE(parse_endpoint("unix:,shared-dir"));
    EXPECT_FALSE(parse_endpoint("1234,shared-dir"));
}

// Issue 8, item 10: `--gdb host.invalid:N` exited 71 (host set-up) after trying to bind; an
// address that cannot work is a usage error, found before anything starts.
TEST(Endpoint, CheckFindsWhatCannotWork) {
    auto unresolvable = check_endpoint("host.invalid:1234");
    ASSERT_FALSE(unresolvable);
    EXPECT_TRUE(unresolvable.error().message.starts_with(
        "invalid gdb address 'host.invalid:1234': cannot resolve host 'host.invalid'"))
        << unresolvable.error().message;
    EXPECT_EQ(
        std::count(unresolvable.error().message.begin(), unresolvable.error().message.end(), '\n'),
        0);
    auto empty = check_endpoint("");
    ASSERT_FALSE(empty);
    EXPECT_NE(empty.error().message.find("empty"), std::string::npos) << empty.error().message;
    EXPECT_TRUE(check_endpoint("127.0.0.1:0"));
    EXPECT_TRUE(check_endpoint("localhost:0"));
    auto file = check_endpoint("unix:/etc/passwd");
    ASSERT_FALSE(file);
    EXPECT_NE(file.error().message.find("a regular file"), std::string::npos)
        << file.error().message;
    auto no_dir = check_endpoint("unix:/nonexistent-svm-dir/s.sock");
    ASSERT_FALSE(no_dir);
    EXPECT_NE(no_dir.error().message.find("/nonexistent-svm-dir"), std::string::npos)
        << no_dir.error().message;
}

TEST(Server, ReportsAddressInUse) {
    FakeTarget target;
    auto first = Server::create(Endpoint{}, target);
    ASSERT_TRUE(first);
    auto taken = parse_endpoint((*first)->address());
    auto second = Server::create(*taken, target);
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().message,
              "cannot listen on " + (*first)->address() + ": address already in use");
}

TEST(Server, ServesOneClientAtATime) {
    GdbFixture f;
    Client a(f.address());
    ASSERT_TRUE(a.connected());
    EXPECT_EQ(a.request("qC"), "QC1");
    f.server->wait_for_client();
    EXPECT_TRUE(f.server->has_client());
    Client b(f.address());
    ASSERT_TRUE(b.connected());
    EXPECT_EQ(b.request("qC"), "E.another debugger is already attached to this svm");
    EXPECT_EQ(b.next_packet(), "<eof>");
    EXPECT_EQ(a.request("m1000,4"), "efbeadde");  // the first client is unaffected
    EXPECT_EQ(a.request("D"), "OK");
    EXPECT_EQ(a.next_packet(), "<eof>");
    EXPECT_EQ(f.target.detach_calls, 1);
    Client c(f.address());
    EXPECT_EQ(c.request("qC"), "QC1");
    EXPECT_EQ(f.target.attach_calls, 2);
}

TEST(Server, StopRepliesAndInterruptOverTheWire) {
    GdbFixture f;
    f.target.on_resume = nullptr;  // stay "running" until interrupted
    f.target.on_interrupt = [&] {
        StopReason stop;
        stop.signal = sig::kInt;
        f.server->notify_stop(stop);
    };
    Client a(f.address());
    EXPECT_EQ(a.request("QStartNoAckMode"), "OK");
    a.send_raw(protocol::frame_packet("c"));
    a.send_raw("\x03");
    EXPECT_EQ(a.next_packet(), "T02thread:1;");
    EXPECT_EQ(f.target.interrupt_calls, 1);
    // notify_stop's callback runs once the reply is written, or at once without a waiter.
    std::promise<void> done;
    f.server->notify_stop(StopReason{}, [&] { done.set_value(); });
    done.get_future().wait();
}

TEST(Server, MalformedClientDoesNotBreakTheNextOne) {
    GdbFixture f;
    {
        Client bad(f.address());
        bad.send_raw("garbage\x01\xff$$$#");
        bad.send_raw("$m1000,4#00");                                    // bad checksum
        bad.send_raw("$" + std::string(3 * kPacketSize, 'A') + "#41");  // far too long
        EXPECT_EQ(bad.request("m1000,4"), "E07");  // the reply to the huge packet...
        EXPECT_EQ(bad.next_packet(), "efbeadde");  // ...then the stream is still in sync
        bad.send_raw("$m1000,");                   // disconnect mid-packet
    }
    Client good(f.address());
    EXPECT_EQ(good.request("m1000,4"), "efbeadde");
    EXPECT_EQ(f.target.detach_calls, 1);  // the disconnect counted as a detach
    EXPECT_EQ(f.target.attach_calls, 2);
}

TEST(Server, UnixSocketReplacesStaleFileAndRemovesIt) {
    std::string path = "/tmp/svm-gdbstub-test-" + std::to_string(::getpid()) + ".sock";
    {
        // A stale socket file from a crashed run.
        int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
        ::close(fd);
    }
    FakeTarget target;
    auto server = Server::create(*parse_endpoint("unix:" + path), target);
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_EQ((*server)->address(), path);
    (*server)->start();
    {
        Client a((*server)->address());
        ASSERT_TRUE(a.connected());
        EXPECT_EQ(a.request("qAttached"), "1");
    }
    (*server)->stop();
    (*server)->stop();
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(Server, StopWakesWaiters) {
    FakeTarget target;
    auto server = Server::create(Endpoint{}, target);
    ASSERT_TRUE(server);
    (*server)->start();
    std::thread waiter([&] { (*server)->wait_for_client(); });
    (*server)->stop();
    waiter.join();
    EXPECT_FALSE((*server)->has_client());
}

}  // namespace
}  // namespace svm::gdb::testing
