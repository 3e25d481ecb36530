// A learning Ethernet switch in the process (IEEE 802.1D-2004 transparent bridging, simplified:
// no spanning tree, no VLANs): a virtual wire between virtio-net cards, and optionally one
// uplink to the host (a TAP device or user-mode networking). No root is needed for the switch.
//
// Each card gets a port with attach(), a NetBackend it uses exactly like a TAP back-end. A frame
// sent into a port teaches the switch its source address (mac_table.h), then goes to the port its
// destination was learned on, or is flooded to every other port that is started when the
// destination is unknown, broadcast or multicast (802.1D 7.7, "The Forwarding Process"). It
// never goes back out of the port it came in on. Frames shorter than an Ethernet header (14
// bytes) or longer than kMaxFrameBytes are dropped and counted.
//
// Threads. send() runs on whichever thread the sending card transmits from (its I/O thread), or
// the uplink's receive thread, several at once. It takes the switch's lock only to learn and look
// up, copies the list of destination ports, releases it, and then hands the frame on:
//   - to a card: the frame is copied into that port's bounded PortQueue, and the port's own
//     thread (switch_port.h) calls the card's receiver. Nothing is delivered on the sender's
//     thread, for two reasons: VirtioNet transmits with its own lock held, so delivering into
//     another card's receive() there would take two cards' locks in both orders (a deadlock when
//     two guests send to each other at once); and NetBackend promises a receiver is called on one
//     thread, never concurrently with itself. A card that takes its frames slowly loses new
//     ones (counted) instead of holding up the sender.
//   - to the uplink: its send(), which is safe from any thread and does not call back.
// So no lock of the switch is held while a receiver or a back-end runs, and a receiver that
// answers a broadcast at once (sending from inside the receiver) only re-enters send().
//
// A port's stop() closes its queue and joins its thread: when it returns the card's receiver is
// not running and is never called again. Destroying a port detaches it; the switch lives while
// any port (or a SwitchRegistry lookup in progress) holds it, and stops its uplink when it goes.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "devices/virtio/mac_table.h"
#include "devices/virtio/net_backend.h"
#include "devices/virtio/port_queue.h"
#include "devices/virtio/virtio_net.h"

namespace svm::virtio {

// An EthernetSwitch's settings; the defaults are what `--net switch=` gets.
struct SwitchOptions {
    // 802.1D's default ageing time (Table 7-5) and a bound on the table.
    std::chrono::nanoseconds ageing = std::chrono::seconds(300);
    size_t max_addresses = 1024;
    // Per card port: frames waiting for the card's thread (as SlirpBackend::kQueueFrames).
    size_t queue_frames = 256;
    size_t queue_bytes = 4 << 20;
    // The clock ageing uses; tests inject their own.
    std::function<MacTable::TimePoint()> now = [] { return std::chrono::steady_clock::now(); };
};

class EthernetSwitch : public std::enable_shared_from_this<EthernetSwitch> {
public:
    // The shortest frame the switch forwards: destination, source and EtherType.
    static constexpr size_t kMinFrameBytes = 14;

    using Options = SwitchOptions;

    // Frames counted since the port was attached (for a future `monitor` command).
    struct PortCounters {
        uint64_t in_frames = 0;    // sent into the switch by this port and forwarded
        uint64_t in_dropped = 0;   // sent by this port and dropped: a runt or too long
        uint64_t out_frames = 0;   // delivered to this port's card, or accepted by the uplink
        uint64_t out_dropped = 0;  // for this port but lost: its queue full, the uplink refused,
                                   // or (unicast) the port was stopped
    };
    struct PortInfo {
        uint32_t id = 0;
        std::string name;
        bool uplink = false;
        PortCounters counters;
    };

    // The switch's record of one port, shared with the SwitchPort a card holds (and with senders
    // that are handing it a frame).
    struct Port {
        uint32_t id = 0;
        std::string name;
        std::optional<MacAddress> mac;     // a card's address, to refuse a second card with it
        std::unique_ptr<PortQueue> queue;  // a card's; null for the uplink
        NetBackend* uplink = nullptr;      // the uplink's back-end (owned by the switch)
        std::atomic<uint64_t> in_frames{0}, in_dropped{0}, out_frames{0}, out_dropped{0};
    };

    static std::shared_ptr<EthernetSwitch> create(std::string name, Options options = {});
    ~EthernetSwitch();

    EthernetSwitch(const EthernetSwitch&) = delete;
    EthernetSwitch& operator=(const EthernetSwitch&) = delete;

    const std::string& name() const { return name_; }

    // A new port for a card called `port_name` ("virtio-net0") with address `mac`: the card's
    // back-end. It receives nothing until started. Returns an error if another card on the
    // switch already has `mac` (two cards with one address would steal each other's frames).
    Result<std::unique_ptr<NetBackend>> attach(std::string port_name,
                                               std::optional<MacAddress> mac = std::nullopt);

    // Makes sure the switch has the uplink `description` ("user,hostfwd=...", "tap:IFNAME"):
    // if it has none, builds it with `make` and starts it as one more port; if it has this one,
    // does nothing (every card may name the uplink); if it has another, returns an error.
    // Serialised, so two cards asking at once create one uplink.
    Result<void> ensure_uplink(const std::string& description,
                               const std::function<Result<std::unique_ptr<NetBackend>>()>& make);
    // The uplink's description, or "" without one.
    std::string uplink() const;

    // Every attached port with its counters, in attach order.
    std::vector<PortInfo> ports() const;
    // How many addresses the switch has learned (aged ones included until they are looked up).
    size_t learned_addresses() const;

    // For SwitchPort and the uplink: one frame into the switch from `from` (see above).
    Result<void> forward(Port& from, const VirtioNetHdr& header, std::span<const uint8_t> frame);
    // For SwitchPort: forgets the addresses learned on port `id` (it stopped) / removes it.
    void forget(uint32_t id);
    void detach(uint32_t id);

private:
    EthernetSwitch(std::string name, Options options);
    // Hands one frame to `to`: into a card's queue, or to the uplink's send() (see above).
    void deliver(Port& to, const VirtioNetHdr& header, std::span<const uint8_t> frame,
                 bool flooding);

    const std::string name_;
    const Options options_;

    // Lock order: uplink_mutex_, then mutex_. Neither is held while a receiver or a back-end
    // runs, except that ensure_uplink() makes and starts the uplink with uplink_mutex_ held (the
    // uplink's thread then takes only mutex_, and nothing else takes uplink_mutex_).
    mutable std::mutex uplink_mutex_;
    std::unique_ptr<NetBackend> uplink_;  // written once, under uplink_mutex_
    std::string uplink_description_;

    mutable std::mutex mutex_;  // guards what follows
    MacTable table_;
    std::vector<std::shared_ptr<Port>> ports_;
    uint32_t next_id_ = 0;
};

}  // namespace svm::virtio
