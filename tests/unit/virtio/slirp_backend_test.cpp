// SlirpBackend against the real libslirp, with the test playing the guest: DHCP, ARP and ping
// answered by slirp itself, and a host port forward carrying a TCP connection from a host socket
// to the fake guest and back. Needs no root and no network: only loopback sockets.
#include "devices/virtio/slirp_backend.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/unit/virtio/net_frames.h"

namespace svm::virtio::test {
namespace {

using namespace std::chrono_literals;

constexpr auto kTimeout = 5s;  // generous: slirp answers within milliseconds
constexpr Mac kGuestMac = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
// libslirp answers for its own addresses with 52:55 and the IPv4 address (slirp.c, arp_input).
constexpr Mac kGatewayMac = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
constexpr uint32_t kGuestIp = kUserNetDhcpStart;

// The guest's side of the wire: collects every frame slirp sends, answers ARP requests for the
// guest's address as a guest's network stack would, and lets the test wait for a frame. Declare
// it before the back-end, so that it outlives the receiver.
class FakeGuest {
public:
    // The receiver to start `backend` with; the fake guest sends through `backend`.
    NetBackend::Receiver receiver(NetBackend& backend) {
        backend_ = &backend;
        return [this](const VirtioNetHdr& header, std::span<const uint8_t> frame) {
            EXPECT_EQ(header.flags, 0);
            EXPECT_EQ(header.gso_type, 0);
            answer_arp(frame);
            std::lock_guard lock(mutex_);
            frames_.emplace_back(frame.begin(), frame.end());
            changed_.notify_all();
        };
    }

    // The first frame received so far or within kTimeout that `match` accepts, if any.
    std::optional<std::vector<uint8_t>> wait_for(
        const std::function<bool(std::span<const uint8_t>)>& match) {
        std::unique_lock lock(mutex_);
        std::optional<std::vector<uint8_t>> found;
        changed_.wait_for(lock, kTimeout, [&] {
            for (const auto& frame : frames_) {
                if (match(frame)) {
                    found = frame;
                    return true;
                }
            }
            return false;
        });
        return found;
    }

    void send(std::span<const uint8_t> frame) {
        auto sent = backend_->send(VirtioNetHdr{}, frame);
        ASSERT_TRUE(sent) << sent.error().message;
    }

private:
    void answer_arp(std::span<const uint8_t> frame) {
        if (frame.size() < 42 || get16(frame, 12) != kEtherTypeArp) return;
        auto a = frame.subspan(14);
        if (get16(a, 6) != 1 || get32(a, 24) != kGuestIp) return;
        Mac sender;
        std::memcpy(sender.data(), a.data() + 8, 6);
        auto reply = ethernet(sender, kGuestMac, kEtherTypeArp,
                              arp(2, kGuestMac, kGuestIp, sender, get32(a, 14)));
        // From the receiver, so on slirp's thread: send() only queues, so this cannot deadlock.
        EXPECT_TRUE(backend_->send(VirtioNetHdr{}, reply));
    }

    NetBackend* backend_ = nullptr;
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::vector<uint8_t>> frames_;
};

std::vector<uint8_t> ping_frame(uint16_t sequence, bool checksum = true) {
    return ethernet(kGatewayMac, kGuestMac, kEtherTypeIpv4,
                    ipv4(kGuestIp, kUserNetHost, kProtoIcmp,
                         icmp_echo(0x5356, sequence, "svm-ping", checksum)));
}

bool is_echo_reply(std::span<const uint8_t> frame, uint16_t sequence) {
    auto ip = parse_ipv4(frame);
    return ip && ip->protocol == kProtoIcmp && ip->src == kUserNetHost && ip->dst == kGuestIp &&
           ip->payload.size() >= 16 && ip->payload[0] == 0 && get16(ip->payload, 4) == 0x5356 &&
           get16(ip->payload, 6) == sequence &&
           std::string(ip->payload.begin() + 8, ip->payload.end()) == "svm-ping" &&
           checksum_finish(checksum_add(ip->payload)) == 0;
}

// A TCP port on 127.0.0.1 that nothing listens on: bound to port 0 for the kernel to choose, then
// closed. Another process could take it before the test binds it again; that race is tiny and
// would show as a create() failure naming the port.
uint16_t free_tcp_port() {
    int s = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    EXPECT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(::getsockname(s, reinterpret_cast<sockaddr*>(&address), &length), 0);
    ::close(s);
    return ntohs(address.sin_port);
}

int connect_loopback(uint16_t port) {
    int s = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port);
    if (::connect(s, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(s);
        return -1;
    }
    timeval timeout{5, 0};
    ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    return s;
}

// 127.0.0.1:host_port to 10.0.2.15:guest_port.
SlirpForward tcp_forward(uint16_t host_port, uint16_t guest_port) {
    SlirpForward forward;
    forward.host_port = host_port;
    forward.guest_port = guest_port;
    return forward;
}

std::unique_ptr<SlirpBackend> make_backend(std::span<const SlirpForward> forwards = {}) {
    auto backend = SlirpBackend::create(forwards);
    EXPECT_TRUE(backend) << backend.error().message;
    return backend ? std::move(*backend) : nullptr;
}

TEST(SlirpBackend, DhcpOffersQemusAddresses) {
    FakeGuest guest;
    auto backend = make_backend();
    ASSERT_NE(backend, nullptr);
    ASSERT_TRUE(backend->start(guest.receiver(*backend)));
    constexpr uint32_t kXid = 0x5356d4c9;
    guest.send(
        ethernet(kBroadcastMac, kGuestMac, kEtherTypeIpv4,
                 ipv4(0, 0xffffffff, kProtoUdp, udp(68, 67, dhcp_discover(kGuestMac, kXid)))));

    auto offer = guest.wait_for([&](std::span<const uint8_t> frame) {
        auto ip = parse_ipv4(frame);
        return ip && ip->protocol == kProtoUdp && ip->payload.size() >= 8 + 240 &&
               get16(ip->payload, 2) == 68 && get32(ip->payload, 8 + 4) == kXid;
    });
    ASSERT_TRUE(offer) << "no DHCP reply within 5 s";
    auto ip = *parse_ipv4(*offer);
    EXPECT_EQ(ip.src, kUserNetHost);
    auto bootp = ip.payload.subspan(8);
    EXPECT_EQ(bootp[0], 2);                          // BOOTREPLY
    EXPECT_EQ(get32(bootp, 16), kUserNetDhcpStart);  // yiaddr 10.0.2.15
    EXPECT_TRUE(std::equal(kGuestMac.begin(), kGuestMac.end(), bootp.begin() + 28));  // chaddr
    ASSERT_EQ(get32(bootp, 236), 0x63825363u);  // the magic cookie

    // The options (RFC 2132), each tag with its 4-byte value where it has one.
    std::map<uint8_t, std::vector<uint8_t>> options;
    for (size_t at = 240; at < bootp.size() && bootp[at] != 255;) {
        if (bootp[at] == 0) {
            ++at;
            continue;
        }
        ASSERT_LT(at + 1, bootp.size());
        size_t length = bootp[at + 1];
        ASSERT_LE(at + 2 + length, bootp.size());
        options[bootp[at]].assign(bootp.begin() + at + 2, bootp.begin() + at + 2 + length);
        at += 2 + length;
    }
    auto ipv4_option = [&](uint8_t tag) -> uint32_t {
        auto it = options.find(tag);
        return it != options.end() && it->second.size() == 4 ? get32(it->second, 0) : 0;
    };
    EXPECT_EQ(options[53], std::vector<uint8_t>{2});  // DHCPOFFER
    EXPECT_EQ(ipv4_option(54), kUserNetHost);         // server identifier 10.0.2.2
    EXPECT_EQ(ipv4_option(1), kUserNetNetmask);       // 255.255.255.0
    EXPECT_EQ(ipv4_option(3), kUserNetHost);          // router 10.0.2.2
    EXPECT_EQ(ipv4_option(6), kUserNetNameserver);    // DNS 10.0.2.3
}

TEST(SlirpBackend, ArpForTheGatewayGetsItsMac) {
    FakeGuest guest;
    auto backend = make_backend();
    ASSERT_NE(backend, nullptr);
    ASSERT_TRUE(backend->start(guest.receiver(*backend)));
    guest.send(ethernet(kBroadcastMac, kGuestMac, kEtherTypeArp,
                        arp(1, kGuestMac, kGuestIp, Mac{}, kUserNetHost)));

    auto reply = guest.wait_for([](std::span<const uint8_t> frame) {
        return frame.size() >= 42 && get16(frame, 12) == kEtherTypeArp && get16(frame, 20) == 2;
    });
    ASSERT_TRUE(reply) << "no ARP reply within 5 s";
    auto a = std::span<const uint8_t>(*reply).subspan(14);
    EXPECT_TRUE(std::equal(kGuestMac.begin(), kGuestMac.end(), reply->begin()));     // to the guest
    EXPECT_TRUE(std::equal(kGatewayMac.begin(), kGatewayMac.end(), a.begin() + 8));  // sha
    EXPECT_EQ(get32(a, 14), kUserNetHost);                                           // spa
    EXPECT_TRUE(std::equal(kGuestMac.begin(), kGuestMac.end(), a.begin() + 18));     // tha
    EXPECT_EQ(get32(a, 24), kGuestIp);                                               // tpa
}

// libslirp answers echo requests to its own addresses itself (ip_icmp.c, icmp_input: the host
// alias and the DNS address are reflected); other destinations would need ping sockets.
TEST(SlirpBackend, PingTheGatewayGetsAnEchoReply) {
    FakeGuest guest;
    auto backend = make_backend();
    ASSERT_NE(backend, nullptr);
    ASSERT_TRUE(backend->start(guest.receiver(*backend)));
    guest.send(ping_frame(1));
    EXPECT_TRUE(guest.wait_for([](auto frame) { return is_echo_reply(frame, 1); }))
        << "no echo reply within 5 s";
}

// The guest may leave a checksum to the device (NEEDS_CSUM, virtio 1.2 5.1.6.2); svm's
// virtio-net does not offer VIRTIO_NET_F_CSUM, but the back-end completes it all the same.
TEST(SlirpBackend, CompletesAChecksumTheGuestLeftToTheDevice) {
    FakeGuest guest;
    auto backend = make_backend();
    ASSERT_NE(backend, nullptr);
    ASSERT_TRUE(backend->start(guest.receiver(*backend)));
    VirtioNetHdr header;
    header.flags = 1;
    header.csum_start = 14 + 20;  // the ICMP message: no pseudo-header, so no partial sum
    header.csum_offset = 2;
    ASSERT_TRUE(backend->send(header, ping_frame(2, /*checksum=*/false)));
    EXPECT_TRUE(guest.wait_for([](auto frame) { return is_echo_reply(frame, 2); }))
        << "no echo reply within 5 s";

    header.csum_offset = 200;  // outside the 60-byte frame
    auto refused = backend->send(header, ping_frame(3, false));
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("outside"), std::string::npos);
    EXPECT_EQ(backend->dropped_frames(), 1u);
}

// A host connection to a forwarded port becomes a TCP connection from 10.0.2.2 to the guest
// (libslirp's tcp_connect), carried both ways once the fake guest completes the handshake.
TEST(SlirpBackend, HostForwardCarriesATcpConnection) {
    uint16_t port = free_tcp_port();
    SlirpForward forward = tcp_forward(port, 7);
    FakeGuest guest;
    auto backend = make_backend(std::span(&forward, 1));
    ASSERT_NE(backend, nullptr);
    ASSERT_TRUE(backend->start(guest.receiver(*backend)));
    // Introduce the guest (slirp learns its MAC from the request); the fake guest would also
    // answer slirp's own ARP request.
    guest.send(ethernet(kBroadcastMac, kGuestMac, kEtherTypeArp,
                        arp(1, kGuestMac, kGuestIp, Mac{}, kUserNetHost)));

    int host = connect_loopback(port);
    ASSERT_GE(host, 0) << "connect to 127.0.0.1:" << port << ": " << std::strerror(errno);
    auto to_guest_port_7 = [](std::span<const uint8_t> frame, auto&& also) {
        auto ip = parse_ipv4(frame);
        if (!ip || ip->protocol != kProtoTcp || ip->dst != kGuestIp) return false;
        auto segment = parse_tcp(ip->payload);
        return segment && segment->dport == 7 && also(*segment);
    };
    auto syn_frame = guest.wait_for([&](auto frame) {
        return to_guest_port_7(
            frame, [](const TcpSegment& s) { return (s.flags & (kTcpSyn | kTcpAck)) == kTcpSyn; });
    });
    ASSERT_TRUE(syn_frame) << "no SYN to 10.0.2.15:7 within 5 s";
    auto syn_ip = *parse_ipv4(*syn_frame);
    auto syn = *parse_tcp(syn_ip.payload);
    EXPECT_EQ(syn_ip.src, kUserNetHost);

    // The rest of the handshake, then "hello" from the host reaches the guest.
    constexpr uint32_t kGuestIsn = 1000;
    guest.send(ethernet(
        kGatewayMac, kGuestMac, kEtherTypeIpv4,
        ipv4(kGuestIp, syn_ip.src, kProtoTcp,
             tcp(kGuestIp, syn_ip.src, 7, syn.sport, kGuestIsn, syn.seq + 1, kTcpSyn | kTcpAck))));
    ASSERT_EQ(::write(host, "hello", 5), 5);
    auto data_frame = guest.wait_for([&](auto frame) {
        return to_guest_port_7(frame, [](const TcpSegment& s) { return !s.data.empty(); });
    });
    ASSERT_TRUE(data_frame) << "the host's bytes did not reach the guest within 5 s";
    auto data = *parse_tcp(parse_ipv4(*data_frame)->payload);
    EXPECT_EQ(data.seq, syn.seq + 1);
    EXPECT_EQ(std::string(data.data.begin(), data.data.end()), "hello");

    // And "world" from the guest reaches the host.
    guest.send(ethernet(kGatewayMac, kGuestMac, kEtherTypeIpv4,
                        ipv4(kGuestIp, syn_ip.src, kProtoTcp,
                             tcp(kGuestIp, syn_ip.src, 7, syn.sport, kGuestIsn + 1, syn.seq + 1 + 5,
                                 kTcpPsh | kTcpAck, "world"))));
    char buffer[16] = {};
    ASSERT_EQ(::read(host, buffer, sizeof buffer), 5) << "nothing from the guest within 5 s";
    EXPECT_EQ(std::string(buffer, 5), "world");
    ::close(host);
}

TEST(SlirpBackend, ForwardOnAPortInUseFailsToCreate) {
    int listener = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    ASSERT_EQ(::listen(listener, 1), 0);
    ASSERT_EQ(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
    uint16_t port = ntohs(address.sin_port);

    SlirpForward forward = tcp_forward(port, 22);
    auto backend = SlirpBackend::create(std::span(&forward, 1));
    ::close(listener);
    ASSERT_FALSE(backend);
    const std::string& message = backend.error().message;
    EXPECT_NE(message.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << message;
    EXPECT_NE(message.find("in use"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
}

TEST(SlirpBackend, RefusesBadForwardsAndOverlongFrames) {
    SlirpForward bad_address = tcp_forward(8080, 80);
    bad_address.host_address = "localhost";
    EXPECT_FALSE(SlirpBackend::create(std::span(&bad_address, 1)));

    auto backend = make_backend();
    ASSERT_NE(backend, nullptr);
    std::vector<uint8_t> huge(kMaxFrameBytes + 1);
    auto sent = backend->send(VirtioNetHdr{}, huge);
    ASSERT_FALSE(sent);
    EXPECT_NE(sent.error().message.find("too long"), std::string::npos);
    EXPECT_EQ(backend->dropped_frames(), 1u);
}

TEST(SlirpBackend, QueueIsBounded) {
    FakeGuest guest;
    auto backend = make_backend();
    ASSERT_NE(backend, nullptr);
    // Not started: nothing drains the queue.
    for (size_t i = 0; i < SlirpBackend::kQueueFrames; ++i)
        ASSERT_TRUE(backend->send(VirtioNetHdr{}, ping_frame(static_cast<uint16_t>(i))));
    auto full = backend->send(VirtioNetHdr{}, ping_frame(0));
    ASSERT_FALSE(full);
    EXPECT_NE(full.error().message.find("dropped"), std::string::npos);

    // Once started, the queued frames reach slirp and the queue takes frames again.
    ASSERT_TRUE(backend->start(guest.receiver(*backend)));
    EXPECT_TRUE(guest.wait_for([](auto frame) { return is_echo_reply(frame, 255); }));
    EXPECT_TRUE(backend->send(VirtioNetHdr{}, ping_frame(1000)));
}

TEST(SlirpBackend, StartStopLifecycle) {
    FakeGuest guest;
    auto backend = make_backend();
    ASSERT_NE(backend, nullptr);
    backend->stop();  // before start: nothing to stop
    ASSERT_TRUE(backend->start(guest.receiver(*backend)));
    auto again = backend->start(guest.receiver(*backend));
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("already started"), std::string::npos);
    backend->stop();
    backend->stop();
    // Restartable, like the TAP back-end, with slirp's state intact.
    ASSERT_TRUE(backend->start(guest.receiver(*backend)));
    guest.send(ping_frame(7));
    EXPECT_TRUE(guest.wait_for([](auto frame) { return is_echo_reply(frame, 7); }));
}

TEST(SlirpBackend, DestroyedWhileFramesFlow) {
    uint16_t port = free_tcp_port();
    SlirpForward forward = tcp_forward(port, 7);
    FakeGuest guest;
    auto backend = make_backend(std::span(&forward, 1));
    ASSERT_NE(backend, nullptr);
    ASSERT_TRUE(backend->start(guest.receiver(*backend)));
    int host = connect_loopback(port);  // a connection slirp is still setting up
    ASSERT_GE(host, 0);
    for (uint16_t i = 0; i < 200; ++i) (void)backend->send(VirtioNetHdr{}, ping_frame(i));
    ASSERT_TRUE(guest.wait_for([](auto frame) { return is_echo_reply(frame, 0); }));
    // Stops with frames still queued and replies being delivered, then frees slirp with its
    // sockets (AddressSanitizer and ThreadSanitizer builds check this).
    backend.reset();
    // The host's end sees the connection go (closed by slirp, or reset with the listener if
    // slirp had not accepted it yet) rather than hang until SO_RCVTIMEO.
    char byte;
    ssize_t n = ::read(host, &byte, 1);
    EXPECT_TRUE(n == 0 || (n < 0 && errno == ECONNRESET)) << n << " " << std::strerror(errno);
    ::close(host);
}

}  // namespace
}  // namespace svm::virtio::test
