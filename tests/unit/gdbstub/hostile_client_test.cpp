// Clients that are not gdb, or a gdb that stopped reading: svm must never hang, never grow without
// bound and never let them attach (issue 8; docs/gdb.md, "Limits and hostile clients").
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <future>

#include "fake_target.h"
#include "gdbstub/server.h"
#include "test_client.h"

namespace svm::gdb::testing {
namespace {

using namespace std::chrono_literals;
using protocol::frame_packet;

// The documented limits, with timeouts short enough for a unit test.
ServerOptions short_timeouts() {
    ServerOptions options;
    options.handshake_timeout = 300ms;
    options.drain_timeout = 300ms;
    return options;
}

// A started server on an ephemeral 127.0.0.1 port whose fake target stays "running" after a
// resume until the test calls notify_stop.
struct ServerUnderTest {
    FakeTarget target;
    LogLines log;
    std::unique_ptr<Server> server;

    explicit ServerUnderTest(ServerOptions options = short_timeouts()) {
        options.session.log = log.sink();
        auto created = Server::create(Endpoint{}, target, options);
        if (!created) std::abort();
        server = std::move(*created);
        server->start();
    }
    std::string address() const { return server->address(); }
};

// Waits up to `timeout` for `condition`.
template <typename F>
bool eventually(F condition, std::chrono::milliseconds timeout = 3s) {
    auto end = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() > end) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

// `count` requests for an 8 KiB reply each (the fake target's whole 4 KiB of memory, as hex).
std::string memory_requests(int count) {
    std::string bytes;
    for (int i = 0; i < count; ++i) bytes += frame_packet("m1000,1000");
    return bytes;
}

constexpr size_t kMiB = 1 << 20;

// AddressSanitizer (an SVM_SANITIZE build) keeps freed memory in quarantine and adds shadow
// memory, and ThreadSanitizer (SVM_TSAN) its shadow and history, so resident memory grows several
// times more for the same allocations (measured under ASan: 11 and 46 MiB where a plain build
// grows by 2-3). The bounds scale with it and still fail the unbounded growth these tests guard
// against (hundreds of MiB before the fixes).
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr size_t kGrowthScale = 8;
#else
constexpr size_t kGrowthScale = 1;
#endif

// Issue 8, item 4: one `m` request and 3,000 `-` NAKs grew svm from 5 MB to 390 MB, each NAK
// queueing another copy of the reply for a client that reads none of them.
TEST(HostileClient, NakStormCannotGrowMemory) {
    ServerUnderTest s;
    Client c(s.address(), 4096);
    ASSERT_NE(c.request("qSupported"), "<eof>");
    const size_t before = resident_bytes();
    c.send_raw(frame_packet("m1000,1000") + std::string(5000, '-'));
    const size_t growth = peak_growth(before, 1500ms);
    RecordProperty("growth_kib", int(growth / 1024));
    EXPECT_LT(growth, 8 * kMiB * kGrowthScale) << "grew by " << growth / kMiB << " MiB";
    // Read nothing for drain_timeout: dropped, and the disconnect counts as a detach.
    EXPECT_TRUE(eventually([&] { return s.target.detach_calls == 1; })) << s.log.all();
    EXPECT_EQ(s.log.count("did not read"), 1u) << s.log.all();
}

// Item 4: 3,000 `m` requests never read grew svm to 366 MB.
TEST(HostileClient, RequestFloodCannotGrowMemory) {
    ServerUnderTest s;
    Client c(s.address(), 4096);
    c.set_timeout(2s);
    ASSERT_NE(c.request("qSupported"), "<eof>");
    const size_t before = resident_bytes();
    c.send_raw(memory_requests(5000));
    const size_t growth = peak_growth(before, 1500ms);
    RecordProperty("growth_kib", int(growth / 1024));
    EXPECT_LT(growth, 8 * kMiB * kGrowthScale) << "grew by " << growth / kMiB << " MiB";
    EXPECT_TRUE(eventually([&] { return s.target.detach_calls == 1; })) << s.log.all();
}

// Item 4: "such a client keeps svm alive after the guest exits". svm exits once the stop reply
// ("exited with code N") is written; behind replies the client never reads, it never was.
TEST(HostileClient, StopReplyToAClientThatDoesNotReadDoesNotHang) {
    ServerUnderTest s;
    Client c(s.address(), 4096);
    ASSERT_NE(c.request("qSupported"), "<eof>");
    ASSERT_EQ(c.request("m1000,4"), "efbeadde");
    ASSERT_NE(c.request("m1000,1000"), "<eof>");  // the last reply: 8 KiB, resent on every '-'
    c.send_raw(frame_packet("c"));
    ASSERT_TRUE(eventually([&] { return s.target.resume_calls == 1; }));
    c.send_raw(std::string(5000, '-'));
    std::this_thread::sleep_for(200ms);
    auto written = std::make_shared<std::promise<void>>();
    StopReason exited;
    exited.kind = StopReason::Kind::Exited;
    exited.exit_code = 3;
    s.server->notify_stop(exited, [written] { written->set_value(); });
    EXPECT_EQ(written->get_future().wait_for(5s), std::future_status::ready);
}

// A partial packet is bounded (PacketSize + kPacketFrameSlack) however long it goes on.
TEST(HostileClient, PartialPacketIsBounded) {
    ServerUnderTest s;
    Client c(s.address());
    ASSERT_NE(c.request("qSupported"), "<eof>");
    const std::string chunk(64 * 1024, 'A');  // allocated before the measurement starts
    const size_t before = resident_bytes();
    c.send_raw("$");
    for (int i = 0; i < 128; ++i) c.send_raw(chunk);  // 8 MiB without the closing '#'
    const size_t growth = peak_growth(before, 300ms);
    RecordProperty("growth_kib", int(growth / 1024));
    EXPECT_LT(growth, 4 * kMiB * kGrowthScale) << "grew by " << growth / kMiB << " MiB";
    c.send_raw("#00");
    EXPECT_EQ(c.request("m1000,4"), "E07");  // the reply to the huge packet...
    EXPECT_EQ(c.next_packet(), "efbeadde");  // ...and the stream is in sync
}

// Item 5: with no descriptor left, accept() failed at once, forever (~97 % of a core, 3.2 M
// log lines in 6 s). It must back off and say so once.
TEST(HostileClient, AcceptBacksOffWhenOutOfDescriptors) {
    ServerUnderTest s;
    auto port = parse_endpoint(s.address())->port;
    rlimit saved{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
    // The client's socket first, then every other descriptor below it: the server's accept()
    // fails with EMFILE while the connection waits in the backlog.
    int client = ::socket(AF_INET, SOCK_STREAM, 0);
    ASSERT_GE(client, 0);
    rlimit low = saved;
    low.rlim_cur = rlim_t(client + 1);
    ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &low), 0);
    std::vector<int> fillers;
    for (int fd; (fd = ::open("/dev/null", O_RDONLY)) >= 0;) fillers.push_back(fd);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(0x7f000001);
    int connected = ::connect(client, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    const double cpu_before = process_cpu_seconds();
    std::this_thread::sleep_for(1s);
    const double cpu = process_cpu_seconds() - cpu_before;
    const size_t failures = s.log.count("accept");
    for (int fd : fillers) ::close(fd);
    ::setrlimit(RLIMIT_NOFILE, &saved);

    ASSERT_EQ(connected, 0);
    RecordProperty("cpu_ms", int(cpu * 1000));
    RecordProperty("accept_failures_logged", int(failures));
    EXPECT_LT(cpu, 0.2) << "the server thread spun";
    EXPECT_EQ(failures, 1u) << s.log.all();
    // Once a descriptor is free again the waiting client is accepted.
    std::string hello = frame_packet("qC");
    ASSERT_EQ(::send(client, hello.data(), hello.size(), MSG_NOSIGNAL), ssize_t(hello.size()));
    timeval tv{5, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string reply;
    char buf[256];
    while (reply.find('#') == std::string::npos) {
        ssize_t n = ::recv(client, buf, sizeof buf, 0);
        if (n <= 0) break;
        reply.append(buf, size_t(n));
    }
    ::close(client);
    EXPECT_EQ(packets_in(reply), std::vector<std::string>{"QC1"});
    EXPECT_EQ(s.log.count("accepting connections again"), 1u) << s.log.all();
}

// Item 5: a connection that never completes a handshake is closed after handshake_timeout,
// whether or not a debugger is attached.
TEST(HostileClient, SilentConnectionsAreClosed) {
    ServerUnderTest s;
    Client idle_first(s.address());
    Client gdb(s.address());
    ASSERT_EQ(gdb.request("qC"), "QC1");
    Client idle_second(s.address());
    Client half_packet(s.address());
    half_packet.send_raw("+$qSupp");
    for (Client* c : {&idle_first, &idle_second, &half_packet}) {
        c->set_timeout(3s);
        auto start = std::chrono::steady_clock::now();
        EXPECT_TRUE(c->wait_for_eof());
        EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
    }
    EXPECT_EQ(gdb.request("m1000,4"), "efbeadde");  // the debugger is unaffected
    EXPECT_EQ(s.target.attach_calls, 1);
}

// Item 7: any bare connect and close (a port scanner, `nc -z`) was taken as attach + detach, and
// a guest waiting for gdb ran.
TEST(HostileClient, ConnectionsWithoutAHandshakeDoNotAttach) {
    ServerUnderTest s;
    for (int i = 0; i < 3; ++i) Client scan(s.address());
    {
        Client ack_only(s.address());
        ack_only.send_raw("+");
    }
    {
        Client http(s.address());
        http.send_raw("GET / HTTP/1.0\r\n\r\n");
    }
    {
        Client bad_checksum(s.address());
        bad_checksum.send_raw("$qSupported#00");
        EXPECT_EQ(::recv(bad_checksum.fd(), std::array<char, 1>{}.data(), 1, 0), 1);  // '-'
    }
    {
        Client interrupt(s.address());
        interrupt.send_raw("\x03");
    }
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(s.target.attach_calls, 0);
    EXPECT_EQ(s.target.detach_calls, 0);
    EXPECT_EQ(s.target.interrupt_calls, 0);
    EXPECT_FALSE(s.server->has_client());
    Client gdb(s.address());
    EXPECT_NE(gdb.request("qSupported"), "<eof>");
    EXPECT_EQ(s.target.attach_calls, 1);
    EXPECT_TRUE(s.server->has_client());
}

// Item 7: stop() (svm's exit) is never held up by connections that have not completed a
// handshake, even with the default (long) handshake timeout.
TEST(HostileClient, StopIsNotHeldUpByConnectionsWithoutAHandshake) {
    ServerUnderTest s{ServerOptions{}};
    Client idle(s.address());
    Client partial(s.address());
    partial.send_raw("$qSupported:multiprocess+;swbre");
    std::this_thread::sleep_for(100ms);
    auto start = std::chrono::steady_clock::now();
    s.server->stop();
    EXPECT_LT(std::chrono::steady_clock::now() - start, 1s);
    EXPECT_EQ(s.target.attach_calls, 0);
    EXPECT_TRUE(idle.wait_for_eof());
}

// Item 5: at most max_handshaking connections wait for their handshake; more are closed at once.
TEST(HostileClient, WaitingConnectionsAreCapped) {
    ServerOptions options;
    options.max_handshaking = 4;
    ServerUnderTest s{options};
    std::vector<std::unique_ptr<Client>> idle;
    for (int i = 0; i < 4; ++i) idle.push_back(std::make_unique<Client>(s.address()));
    Client fifth(s.address());  // accepted after the four: connections leave the backlog in order
    fifth.set_timeout(2s);
    EXPECT_TRUE(fifth.wait_for_eof());
    EXPECT_EQ(s.log.count("refusing connections while 4 wait"), 1u) << s.log.all();
    idle.clear();  // once they go, a debugger gets in
    EXPECT_TRUE(eventually([&] {
        Client gdb(s.address());
        return gdb.request("qC") == "QC1";
    }));
}

}  // namespace
}  // namespace svm::gdb::testing
