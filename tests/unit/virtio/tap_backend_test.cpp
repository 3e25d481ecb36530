// TapBackend against a real TAP device, inside a network namespace of its own so the host's
// networking is untouched: a frame sent through the back-end reaches a packet socket on the
// interface, and a frame sent from that socket reaches the back-end's receiver. Needs root and
// /dev/net/tun; without them the test fails (SVM_SKIP_NET_TESTS=1 turns that into a skip).
#include "devices/virtio/tap_backend.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace svm::virtio::test {
namespace {

constexpr uint16_t kEtherType = 0x88b5;  // IEEE 802 local experimental: nothing else sends it
constexpr char kTapName[] = "svmtap0";

std::vector<uint8_t> make_frame(const uint8_t (&dst)[6], const uint8_t (&src)[6],
                                const std::string& payload) {
    // At least 60 bytes: the Ethernet minimum, without FCS.
    std::vector<uint8_t> f(std::max<size_t>(14 + payload.size(), 60), 0);
    std::memcpy(f.data(), dst, 6);
    std::memcpy(f.data() + 6, src, 6);
    f[12] = kEtherType >> 8;
    f[13] = kEtherType & 0xff;
    std::memcpy(f.data() + 14, payload.data(), payload.size());
    return f;
}

class TapBackendTest : public ::testing::Test {
protected:
    void SetUp() override {
        std::string missing;
        if (::geteuid() != 0)
            missing = "root (to create a network namespace and a TAP device)";
        else if (::access("/dev/net/tun", R_OK | W_OK) != 0)
            missing = "/dev/net/tun (modprobe tun)";
        if (!missing.empty()) {
            const char* skip = std::getenv("SVM_SKIP_NET_TESTS");
            if (skip != nullptr && std::string(skip) == "1")
                GTEST_SKIP() << "the TAP test needs " << missing << " (SVM_SKIP_NET_TESTS=1)";
            FAIL() << "the TAP test needs " << missing
                   << "; run it as root, or set SVM_SKIP_NET_TESTS=1 to skip it";
        }
        ns_ = "svm-tap-test-" + std::to_string(::getpid());
        ASSERT_EQ(run("ip netns add " + ns_), 0) << "ip netns add " << ns_ << " failed";
    }

    void TearDown() override {
        tap_.reset();  // closes the TAP, which removes the interface
        if (socket_ >= 0) ::close(socket_);
        if (!ns_.empty()) run("ip netns del " + ns_);
    }

    static int run(const std::string& command) {
        return std::system((command + " >/dev/null 2>&1").c_str());
    }

    // In a thread that joined the namespace (setns affects only the calling thread): opens the
    // TAP and a packet socket bound to it. File descriptors keep their namespace, so the test
    // thread then uses both.
    void open_in_namespace() {
        std::string failure;
        std::thread([&] {
            int ns = ::open(("/run/netns/" + ns_).c_str(), O_RDONLY | O_CLOEXEC);
            if (ns < 0 || ::setns(ns, CLONE_NEWNET) != 0) {
                failure = "cannot enter namespace " + ns_ + ": " + std::strerror(errno);
                if (ns >= 0) ::close(ns);
                return;
            }
            ::close(ns);
            auto tap = TapBackend::create(kTapName);
            if (!tap) {
                failure = tap.error().message;
                return;
            }
            tap_ = std::move(*tap);
            if (run("ip netns exec " + ns_ + " ip link set " + kTapName + " up") != 0 ||
                run("ip netns exec " + ns_ + " ip addr add 10.213.0.1/24 dev " + kTapName) != 0) {
                failure = "cannot bring the TAP up with an address";
                return;
            }
            socket_ = ::socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(kEtherType));
            ifindex_ = static_cast<int>(::if_nametoindex(kTapName));
            sockaddr_ll addr{};
            addr.sll_family = AF_PACKET;
            addr.sll_protocol = htons(kEtherType);
            addr.sll_ifindex = ifindex_;
            if (socket_ < 0 || ifindex_ == 0 ||
                ::bind(socket_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
                failure = std::string("packet socket on the TAP: ") + std::strerror(errno);
            }
        }).join();
        ASSERT_EQ(failure, "");
    }

    std::string ns_;
    std::unique_ptr<TapBackend> tap_;
    int socket_ = -1;
    int ifindex_ = 0;
};

const uint8_t kGuestMac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
const uint8_t kBroadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

TEST_F(TapBackendTest, FramesCrossBothWays) {
    open_in_namespace();
    ASSERT_TRUE(tap_);
    EXPECT_EQ(tap_->name(), kTapName);

    std::mutex mutex;
    std::condition_variable arrived;
    std::vector<std::vector<uint8_t>> received;
    ASSERT_TRUE(tap_->start([&](const VirtioNetHdr&, std::span<const uint8_t> frame) {
        // The kernel also sends its own traffic (IPv6 neighbour discovery): keep ours only.
        if (frame.size() < 14 || frame[12] != (kEtherType >> 8) || frame[13] != (kEtherType & 0xff))
            return;
        std::lock_guard lock(mutex);
        received.emplace_back(frame.begin(), frame.end());
        arrived.notify_all();
    }));

    // Guest to host: through the back-end, seen by the packet socket.
    auto out = make_frame(kBroadcast, kGuestMac, "svm tap test: guest to host");
    ASSERT_TRUE(tap_->send(VirtioNetHdr{}, out));
    pollfd p{socket_, POLLIN, 0};
    ASSERT_EQ(::poll(&p, 1, 5000), 1) << "the packet socket saw no frame within 5 s";
    std::vector<uint8_t> buffer(2048);
    ssize_t n = ::recv(socket_, buffer.data(), buffer.size(), 0);
    ASSERT_GT(n, 0);
    buffer.resize(static_cast<size_t>(n));
    EXPECT_EQ(buffer, out);

    // Host to guest: from the packet socket, out of the interface, to the receiver.
    auto in = make_frame(kGuestMac, kGuestMac, "svm tap test: host to guest");
    std::memcpy(in.data() + 6, "\x02\x00\x00\x00\x00\x01", 6);
    sockaddr_ll to{};
    to.sll_family = AF_PACKET;
    to.sll_ifindex = ifindex_;
    to.sll_halen = 6;
    std::memcpy(to.sll_addr, kGuestMac, 6);
    ASSERT_EQ(
        ::sendto(socket_, in.data(), in.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof to),
        static_cast<ssize_t>(in.size()));
    {
        std::unique_lock lock(mutex);
        ASSERT_TRUE(arrived.wait_for(lock, std::chrono::seconds(5), [&] {
            return !received.empty();
        })) << "the back-end received no frame within 5 s";
        EXPECT_EQ(received[0], in);
    }
    tap_->stop();
    tap_->stop();  // idempotent
}

TEST(TapBackendName, RejectsBadNames) {
    auto tap = TapBackend::create("a-name-longer-than-15");
    ASSERT_FALSE(tap);
    EXPECT_NE(tap.error().message.find("1 to 15 bytes"), std::string::npos);
    EXPECT_FALSE(TapBackend::create(""));
}

}  // namespace
}  // namespace svm::virtio::test
