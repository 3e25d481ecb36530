// The learning switch (devices/virtio/ethernet_switch.h) with fake cards on its ports: flooding,
// learning, filtering, ageing on an injected clock, the table bound, runts and oversize frames,
// stop() while frames flow, an uplink, and several senders at once.
//
// Delivery is asynchronous (each port has its own thread), so "port C received nothing else" is
// checked with a marker: a later broadcast from the same sender reaches C after anything the
// sender sent before it (each port's queue is FIFO), so once C has the marker it has everything.
#include "devices/virtio/ethernet_switch.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <thread>
#include <vector>

#include "tests/unit/virtio/switch_test_support.h"

namespace svm::virtio::test {
namespace {

constexpr Mac kMacA = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0a};
constexpr Mac kMacB = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0b};
constexpr Mac kMacC = {0x52, 0x54, 0x00, 0x00, 0x00, 0x0c};
constexpr Mac kMacUnknown = {0x52, 0x54, 0x00, 0x00, 0x00, 0xee};
constexpr Mac kMulticast = {0x01, 0x00, 0x5e, 0x00, 0x00, 0xfb};  // 224.0.0.251 (mDNS)
constexpr uint8_t kMarker = 0xff;

MacAddress mac(const Mac& m) {
    return MacAddress{m};
}

// Three started cards A, B and C on one switch.
class SwitchTest : public ::testing::Test {
protected:
    void SetUp() override { make({}); }

    void make(SwitchOptions options) {
        options.now = [this] { return now_; };
        ports_.clear();
        switch_ = EthernetSwitch::create("lan0", std::move(options));
        const Mac* macs[] = {&kMacA, &kMacB, &kMacC};
        for (int i = 0; i < 3; ++i) {
            auto port = switch_->attach(std::string("card") + char('a' + i), mac(*macs[i]));
            ASSERT_TRUE(port) << port.error().message;
            ports_.push_back(std::move(*port));
            ASSERT_TRUE(ports_.back()->start(cards_[i].receiver()));
        }
    }

    void send(int from, const std::vector<uint8_t>& frame) {
        auto r = ports_[from]->send({}, frame);
        ASSERT_TRUE(r) << r.error().message;
    }
    // Broadcasts a marker from `from` and waits until every other card has it.
    void flush(int from, const Mac& src) {
        send(from, tagged(kBroadcastMac, src, kMarker));
        for (int i = 0; i < 3; ++i) {
            if (i != from) {
                ASSERT_TRUE(cards_[i].wait_for_tag(kMarker)) << "card " << i;
            }
        }
    }
    EthernetSwitch::PortCounters counters(size_t port) { return switch_->ports()[port].counters; }

    MacTable::TimePoint now_{};
    Recorder cards_[3];  // before the switch and ports: they outlive the receivers
    std::shared_ptr<EthernetSwitch> switch_;
    std::vector<std::unique_ptr<NetBackend>> ports_;
};

TEST_F(SwitchTest, FloodsBroadcastUnknownAndMulticastToEveryOtherPort) {
    send(0, tagged(kBroadcastMac, kMacA, 1));
    send(0, tagged(kMacUnknown, kMacA, 2));
    send(0, tagged(kMulticast, kMacA, 3));
    flush(0, kMacA);
    const std::vector<uint8_t> expected = {1, 2, 3, kMarker};
    EXPECT_EQ(cards_[1].tags(), expected);
    EXPECT_EQ(cards_[2].tags(), expected);
    // Nothing went back to A: a broadcast from B reaches A, and is all A has.
    flush(1, kMacB);
    EXPECT_EQ(cards_[0].tags(), std::vector<uint8_t>{kMarker});
    // The frames arrive whole.
    EXPECT_EQ(cards_[1].frames()[0], tagged(kBroadcastMac, kMacA, 1));
}

TEST_F(SwitchTest, LearnedDestinationsGetUnicastOnly) {
    send(0, tagged(kMacB, kMacA, 1));  // B unknown: flooded to B and C; A learned
    send(1, tagged(kMacA, kMacB, 2));  // A learned: to A only; B learned
    send(0, tagged(kMacB, kMacA, 3));  // B learned: to B only
    ASSERT_TRUE(cards_[0].wait_for_tag(2));
    flush(0, kMacA);
    EXPECT_EQ(cards_[1].tags(), (std::vector<uint8_t>{1, 3, kMarker}));
    EXPECT_EQ(cards_[2].tags(), (std::vector<uint8_t>{1, kMarker}));
    EXPECT_EQ(switch_->learned_addresses(), 2u);
}

TEST_F(SwitchTest, AFrameForTheSendersOwnSegmentIsFiltered) {
    send(0, tagged(kBroadcastMac, kMacA, 1));  // A learned on port A
    send(0, tagged(kMacA, kMacA, 2));          // to A, from port A: nowhere
    flush(0, kMacA);
    EXPECT_EQ(cards_[1].tags(), (std::vector<uint8_t>{1, kMarker}));
    flush(1, kMacB);
    EXPECT_EQ(cards_[0].tags(), std::vector<uint8_t>{kMarker});
}

TEST_F(SwitchTest, AStationThatMovesIsFollowed) {
    send(0, tagged(kBroadcastMac, kMacA, 1));  // A on port A
    send(2, tagged(kBroadcastMac, kMacA, 2));  // now A speaks from port C (the guest moved)
    ASSERT_TRUE(cards_[1].wait_for_tag(2));
    send(1, tagged(kMacA, kMacB, 3));  // to A: port C only
    flush(1, kMacB);
    EXPECT_EQ(cards_[2].tags(), (std::vector<uint8_t>{1, 3, kMarker}));
}

TEST_F(SwitchTest, AddressesAgeOut) {
    send(1, tagged(kBroadcastMac, kMacB, 1));  // B learned at t = 0
    ASSERT_TRUE(cards_[0].wait_for_tag(1));
    now_ += std::chrono::seconds(299);
    send(0, tagged(kMacB, kMacA, 2));  // still known: B only
    flush(0, kMacA);
    EXPECT_EQ(cards_[2].tags(), (std::vector<uint8_t>{1, kMarker}));
    now_ += std::chrono::seconds(2);   // 301 s after B was last heard
    send(0, tagged(kMacB, kMacA, 3));  // forgotten: flooded
    ASSERT_TRUE(cards_[2].wait_for_tag(3));
    ASSERT_TRUE(cards_[1].wait_for_tag(3));
    EXPECT_EQ(cards_[1].tags(), (std::vector<uint8_t>{2, kMarker, 3}));
}

TEST_F(SwitchTest, TheTableIsBoundedAndStillForwards) {
    SwitchOptions options;
    options.max_addresses = 2;
    make(options);
    send(0, tagged(kBroadcastMac, kMacA, 1));
    send(1, tagged(kBroadcastMac, kMacB, 2));
    send(2, tagged(kBroadcastMac, kMacC, 3));  // full: C is not learned
    ASSERT_TRUE(cards_[0].wait_for_tag(3));
    EXPECT_EQ(switch_->learned_addresses(), 2u);
    send(0, tagged(kMacC, kMacA, 4));  // unknown C: flooded, so it still arrives
    ASSERT_TRUE(cards_[2].wait_for_tag(4));
    ASSERT_TRUE(cards_[1].wait_for_tag(4));
    // Once A ages out, C is learned in its place.
    now_ += std::chrono::seconds(301);
    send(2, tagged(kBroadcastMac, kMacC, 5));
    ASSERT_TRUE(cards_[0].wait_for_tag(5));
    send(0, tagged(kMacC, kMacA, 6));
    flush(0, kMacA);
    const auto b = cards_[1].tags();
    EXPECT_EQ(std::count(b.begin(), b.end(), 6), 0);
}

TEST_F(SwitchTest, RuntsAndOversizeFramesAreDroppedAndCounted) {
    std::vector<uint8_t> runt(13, 0xff);
    EXPECT_FALSE(ports_[0]->send({}, runt));
    std::vector<uint8_t> huge(kMaxFrameBytes + 1, 0xff);
    EXPECT_FALSE(ports_[0]->send({}, huge));
    std::vector<uint8_t> smallest(14, 0xff);  // a header and no payload is forwarded
    smallest[6] = 0x52;
    EXPECT_TRUE(ports_[0]->send({}, smallest));
    std::vector<uint8_t> largest(kMaxFrameBytes, 0xff);
    largest[6] = 0x52;
    EXPECT_TRUE(ports_[0]->send({}, largest));
    ASSERT_TRUE(cards_[1].wait_for_count(2));
    EXPECT_EQ(cards_[1].frames()[1].size(), kMaxFrameBytes);
    const auto a = counters(0);
    EXPECT_EQ(a.in_dropped, 2u);
    EXPECT_EQ(a.in_frames, 2u);
    flush(0, kMacA);
    EXPECT_TRUE(eventually([&] { return counters(1).out_frames == 3; }));
}

TEST_F(SwitchTest, DuplicateMacsAreRefused) {
    auto again = switch_->attach("card-d", mac(kMacB));
    ASSERT_FALSE(again);
    EXPECT_NE(again.error().message.find("52:54:00:00:00:0b"), std::string::npos);
    EXPECT_NE(again.error().message.find("cardb"), std::string::npos);
    // Once B's card is gone, its address is free.
    ports_[1].reset();
    EXPECT_TRUE(switch_->attach("card-d", mac(kMacB)));
}

TEST_F(SwitchTest, AStoppedPortGetsNothingAndIsForgotten) {
    send(1, tagged(kBroadcastMac, kMacB, 1));  // B learned
    ASSERT_TRUE(cards_[0].wait_for_tag(1));
    ports_[1]->stop();
    EXPECT_EQ(switch_->learned_addresses(), 0u);  // B's address went with its port
    send(0, tagged(kMacB, kMacA, 2));             // unknown again: flooded to C
    send(0, tagged(kBroadcastMac, kMacA, 3));
    ASSERT_TRUE(cards_[2].wait_for_tag(3));
    EXPECT_EQ(cards_[2].tags(), (std::vector<uint8_t>{1, 2, 3}));
    EXPECT_EQ(cards_[1].tags(), std::vector<uint8_t>{});
    // Started again, it receives again.
    ASSERT_TRUE(ports_[1]->start(cards_[1].receiver()));
    EXPECT_FALSE(ports_[1]->start(cards_[1].receiver()));  // already
    send(0, tagged(kBroadcastMac, kMacA, 4));
    EXPECT_TRUE(cards_[1].wait_for_tag(4));
}

TEST_F(SwitchTest, DetachedPortsLeaveTheSwitch) {
    EXPECT_EQ(switch_->ports().size(), 3u);
    ports_[2].reset();
    const auto ports = switch_->ports();
    ASSERT_EQ(ports.size(), 2u);
    EXPECT_EQ(ports[0].name, "carda");
    EXPECT_EQ(ports[1].name, "cardb");
}

TEST_F(SwitchTest, AReceiverThatAnswersAtOnceDoesNotDeadlock) {
    // B answers every frame from inside its receiver, as a guest answering ARP at once would.
    Recorder b_seen;
    ports_[1]->stop();
    NetBackend* b = ports_[1].get();
    auto record = b_seen.receiver();
    ASSERT_TRUE(b->start([&, record](const VirtioNetHdr& h, std::span<const uint8_t> frame) {
        record(h, frame);
        if (tag_of(frame) < 100) (void)b->send({}, tagged(kMacA, kMacB, tag_of(frame) + 100));
    }));
    for (uint8_t i = 1; i <= 50; ++i) send(0, tagged(kBroadcastMac, kMacA, i));
    ASSERT_TRUE(cards_[0].wait_for_count(50));
    EXPECT_EQ(cards_[0].tags().back(), 150);
    ports_[1]->stop();  // before b_seen goes
}

TEST_F(SwitchTest, AFullQueueDropsAndCounts) {
    SwitchOptions options;
    options.queue_frames = 4;
    make(options);
    // B's card is slow: its receiver waits until released.
    std::mutex gate;
    std::unique_lock hold(gate);
    std::atomic<int> received{0};
    ports_[1]->stop();
    ASSERT_TRUE(ports_[1]->start([&](const VirtioNetHdr&, std::span<const uint8_t>) {
        std::lock_guard wait(gate);
        ++received;
    }));
    for (uint8_t i = 1; i <= 20; ++i) send(0, tagged(kMacB, kMacA, i));
    // One frame in the receiver (if its thread took it in time) and four queued were kept; the
    // rest were counted as lost.
    const uint64_t dropped = counters(1).out_dropped;
    EXPECT_GE(dropped, 15u);
    EXPECT_LE(dropped, 16u);
    hold.unlock();
    EXPECT_TRUE(eventually([&] { return counters(1).out_frames == 20 - dropped; }));
    EXPECT_EQ(received.load(), static_cast<int>(20 - dropped));
    ports_[1]->stop();  // before the gate goes
}

// stop() returns only when the receiver is not running, and the receiver is never called after:
// checked with frames flooding in from other threads.
TEST(EthernetSwitch, NoDeliveryAfterStopReturns) {
    for (int round = 0; round < 20; ++round) {
        auto lan = EthernetSwitch::create("lan0");
        auto sender = lan->attach("sender", std::nullopt).value();
        auto receiver = lan->attach("receiver", std::nullopt).value();
        std::atomic<bool> stopped{false};
        std::atomic<int> late_calls{0}, calls{0};
        ASSERT_TRUE(receiver->start([&](const VirtioNetHdr&, std::span<const uint8_t>) {
            if (stopped) ++late_calls;
            ++calls;
            std::this_thread::yield();
        }));
        std::atomic<bool> done{false};
        std::vector<std::thread> threads;
        for (int t = 0; t < 3; ++t)
            threads.emplace_back([&, t] {
                const Mac src = {0x52, 0x54, 0x00, 0x01, 0x00, static_cast<uint8_t>(t)};
                while (!done) (void)sender->send({}, tagged(kBroadcastMac, src, 1));
            });
        while (calls < 10) std::this_thread::yield();
        receiver->stop();
        stopped = true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        done = true;
        for (auto& t : threads) t.join();
        EXPECT_EQ(late_calls.load(), 0);
    }
}

// Several cards send at once; every card receives every frame the others sent, in each
// sender's order.
TEST(EthernetSwitch, ConcurrentSendersLoseNothingWithRoomToQueue) {
    constexpr int kCards = 4;
    constexpr int kFrames = 2000;
    SwitchOptions options;
    options.queue_frames = kCards * kFrames;
    options.queue_bytes = 64u << 20;
    auto lan = EthernetSwitch::create("lan0", options);
    Recorder cards[kCards];
    std::vector<std::unique_ptr<NetBackend>> ports;
    for (int i = 0; i < kCards; ++i) {
        ports.push_back(lan->attach("card" + std::to_string(i), std::nullopt).value());
        ASSERT_TRUE(ports.back()->start(cards[i].receiver()));
    }
    std::vector<std::thread> threads;
    for (int i = 0; i < kCards; ++i)
        threads.emplace_back([&, i] {
            const Mac src = {0x52, 0x54, 0x00, 0x02, 0x00, static_cast<uint8_t>(i)};
            for (int n = 0; n < kFrames; ++n) {
                auto frame = tagged(kBroadcastMac, src, static_cast<uint8_t>(i));
                frame[15] = static_cast<uint8_t>(n >> 8);
                frame[16] = static_cast<uint8_t>(n);
                EXPECT_TRUE(ports[i]->send({}, frame));
            }
        });
    for (auto& t : threads) t.join();
    for (int i = 0; i < kCards; ++i) {
        ASSERT_TRUE(cards[i].wait_for_count((kCards - 1) * kFrames)) << "card " << i;
        int next[kCards] = {};
        for (const auto& frame : cards[i].frames()) {
            const int from = tag_of(frame);
            ASSERT_NE(from, i) << "a frame came back to its sender";
            EXPECT_EQ(frame[15] << 8 | frame[16], next[from]++) << "out of order from " << from;
        }
    }
    for (const auto& port : lan->ports()) {
        EXPECT_EQ(port.counters.in_frames, uint64_t{kFrames});
        EXPECT_EQ(port.counters.out_frames, uint64_t{(kCards - 1) * kFrames});
        EXPECT_EQ(port.counters.out_dropped, 0u);
    }
}

TEST(EthernetSwitch, UplinkIsOneMorePort) {
    FakeUplinkState host;
    Recorder card_a, card_b;
    auto lan = EthernetSwitch::create("lan0");
    auto a = lan->attach("a", mac(kMacA)).value();
    auto b = lan->attach("b", mac(kMacB)).value();
    ASSERT_TRUE(a->start(card_a.receiver()));
    ASSERT_TRUE(b->start(card_b.receiver()));
    int made = 0;
    auto make = [&]() -> Result<std::unique_ptr<NetBackend>> {
        ++made;
        return std::unique_ptr<NetBackend>(std::make_unique<FakeUplink>(host));
    };
    ASSERT_TRUE(lan->ensure_uplink("user", make));
    ASSERT_TRUE(lan->ensure_uplink("user", make));  // the same uplink again: nothing new
    EXPECT_EQ(made, 1);
    EXPECT_TRUE(host.started);
    EXPECT_EQ(lan->uplink(), "user");
    auto other = lan->ensure_uplink("tap:svm0", make);
    ASSERT_FALSE(other);
    EXPECT_NE(other.error().message.find("user"), std::string::npos) << other.error().message;
    EXPECT_NE(other.error().message.find("tap:svm0"), std::string::npos);

    // A broadcast from a card reaches the other card and the host.
    ASSERT_TRUE(a->send({}, tagged(kBroadcastMac, kMacA, 1)));
    ASSERT_TRUE(card_b.wait_for_tag(1));
    {
        std::lock_guard lock(host.mutex);
        ASSERT_EQ(host.sent.size(), 1u);
        EXPECT_EQ(tag_of(host.sent[0]), 1);
    }
    // The host answers A (learned on A's port) from its own address: A only.
    const Mac host_mac = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
    host.receiver({}, tagged(kMacA, host_mac, 2));
    ASSERT_TRUE(card_a.wait_for_tag(2));
    // A answers the host, now learned on the uplink: the host only.
    ASSERT_TRUE(a->send({}, tagged(host_mac, kMacA, 3)));
    ASSERT_TRUE(a->send({}, tagged(kBroadcastMac, kMacA, 4)));
    ASSERT_TRUE(card_b.wait_for_tag(4));
    EXPECT_EQ(card_b.tags(), (std::vector<uint8_t>{1, 4}));
    {
        std::lock_guard lock(host.mutex);
        ASSERT_EQ(host.sent.size(), 3u);
        EXPECT_EQ(tag_of(host.sent[1]), 3);
    }
    const auto ports = lan->ports();
    ASSERT_EQ(ports.size(), 3u);
    EXPECT_TRUE(ports[2].uplink);
    EXPECT_EQ(ports[2].counters.in_frames, 1u);
    EXPECT_EQ(ports[2].counters.out_frames, 3u);
    // The uplink stops with the switch, which goes with its last card.
    std::weak_ptr<EthernetSwitch> weak = lan;
    lan.reset();
    a.reset();
    EXPECT_FALSE(host.stopped);
    b.reset();
    EXPECT_TRUE(weak.expired());
    EXPECT_TRUE(host.stopped);
}

TEST(EthernetSwitch, AnUplinkThatCannotBeMadeLeavesNone) {
    auto lan = EthernetSwitch::create("lan0");
    auto r = lan->ensure_uplink(
        "tap:nope", []() -> Result<std::unique_ptr<NetBackend>> { return error("no TAP here"); });
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "no TAP here");
    EXPECT_EQ(lan->uplink(), "");
    EXPECT_TRUE(lan->ports().empty());
}

}  // namespace
}  // namespace svm::virtio::test
