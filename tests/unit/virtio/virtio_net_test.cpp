// virtio-net (virtio 1.2, 5.1) driven through the test driver's rings, with a fake back-end.
#include "devices/virtio/virtio_net.h"

#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "tests/unit/virtio/test_driver.h"

namespace svm::virtio::test {
namespace {

// Records what the device sends; lets the test play the host side of receive.
struct FakeBackendState {
    std::vector<std::vector<uint8_t>> sent;
    std::vector<VirtioNetHdr> sent_headers;
    NetBackend::Receiver receiver;
    bool refuse = false;
    bool stopped = false;
};

class FakeBackend final : public NetBackend {
public:
    explicit FakeBackend(FakeBackendState& state) : state_(state) {}
    Result<void> send(const VirtioNetHdr& header, std::span<const uint8_t> frame) override {
        if (state_.refuse) return error("refused");
        state_.sent_headers.push_back(header);
        state_.sent.emplace_back(frame.begin(), frame.end());
        return {};
    }
    Result<void> start(Receiver receiver) override {
        state_.receiver = std::move(receiver);
        return {};
    }
    void stop() override { state_.stopped = true; }

private:
    FakeBackendState& state_;
};

constexpr uint64_t kAllFeatures = kFeatureVersion1 | kFeatureIndirectDesc | kFeatureEventIdx |
                                  kNetFeatureMac | kNetFeatureStatus | kNetFeatureMrgRxbuf;

class VirtioNetTest : public ::testing::Test {
protected:
    VirtioNetTest() : memory_(GuestMemory::create(1ull << 20).value()) {
        net_ = VirtioNet::create(std::make_unique<FakeBackend>(backend_),
                                 MacAddress{{0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc}})
                   .value();
    }

    void start(uint64_t features) {
        rx_.emplace(memory_, TestDriver::layout_at(0x1000, 8), 0x40000);
        tx_.emplace(memory_, TestDriver::layout_at(0x10000, 8), 0x80000);
        for (auto& q : queues_) q.reset();
        bool event_idx = (features & kFeatureEventIdx) != 0;
        bool indirect = (features & kFeatureIndirectDesc) != 0;
        ASSERT_TRUE(queues_[0].enable(memory_, rx_->layout(), event_idx, indirect));
        ASSERT_TRUE(queues_[1].enable(memory_, tx_->layout(), event_idx, indirect));
        DeviceContext context;
        context.memory = &memory_;
        context.queues = queues_;
        context.features = features;
        context.interrupt = [this](uint16_t index) { ++interrupts_[index]; };
        context.needs_reset = [this](const std::string& why) { resets_.push_back(why); };
        ASSERT_TRUE(net_->activate(context));
    }

    void receive(const std::vector<uint8_t>& frame) { backend_.receiver({}, frame); }

    std::vector<uint8_t> bytes_at(uint64_t gpa, size_t len) {
        std::vector<uint8_t> out(len);
        EXPECT_TRUE(memory_.read(gpa, out));
        return out;
    }
    VirtioNetHdr header_at(uint64_t gpa) {
        VirtioNetHdr h;
        auto b = bytes_at(gpa, sizeof h);
        std::memcpy(&h, b.data(), sizeof h);
        return h;
    }
    static std::vector<uint8_t> pattern(size_t n, uint8_t seed) {
        std::vector<uint8_t> v(n);
        for (size_t i = 0; i < n; ++i) v[i] = static_cast<uint8_t>(seed + i);
        return v;
    }

    GuestMemory memory_;
    FakeBackendState backend_;
    std::unique_ptr<VirtioNet> net_;
    SplitQueue queues_[2];
    std::optional<TestDriver> rx_, tx_;
    int interrupts_[2] = {};
    std::vector<std::string> resets_;
};

TEST_F(VirtioNetTest, IdentityFeaturesAndConfig) {
    EXPECT_EQ(net_->device_id(), 1u);
    EXPECT_EQ(net_->num_queues(), 2);
    EXPECT_EQ(net_->device_features(), kAllFeatures);
    uint8_t config[16];
    std::memset(config, 0xff, sizeof config);
    net_->read_config(0, config);
    const uint8_t expected[16] = {0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc, 1, 0};
    EXPECT_EQ(std::memcmp(config, expected, sizeof config), 0);
    uint8_t status[2];
    net_->read_config(6, status);
    EXPECT_EQ(status[0], kNetStatusLinkUp);
    EXPECT_EQ(status[1], 0);
    uint8_t past[4] = {9, 9, 9, 9};
    net_->read_config(0x100, past);
    EXPECT_EQ(past[0] | past[1] | past[2] | past[3], 0);
}

TEST_F(VirtioNetTest, DestructorStopsTheBackend) {
    net_.reset();
    EXPECT_TRUE(backend_.stopped);
}

TEST_F(VirtioNetTest, TransmitStripsTheHeader) {
    start(kAllFeatures);
    auto frame = pattern(60, 1);
    // Header and frame in separate buffers, as Linux lays them out, and together in one.
    uint64_t header = tx_->alloc(12), data = tx_->alloc_with(frame);
    tx_->add_chain({{header, 12}, {data, 60}});
    std::vector<uint8_t> joined(12, 0);
    joined.insert(joined.end(), frame.begin(), frame.end());
    joined[12] = 0x77;
    uint64_t one = tx_->alloc_with(joined);
    tx_->add_chain({{one, static_cast<uint32_t>(joined.size())}});
    net_->notify(VirtioNet::kTxQueue);

    ASSERT_EQ(backend_.sent.size(), 2u);
    EXPECT_EQ(backend_.sent[0], frame);
    EXPECT_EQ(backend_.sent[1], std::vector<uint8_t>(joined.begin() + 12, joined.end()));
    auto used = tx_->take_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->len, 0u);
    EXPECT_TRUE(tx_->take_used());
    EXPECT_EQ(interrupts_[1], 1);
    EXPECT_EQ(net_->counters().tx_frames, 2u);
    EXPECT_TRUE(resets_.empty());
}

TEST_F(VirtioNetTest, TransmitThroughIndirectTable) {
    start(kAllFeatures);
    auto frame = pattern(100, 7);
    uint64_t header = tx_->alloc(12), data = tx_->alloc_with(frame);
    tx_->add_indirect(tx_->alloc(32), {{header, 12}, {data, 100}});
    net_->notify(VirtioNet::kTxQueue);
    ASSERT_EQ(backend_.sent.size(), 1u);
    EXPECT_EQ(backend_.sent[0], frame);
}

TEST_F(VirtioNetTest, RefusedFrameIsCountedAndReturned) {
    start(kAllFeatures);
    backend_.refuse = true;
    uint64_t buf = tx_->alloc(12 + 60);
    tx_->add_chain({{buf, 72}});
    net_->notify(VirtioNet::kTxQueue);
    EXPECT_TRUE(tx_->take_used());
    EXPECT_EQ(net_->counters().tx_dropped, 1u);
    EXPECT_TRUE(resets_.empty());
}

TEST_F(VirtioNetTest, TransmitChainShorterThanTheHeaderNeedsReset) {
    start(kAllFeatures);
    uint64_t buf = tx_->alloc(8);
    tx_->add_chain({{buf, 8}});
    net_->notify(VirtioNet::kTxQueue);
    ASSERT_EQ(resets_.size(), 1u);
    EXPECT_NE(resets_[0].find("virtio-net 52:54:00:aa:bb:cc"), std::string::npos);
    EXPECT_TRUE(backend_.sent.empty());
    net_->notify(VirtioNet::kTxQueue);
    EXPECT_EQ(resets_.size(), 1u);
}

TEST_F(VirtioNetTest, ReceiveIntoOneBuffer) {
    start(kAllFeatures);
    uint64_t buf = rx_->alloc(1526);
    rx_->add_chain({{buf, 1526, true}});
    auto frame = pattern(98, 3);
    receive(frame);
    auto used = rx_->take_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->len, 12u + 98);
    VirtioNetHdr h = header_at(buf);
    EXPECT_EQ(h.num_buffers, 1);
    EXPECT_EQ(h.flags, 0);
    EXPECT_EQ(h.gso_type, 0);
    EXPECT_EQ(bytes_at(buf + 12, 98), frame);
    EXPECT_EQ(interrupts_[0], 1);
    EXPECT_EQ(net_->counters().rx_frames, 1u);
}

TEST_F(VirtioNetTest, ReceiveMergesBuffers) {
    start(kAllFeatures);
    uint64_t a = rx_->alloc(64), b = rx_->alloc(64), c = rx_->alloc(64);
    rx_->add_chain({{a, 64, true}});
    rx_->add_chain({{b, 64, true}});
    rx_->add_chain({{c, 64, true}});
    auto frame = pattern(100, 9);  // 112 bytes with the header: two buffers
    receive(frame);
    auto first = rx_->take_used(), second = rx_->take_used();
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->len, 64u);
    EXPECT_EQ(second->len, 48u);
    EXPECT_FALSE(rx_->take_used());
    EXPECT_EQ(header_at(a).num_buffers, 2);
    auto got = bytes_at(a + 12, 52);
    auto rest = bytes_at(b, 48);
    got.insert(got.end(), rest.begin(), rest.end());
    EXPECT_EQ(got, frame);

    // The third buffer, already taken from the ring, serves the next frame.
    receive(pattern(20, 0));
    auto third = rx_->take_used();
    ASSERT_TRUE(third);
    EXPECT_EQ(third->id, 2u);
    EXPECT_EQ(third->len, 32u);
    EXPECT_EQ(header_at(c).num_buffers, 1);
}

TEST_F(VirtioNetTest, WithoutMergeOneChainPerFrame) {
    start(kAllFeatures & ~kNetFeatureMrgRxbuf);
    uint64_t a = rx_->alloc(64), b = rx_->alloc(64), big = rx_->alloc(256);
    rx_->add_chain({{a, 64, true}});
    receive(pattern(100, 1));  // does not fit the one chain: dropped, the chain kept
    EXPECT_FALSE(rx_->take_used());
    EXPECT_EQ(net_->counters().rx_dropped, 1u);
    receive(pattern(40, 1));
    auto used = rx_->take_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->len, 52u);
    EXPECT_EQ(header_at(a).num_buffers, 1);
    // A chain of two descriptors holds one frame.
    rx_->add_chain({{b, 64, true}, {big, 256, true}});
    auto frame = pattern(200, 5);
    receive(frame);
    used = rx_->take_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->len, 212u);
    EXPECT_EQ(header_at(b).num_buffers, 1);
    EXPECT_EQ(bytes_at(big, 148), std::vector<uint8_t>(frame.begin() + 52, frame.end()));
}

TEST_F(VirtioNetTest, DropsWithoutBuffers) {
    receive(pattern(60, 0));  // not activated
    EXPECT_EQ(net_->counters().rx_dropped, 1u);
    start(kAllFeatures);
    receive(pattern(60, 0));  // no buffers
    EXPECT_EQ(net_->counters().rx_dropped, 2u);
    EXPECT_EQ(interrupts_[0], 0);
    EXPECT_TRUE(resets_.empty());
    uint64_t buf = rx_->alloc(1526);
    rx_->add_chain({{buf, 1526, true}});
    receive(pattern(60, 0));
    EXPECT_TRUE(rx_->take_used());
    EXPECT_EQ(net_->counters().rx_frames, 1u);
}

TEST_F(VirtioNetTest, ReadableReceiveBufferNeedsReset) {
    start(kAllFeatures);
    uint64_t buf = rx_->alloc(64);
    rx_->add_chain({{buf, 64, false}});
    receive(pattern(20, 0));
    EXPECT_EQ(resets_.size(), 1u);
    EXPECT_FALSE(rx_->take_used());
}

TEST_F(VirtioNetTest, ReceiveBufferShorterThanTheHeaderNeedsReset) {
    start(kAllFeatures);
    uint64_t buf = rx_->alloc(8);
    rx_->add_chain({{buf, 8, true}});
    receive(pattern(20, 0));
    EXPECT_EQ(resets_.size(), 1u);
}

TEST_F(VirtioNetTest, ResetForgetsHeldBuffers) {
    start(kAllFeatures);
    uint64_t a = rx_->alloc(64);
    rx_->add_chain({{a, 64, true}});
    receive(pattern(100, 0));  // takes the chain, cannot use it: dropped
    net_->reset();
    start(kAllFeatures);
    receive(pattern(20, 0));  // the old chain is gone with the reset
    EXPECT_FALSE(rx_->take_used());
    EXPECT_EQ(net_->counters().rx_dropped, 2u);
}

TEST(MacAddress, Parses) {
    auto mac = parse_mac("52:54:00:aB:Cd:ef");
    ASSERT_TRUE(mac);
    EXPECT_EQ(mac->bytes, (std::array<uint8_t, 6>{0x52, 0x54, 0x00, 0xab, 0xcd, 0xef}));
    EXPECT_EQ(mac->to_string(), "52:54:00:ab:cd:ef");
}

TEST(MacAddress, RejectsMalformed) {
    for (const char* bad : {"", "52:54:00:ab:cd", "52:54:00:ab:cd:ef:00", "52-54-00-ab-cd-ef",
                            "52:54:00:ab:cd:eg", "5:254:00:ab:cd:ef", "52:54:00:ab:cd:e"}) {
        auto mac = parse_mac(bad);
        ASSERT_FALSE(mac) << bad;
        EXPECT_NE(mac.error().message.find("six two-digit hex bytes"), std::string::npos) << bad;
    }
}

TEST(MacAddress, RejectsMulticast) {
    auto mac = parse_mac("01:00:5e:00:00:01");
    ASSERT_FALSE(mac);
    EXPECT_NE(mac.error().message.find("multicast"), std::string::npos);
}

TEST(MacAddress, DefaultIsStableAndPerName) {
    MacAddress a = default_mac("vm-a"), b = default_mac("vm-b");
    EXPECT_EQ(a, default_mac("vm-a"));
    EXPECT_NE(a, b);
    EXPECT_EQ(a.bytes[0], 0x52);
    EXPECT_EQ(a.bytes[1], 0x54);
    EXPECT_EQ(a.bytes[2], 0x00);
    EXPECT_TRUE(parse_mac(a.to_string()));
}

}  // namespace
}  // namespace svm::virtio::test
