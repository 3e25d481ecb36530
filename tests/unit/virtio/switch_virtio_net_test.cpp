// Two (and three) real virtio-net devices on one EthernetSwitch, each driven through its rings by
// the test driver as its guest would: an ARP request broadcast by one card reaches the others,
// the answer goes back to the asker only, as `--net switch=lan0` wires them (without KVM).
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "devices/virtio/ethernet_switch.h"
#include "devices/virtio/virtio_net.h"
#include "tests/unit/virtio/switch_test_support.h"
#include "tests/unit/virtio/test_driver.h"

namespace svm::virtio::test {
namespace {

constexpr uint32_t kBufferBytes = 2048;

// One card and its guest: the receive queue has buffers posted, the transmit queue sends frames.
class Card {
public:
    Card(EthernetSwitch& lan, const std::string& name, const Mac& mac)
        : memory_(GuestMemory::create(1ull << 20).value()), mac_(mac) {
        net_ =
            VirtioNet::create(lan.attach(name, MacAddress{mac}).value(), MacAddress{mac}).value();
        rx_.emplace(memory_, TestDriver::layout_at(0x1000, 8), 0x40000);
        tx_.emplace(memory_, TestDriver::layout_at(0x10000, 8), 0x80000);
        EXPECT_TRUE(queues_[0].enable(memory_, rx_->layout(), false, false));
        EXPECT_TRUE(queues_[1].enable(memory_, tx_->layout(), false, false));
        DeviceContext context;
        context.memory = &memory_;
        context.queues = queues_;
        context.features = kFeatureVersion1 | kNetFeatureMac;  // one buffer per frame
        // Called on the port's thread after the used ring is written: the test reads the ring
        // only after it saw the count move, so the write happens before the read.
        context.interrupt = [this](uint16_t index) {
            if (index == VirtioNet::kRxQueue) rx_interrupts_.fetch_add(1);
        };
        context.needs_reset = [](const std::string& why) { ADD_FAILURE() << why; };
        EXPECT_TRUE(net_->activate(context));
        for (int i = 0; i < 4; ++i) {
            const uint64_t gpa = rx_->alloc(kBufferBytes);
            buffers_[rx_->add_chain({{gpa, kBufferBytes, true}})] = gpa;
        }
    }
    ~Card() { net_.reset(); }  // stops the port before the rings go

    const Mac& mac() const { return mac_; }

    // The guest sends `frame` (a zero virtio_net_hdr, then the frame, in one buffer).
    void transmit(const std::vector<uint8_t>& frame) {
        std::vector<uint8_t> packet(sizeof(VirtioNetHdr), 0);
        packet.insert(packet.end(), frame.begin(), frame.end());
        const uint64_t gpa = tx_->alloc_with(packet);
        tx_->add_chain({{gpa, static_cast<uint32_t>(packet.size())}});
        net_->notify(VirtioNet::kTxQueue);
    }
    // The next frame the guest received, waiting up to kWait; nullopt if none came.
    std::optional<std::vector<uint8_t>> receive() {
        if (!eventually([&] { return rx_interrupts_.load() > taken_; })) return std::nullopt;
        ++taken_;
        auto used = rx_->take_used();
        if (!used) return std::nullopt;
        std::vector<uint8_t> bytes(used->len);
        EXPECT_TRUE(memory_.read(buffers_.at(static_cast<uint16_t>(used->id)), bytes));
        VirtioNetHdr header;
        std::memcpy(&header, bytes.data(), sizeof header);
        EXPECT_EQ(header.num_buffers, 1);
        return std::vector<uint8_t>(bytes.begin() + sizeof header, bytes.end());
    }
    VirtioNet::Counters counters() const { return net_->counters(); }

private:
    GuestMemory memory_;
    Mac mac_;
    SplitQueue queues_[2];
    std::optional<TestDriver> rx_, tx_;
    std::map<uint16_t, uint64_t> buffers_;  // receive chain head -> its buffer
    std::atomic<int> rx_interrupts_{0};
    int taken_ = 0;
    std::unique_ptr<VirtioNet> net_;
};

constexpr Mac kMacA = {0x52, 0x54, 0x00, 0x00, 0x01, 0x0a};
constexpr Mac kMacB = {0x52, 0x54, 0x00, 0x00, 0x01, 0x0b};
constexpr Mac kMacC = {0x52, 0x54, 0x00, 0x00, 0x01, 0x0c};
constexpr uint32_t kIpA = 0x0a000001, kIpB = 0x0a000002;  // 10.0.0.1, 10.0.0.2

TEST(SwitchedVirtioNet, ArpRequestIsBroadcastAndTheReplyIsUnicast) {
    auto lan = EthernetSwitch::create("lan0");
    Card a(*lan, "virtio-net0", kMacA), b(*lan, "virtio-net1", kMacB),
        c(*lan, "virtio-net2", kMacC);

    // A asks who has 10.0.0.2: every other card's guest gets the request.
    const auto request =
        ethernet(kBroadcastMac, kMacA, kEtherTypeArp, arp(1, kMacA, kIpA, Mac{}, kIpB));
    a.transmit(request);
    EXPECT_EQ(b.receive(), request);
    EXPECT_EQ(c.receive(), request);

    // B answers A: only A's guest gets it.
    const auto reply = ethernet(kMacA, kMacB, kEtherTypeArp, arp(2, kMacB, kIpB, kMacA, kIpA));
    b.transmit(reply);
    EXPECT_EQ(a.receive(), reply);

    // Then IP to the learned address, and a broadcast from B: C's next frame is the broadcast,
    // so it never saw the unicast frames.
    const uint8_t payload[] = {'p', 'i', 'n', 'g'};
    const auto unicast =
        ethernet(kMacB, kMacA, kEtherTypeIpv4, ipv4(kIpA, kIpB, kProtoUdp, udp(1000, 7, payload)));
    a.transmit(unicast);
    EXPECT_EQ(b.receive(), unicast);
    const auto marker = tagged(kBroadcastMac, kMacB, 0x77);
    b.transmit(marker);
    EXPECT_EQ(c.receive(), marker);
    EXPECT_EQ(a.receive(), marker);

    EXPECT_EQ(a.counters().tx_frames, 2u);
    EXPECT_EQ(a.counters().rx_frames, 2u);
    EXPECT_EQ(b.counters().rx_frames, 2u);
    EXPECT_EQ(c.counters().rx_frames, 2u);
    EXPECT_EQ(lan->learned_addresses(), 2u);  // C never spoke
}

TEST(SwitchedVirtioNet, ACardWithoutReceiveBuffersDropsAndTheOthersStillGetFrames) {
    auto lan = EthernetSwitch::create("lan0");
    Card a(*lan, "virtio-net0", kMacA), b(*lan, "virtio-net1", kMacB);
    // B's guest posted four buffers: the fifth and sixth broadcast find none there.
    for (uint8_t i = 1; i <= 6; ++i) a.transmit(tagged(kBroadcastMac, kMacA, i));
    for (uint8_t i = 1; i <= 4; ++i) {
        auto frame = b.receive();
        ASSERT_TRUE(frame);
        EXPECT_EQ(tag_of(*frame), i);
    }
    EXPECT_TRUE(eventually([&] { return b.counters().rx_dropped == 2; }));
    // A is not held up: it still hears B.
    b.transmit(tagged(kMacA, kMacB, 9));
    auto frame = a.receive();
    ASSERT_TRUE(frame);
    EXPECT_EQ(tag_of(*frame), 9);
}

}  // namespace
}  // namespace svm::virtio::test
