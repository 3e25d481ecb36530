// virtio-net (OASIS virtio 1.2, 5.1 "Network Device") in front of a NetBackend: one receive
// queue (0) and one transmit queue (1), no control queue yet. Offered features: VERSION_1, MAC,
// STATUS (the link is always up), MRG_RXBUF, INDIRECT_DESC and RING_EVENT_IDX; no checksum or
// segmentation offloads, so every header the guest sees is zero but for num_buffers.
//
// Transmit runs on the transport's I/O thread (notify(1)); receive runs on the back-end's thread
// (its Receiver). A frame that arrives while the guest has no receive buffer for it is dropped
// and counted: nothing polls, and nothing queues frames without bound.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "devices/virtio/net_backend.h"
#include "devices/virtio/virtio_device.h"

namespace svm::virtio {

// Feature bits (5.1.3).
constexpr uint64_t kNetFeatureMac = 1ull << 5;        // VIRTIO_NET_F_MAC
constexpr uint64_t kNetFeatureMrgRxbuf = 1ull << 15;  // VIRTIO_NET_F_MRG_RXBUF
constexpr uint64_t kNetFeatureStatus = 1ull << 16;    // VIRTIO_NET_F_STATUS

// virtio_net_config.status bits (5.1.4).
constexpr uint16_t kNetStatusLinkUp = 1;  // VIRTIO_NET_S_LINK_UP

struct MacAddress {
    std::array<uint8_t, 6> bytes{};

    bool operator==(const MacAddress&) const = default;
    // "52:54:00:12:34:56".
    std::string to_string() const;
};

// Parses six colon-separated two-digit hex bytes ("52:54:00:ab:CD:ef"), the `mac=` option.
// Rejects other shapes, and multicast addresses (the low bit of the first byte), which a NIC
// cannot have; the error names the option and the expected form.
Result<MacAddress> parse_mac(std::string_view text);
// A stable default for a VM called `vm_name`: QEMU's 52:54:00 prefix (locally administered,
// unicast), then three bytes of a 64-bit FNV-1a hash of the name, so the same VM keeps its
// address (and its DHCP lease) across runs and two VMs with different names differ.
MacAddress default_mac(std::string_view vm_name);

// struct virtio_net_config (5.1.4) up to mtu, little-endian. max_virtqueue_pairs and mtu exist
// only with MQ/RSS and MTU, which are not offered; they read 0.
struct [[gnu::packed]] VirtioNetConfig {
    uint8_t mac[6];
    uint16_t status;
    uint16_t max_virtqueue_pairs;
    uint16_t mtu;
};
static_assert(sizeof(VirtioNetConfig) == 12);

class VirtioNet final : public VirtioDevice {
public:
    static constexpr uint16_t kQueueSize = 256;
    static constexpr uint16_t kRxQueue = 0;  // receiveq1 (5.1.2)
    static constexpr uint16_t kTxQueue = 1;  // transmitq1

    // Frames counted since creation (never reset: they describe the host side too).
    struct Counters {
        uint64_t tx_frames = 0;   // handed to the back-end
        uint64_t tx_dropped = 0;  // too long, or the back-end refused them
        uint64_t rx_frames = 0;   // delivered into guest buffers
        uint64_t rx_dropped = 0;  // no (big enough) guest buffer, or the device not running
    };

    // Starts `backend` delivering received frames to the device (it stops in the destructor).
    static Result<std::unique_ptr<VirtioNet>> create(std::unique_ptr<NetBackend> backend,
                                                     MacAddress mac);
    ~VirtioNet() override;

    VirtioNet(const VirtioNet&) = delete;
    VirtioNet& operator=(const VirtioNet&) = delete;

    const MacAddress& mac() const { return mac_; }
    // Stops the back-end: when this returns no frame is being or will be received (the machine
    // calls it when the run ends, before it tears down what receiving uses). Idempotent; the
    // destructor calls it.
    void stop_backend() { backend_->stop(); }
    Counters counters() const;

    // ^VirtioDevice
    uint32_t device_id() const override { return kDeviceNet; }
    uint64_t device_features() const override {
        return kFeatureVersion1 | kFeatureIndirectDesc | kFeatureEventIdx | kNetFeatureMac |
               kNetFeatureStatus | kNetFeatureMrgRxbuf;
    }
    uint16_t num_queues() const override { return 2; }
    uint16_t queue_max_size(uint16_t) const override { return kQueueSize; }
    void read_config(uint32_t offset, std::span<uint8_t> out) const override;
    Result<void> activate(const DeviceContext& context) override;
    void notify(uint16_t index) override;
    void change_queues(const std::function<void()>& change) override;
    void reset() override;

private:
    VirtioNet(std::unique_ptr<NetBackend> backend, MacAddress mac);

    // The back-end's Receiver: copies one frame into receive buffers (5.1.6.4).
    void receive(std::span<const uint8_t> frame);
    // Takes chains from the receive queue into rx_chains_ until they hold `bytes` (one chain
    // without MRG_RXBUF). False if the device failed. Requires mutex_.
    bool gather_rx(uint64_t bytes);
    // Sends one transmit chain (5.1.6.2) and returns it. False if the device failed.
    bool transmit(const Chain& chain);

    std::unique_ptr<NetBackend> backend_;
    MacAddress mac_;
    VirtioNetConfig config_{};

    // A transport that resets or enables one queue (virtio-mmio QueueReady) does it through
    // change_queues(), under mutex_, so the back-end's thread is never in receive() meanwhile;
    // rx_chains_ is dropped with the receive queue.
    //
    // Lock order: the transport's device lock (it calls activate/notify/reset with it held),
    // then mutex_, then the transport's register lock (taken by the interrupt and needs_reset
    // callbacks). The back-end's thread takes only mutex_ and then the callbacks' lock.
    mutable std::mutex mutex_;
    Activation activation_;
    // Receive chains popped from the ring but not yet used: a frame that needs more buffers
    // than are available leaves them here for the next one (the ring cannot un-pop).
    std::deque<Chain> rx_chains_;

    std::atomic<uint64_t> tx_frames_{0}, tx_dropped_{0}, rx_frames_{0}, rx_dropped_{0};
};

}  // namespace svm::virtio
