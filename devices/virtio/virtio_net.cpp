#include "devices/virtio/virtio_net.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <vector>

namespace svm::virtio {

static_assert(std::endian::native == std::endian::little,
              "virtio 1.x structures are little-endian");

namespace {

constexpr uint64_t kHeaderBytes = sizeof(VirtioNetHdr);

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string MacAddress::to_string() const {
    return fmt::format("{:02x}:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", bytes[0], bytes[1], bytes[2],
                       bytes[3], bytes[4], bytes[5]);
}

Result<MacAddress> parse_mac(std::string_view text) {
    // Exactly "xx:xx:xx:xx:xx:xx": 17 characters, colons at 2, 5, 8, 11, 14.
    MacAddress mac;
    bool ok = text.size() == 17;
    for (size_t i = 0; ok && i < 6; ++i) {
        int hi = hex_digit(text[3 * i]), lo = hex_digit(text[3 * i + 1]);
        ok = hi >= 0 && lo >= 0 && (i == 5 || text[3 * i + 2] == ':');
        mac.bytes[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    if (!ok) {
        return error(
            "mac={}: expected six two-digit hex bytes separated by colons, such as "
            "mac=52:54:00:12:34:56",
            text);
    }
    if (mac.bytes[0] & 1) {
        return error(
            "mac={}: a multicast address (the first byte is odd) cannot be a NIC's; "
            "use an even first byte, such as 52",
            text);
    }
    return mac;
}

MacAddress default_mac(std::string_view vm_name) {
    uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a, 64-bit
    for (char c : vm_name) {
        hash ^= static_cast<uint8_t>(c);
        hash *= 0x100000001b3ull;
    }
    return MacAddress{{0x52, 0x54, 0x00, static_cast<uint8_t>(hash >> 16),
                       static_cast<uint8_t>(hash >> 8), static_cast<uint8_t>(hash)}};
}

Result<std::unique_ptr<VirtioNet>> VirtioNet::create(std::unique_ptr<NetBackend> backend,
                                                     MacAddress mac) {
    SVM_ASSERT(backend != nullptr);
    std::unique_ptr<VirtioNet> net(new VirtioNet(std::move(backend), mac));
    VirtioNet* self = net.get();
    TRY(self->backend_->start([self](const VirtioNetHdr&, std::span<const uint8_t> frame) {
        // The back-end's header is not passed on: without GUEST_CSUM and GUEST_TSO*, 5.1.6.4.1
        // has the device set flags and gso_type to 0 (and supply fully checksummed frames,
        // which a TAP device without TUNSETOFFLOAD does).
        self->receive(frame);
    }));
    return net;
}

VirtioNet::VirtioNet(std::unique_ptr<NetBackend> backend, MacAddress mac)
    : backend_(std::move(backend)), mac_(mac) {
    std::memcpy(config_.mac, mac_.bytes.data(), sizeof config_.mac);
    config_.status = kNetStatusLinkUp;
}

VirtioNet::~VirtioNet() {
    // The receiver points at this object: stop it before any member goes.
    backend_->stop();
}

VirtioNet::Counters VirtioNet::counters() const {
    return {tx_frames_.load(), tx_dropped_.load(), rx_frames_.load(), rx_dropped_.load()};
}

void VirtioNet::read_config(uint32_t offset, std::span<uint8_t> out) const {
    const auto* bytes = reinterpret_cast<const uint8_t*>(&config_);
    for (size_t i = 0; i < out.size(); ++i) {
        uint64_t at = uint64_t{offset} + i;
        out[i] = at < sizeof config_ ? bytes[at] : 0;
    }
}

Result<void> VirtioNet::activate(const DeviceContext& context) {
    std::lock_guard lock(mutex_);
    rx_chains_.clear();
    return activation_.activate(context, 2, "virtio-net " + mac_.to_string());
}

void VirtioNet::change_queues(const std::function<void()>& change) {
    std::lock_guard lock(mutex_);
    change();
    // Chains popped from a receive queue that was taken down belong to no ring any more.
    if (activation_.running() && !activation_.queue(kRxQueue).enabled()) rx_chains_.clear();
}

void VirtioNet::reset() {
    std::lock_guard lock(mutex_);
    // Chains held for receive are the driver's again after a reset (2.1.2): forget them.
    rx_chains_.clear();
    activation_.reset();
}

void VirtioNet::notify(uint16_t index) {
    // FIXME: a receive-queue notification could flush frames waiting for buffers; with none
    // kept (frames without buffers are dropped), there is nothing to do for it.
    if (index != kTxQueue) return;
    std::lock_guard lock(mutex_);
    activation_.drain(kTxQueue, [this](Chain chain) { return transmit(chain); });
}

bool VirtioNet::transmit(const Chain& chain) {
    // 5.1.6.2: a header, then the frame, in device-readable buffers. A chain too short for the
    // header cannot be a packet: the driver is broken.
    uint64_t readable = chain.readable_bytes();
    if (readable < kHeaderBytes) {
        activation_.fail(
            fmt::format("transmit chain {} has {} readable bytes, fewer than the "
                        "12-byte virtio_net_hdr",
                        chain.head, readable));
        return false;
    }
    uint64_t frame_bytes = readable - kHeaderBytes;
    if (frame_bytes > kMaxFrameBytes) {
        tx_dropped_.fetch_add(1, std::memory_order_relaxed);
    } else {
        VirtioNetHdr header;
        std::vector<uint8_t> frame(frame_bytes);
        auto header_read = read_from(activation_.memory(), chain, 0,
                                     std::span(reinterpret_cast<uint8_t*>(&header), sizeof header));
        auto frame_read = read_from(activation_.memory(), chain, kHeaderBytes, frame);
        if (!header_read || !frame_read) {
            activation_.fail(!header_read ? header_read.error().message
                                          : frame_read.error().message);
            return false;
        }
        header.num_buffers = 0;  // meaningful on receive only (5.1.6.2)
        if (backend_->send(header, frame))
            tx_frames_.fetch_add(1, std::memory_order_relaxed);
        else
            tx_dropped_.fetch_add(1, std::memory_order_relaxed);
    }
    // The device writes nothing into a transmit chain.
    if (auto r = activation_.queue(kTxQueue).push_used(activation_.memory(), chain, 0); !r) {
        activation_.fail(r.error().message);
        return false;
    }
    return true;
}

bool VirtioNet::gather_rx(uint64_t bytes) {
    bool merge = activation_.negotiated(kNetFeatureMrgRxbuf);
    SplitQueue& queue = activation_.queue(kRxQueue);
    uint64_t held = 0;
    size_t chains = 0;
    for (const Chain& c : rx_chains_) {
        if (held >= bytes || (!merge && chains == 1)) break;
        held += c.writable_bytes();
        ++chains;
    }
    while (held < bytes && (merge || chains == 0)) {
        auto popped = queue.pop(activation_.memory());
        if (!popped) {
            activation_.fail(popped.error().message);
            return false;
        }
        if (!*popped) break;
        Chain& c = **popped;
        // 5.1.6.3.1: receive buffers are device-writable and (with MRG_RXBUF) each at least as
        // large as the header; svm asks the header fit in every chain either way.
        if (!c.readable.empty() || c.writable_bytes() < kHeaderBytes) {
            activation_.fail(
                fmt::format("receive chain {} has {} readable and {} writable "
                            "bytes; it needs none and at least 12",
                            c.head, c.readable_bytes(), c.writable_bytes()));
            return false;
        }
        held += c.writable_bytes();
        ++chains;
        rx_chains_.push_back(std::move(c));
        if (rx_chains_.size() > queue.layout().size) {
            activation_.fail(
                "the driver made more receive buffers available than the queue "
                "holds");
            return false;
        }
    }
    return true;
}

void VirtioNet::receive(std::span<const uint8_t> frame) {
    std::lock_guard lock(mutex_);
    if (!activation_.running() || !activation_.queue(kRxQueue).enabled()) {
        rx_dropped_.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    uint64_t bytes = kHeaderBytes + frame.size();
    if (!gather_rx(bytes)) return;
    // Which of the held chains this frame takes, and whether they are enough.
    bool merge = activation_.negotiated(kNetFeatureMrgRxbuf);
    uint64_t held = 0;
    size_t chains = 0;
    while (chains < rx_chains_.size() && held < bytes && (merge || chains == 0))
        held += rx_chains_[chains++].writable_bytes();
    if (held < bytes || chains > UINT16_MAX) {
        // The chains stay held for a smaller frame or more buffers (5.1.6.4.1 lets a device
        // drop what it cannot place).
        rx_dropped_.fetch_add(1, std::memory_order_relaxed);
        return;
    }

    // 5.1.6.4: the header goes at the start of the first buffer; num_buffers is the number of
    // chains the frame spans (1 without MRG_RXBUF).
    VirtioNetHdr header;
    header.num_buffers = static_cast<uint16_t>(chains);
    std::vector<uint8_t> packet(bytes);
    std::memcpy(packet.data(), &header, sizeof header);
    std::memcpy(packet.data() + sizeof header, frame.data(), frame.size());

    GuestMemory& memory = activation_.memory();
    SplitQueue& queue = activation_.queue(kRxQueue);
    uint64_t done = 0;
    for (size_t i = 0; i < chains; ++i) {
        Chain chain = std::move(rx_chains_.front());
        rx_chains_.pop_front();
        auto part = std::span<const uint8_t>(packet).subspan(done);
        auto written = write_to(memory, chain, 0, part);
        if (!written) return activation_.fail(written.error().message);
        done += *written;
        if (auto r = queue.push_used(memory, chain, static_cast<uint32_t>(*written)); !r)
            return activation_.fail(r.error().message);
    }
    rx_frames_.fetch_add(1, std::memory_order_relaxed);
    if (queue.should_interrupt(memory) && activation_.context().interrupt)
        activation_.context().interrupt(kRxQueue);
}

}  // namespace svm::virtio
