// The host side of a network device: something that carries Ethernet frames to and from the
// guest's virtio-net (a TAP device, user-mode networking, or a test's fake). A frame travels
// with its struct virtio_net_hdr (OASIS virtio 1.2, 5.1.6 "Device Operation"), the header Linux
// TAP devices speak with IFF_VNET_HDR, so offloads can be passed through later unchanged.
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "core/result.h"

namespace svm::virtio {

// struct virtio_net_hdr (5.1.6), little-endian, 12 bytes: the size of the header with VERSION_1
// whether or not MRG_RXBUF is negotiated (5.1.6.1), and the size svm sets with TUNSETVNETHDRSZ.
struct [[gnu::packed]] VirtioNetHdr {
    uint8_t flags = 0;     // VIRTIO_NET_HDR_F_NEEDS_CSUM (1), _DATA_VALID (2), _RSC_INFO (4)
    uint8_t gso_type = 0;  // VIRTIO_NET_HDR_GSO_NONE (0), ...
    uint16_t hdr_len = 0;
    uint16_t gso_size = 0;
    uint16_t csum_start = 0;
    uint16_t csum_offset = 0;
    uint16_t num_buffers = 0;  // receive only: how many buffers the frame spans (5.1.6.4)
};
static_assert(sizeof(VirtioNetHdr) == 12);

// The longest frame a back-end carries: 64 KiB, the largest a TAP device hands over with GSO
// (QEMU's VIRTIO_NET_MAX_BUFSIZE), well above an Ethernet frame of the default 1500-byte MTU.
constexpr size_t kMaxFrameBytes = 64 * 1024;

class NetBackend {
public:
    // Called once per frame received from the host side, on the back-end's own thread (never
    // concurrently with itself). `frame` is valid only during the call.
    using Receiver =
        std::function<void(const VirtioNetHdr& header, std::span<const uint8_t> frame)>;

    virtual ~NetBackend() = default;

    // Sends one Ethernet frame (without FCS) towards the host. Safe from any thread, concurrently
    // with receiving. Returns an error if the frame was dropped (the host queue is full, the
    // frame is longer than kMaxFrameBytes, the interface went away); per-packet: never throws.
    virtual Result<void> send(const VirtioNetHdr& header, std::span<const uint8_t> frame) = 0;

    // Starts delivering received frames to `receiver`, as they arrive (event-driven: the
    // back-end sleeps until the host has a frame or stop() is called). Returns an error if the
    // back-end cannot start (its thread cannot be created) or was already started.
    virtual Result<void> start(Receiver receiver) = 0;
    // Stops delivery; when it returns, `receiver` is not running and will not be called again.
    // Must not be called from the receiver. Idempotent.
    virtual void stop() = 0;
};

}  // namespace svm::virtio
