#include "devices/virtio/ethernet_switch.h"

#include <algorithm>

#include "devices/virtio/switch_port.h"

namespace svm::virtio {

namespace {

// The group bit (802.3 3.2.3: the low bit of the first byte): broadcast and multicast.
bool is_group(std::span<const uint8_t, 6> mac) {
    return (mac[0] & 1) != 0;
}

}  // namespace

std::shared_ptr<EthernetSwitch> EthernetSwitch::create(std::string name, Options options) {
    return std::shared_ptr<EthernetSwitch>(new EthernetSwitch(std::move(name), std::move(options)));
}

EthernetSwitch::EthernetSwitch(std::string name, Options options)
    : name_(std::move(name)),
      options_(std::move(options)),
      table_(options_.max_addresses, options_.ageing) {}

EthernetSwitch::~EthernetSwitch() {
    // The uplink's receiver points at this switch: stop it before any member goes. Every card
    // port is gone already (each held the switch).
    if (uplink_) uplink_->stop();
}

Result<std::unique_ptr<NetBackend>> EthernetSwitch::attach(std::string port_name,
                                                           std::optional<MacAddress> mac) {
    auto port = std::make_shared<Port>();
    port->name = std::move(port_name);
    port->mac = mac;
    port->queue = std::make_unique<PortQueue>(options_.queue_frames, options_.queue_bytes);
    std::lock_guard lock(mutex_);
    if (mac) {
        for (const auto& other : ports_)
            if (other->mac == mac)
                return error(
                    "switch '{}': MAC {} is already on the switch ({}); give this card another "
                    "mac=, or the VM another name",
                    name_, mac->to_string(), other->name);
    }
    port->id = next_id_++;
    ports_.push_back(port);
    return std::unique_ptr<NetBackend>(std::make_unique<SwitchPort>(shared_from_this(), port));
}

Result<void> EthernetSwitch::ensure_uplink(
    const std::string& description,
    const std::function<Result<std::unique_ptr<NetBackend>>()>& make) {
    std::lock_guard lock(uplink_mutex_);
    if (uplink_) {
        if (uplink_description_ == description) return {};
        return error(
            "switch '{}' already has the uplink {}; one switch has one uplink, so every "
            "card that names one must name the same (here: {})",
            name_, uplink_description_, description);
    }
    auto backend = TRY(make());
    auto port = std::make_shared<Port>();
    port->name = "uplink " + description;
    port->uplink = backend.get();
    {
        std::lock_guard lock(mutex_);
        port->id = next_id_++;
    }
    // Started before it is published, so no card sends to an uplink that then fails to start and
    // is destroyed. Frames it receives meanwhile are forwarded already (from an unpublished port,
    // which forward() does not mind). The receiver keeps `port` alive.
    if (auto started = backend->start(
            [this, port](const VirtioNetHdr& header, std::span<const uint8_t> frame) {
                (void)forward(*port, header, frame);
            });
        !started)
        return error("switch '{}': uplink {}: {}", name_, description, started.error().message);
    {
        std::lock_guard lock(mutex_);
        ports_.push_back(port);
    }
    uplink_ = std::move(backend);
    uplink_description_ = description;
    return {};
}

std::string EthernetSwitch::uplink() const {
    std::lock_guard lock(uplink_mutex_);
    return uplink_description_;
}

std::vector<EthernetSwitch::PortInfo> EthernetSwitch::ports() const {
    std::lock_guard lock(mutex_);
    std::vector<PortInfo> out;
    for (const auto& port : ports_) {
        PortInfo info;
        info.id = port->id;
        info.name = port->name;
        info.uplink = port->uplink != nullptr;
        info.counters = {port->in_frames.load(), port->in_dropped.load(), port->out_frames.load(),
                         port->out_dropped.load()};
        out.push_back(std::move(info));
    }
    return out;
}

size_t EthernetSwitch::learned_addresses() const {
    std::lock_guard lock(mutex_);
    return table_.size();
}

Result<void> EthernetSwitch::forward(Port& from, const VirtioNetHdr& header,
                                     std::span<const uint8_t> frame) {
    if (frame.size() < kMinFrameBytes || frame.size() > kMaxFrameBytes) {
        from.in_dropped.fetch_add(1, std::memory_order_relaxed);
        return error("switch '{}': a {}-byte frame from {} is not {} to {} bytes", name_,
                     frame.size(), from.name, kMinFrameBytes, kMaxFrameBytes);
    }
    from.in_frames.fetch_add(1, std::memory_order_relaxed);
    const auto destination = frame.first<6>();
    const auto source = frame.subspan<6, 6>();

    // Learn and look up under the lock; deliver without it (see the header).
    std::vector<std::shared_ptr<Port>> targets;
    bool flooding = true;
    {
        std::lock_guard lock(mutex_);
        const auto now = options_.now();
        // A group address as a source is invalid (802.1D 7.8): never learned.
        if (!is_group(source)) table_.learn(source, from.id, now);
        std::optional<uint32_t> learned;
        if (!is_group(destination)) learned = table_.lookup(destination, now);
        if (learned) {
            // A destination on the port the frame came from is filtered (7.7.1): it has
            // already reached its segment.
            if (*learned == from.id) return {};
            auto it = std::find_if(ports_.begin(), ports_.end(),
                                   [&](const auto& port) { return port->id == *learned; });
            if (it != ports_.end()) {
                targets.push_back(*it);
                flooding = false;
            }
        }
        if (flooding)
            for (const auto& port : ports_)
                if (port->id != from.id) targets.push_back(port);
    }
    for (const auto& port : targets) deliver(*port, header, frame, flooding);
    return {};
}

void EthernetSwitch::deliver(Port& to, const VirtioNetHdr& header, std::span<const uint8_t> frame,
                             bool flooding) {
    if (to.uplink) {
        if (to.uplink->send(header, frame))
            to.out_frames.fetch_add(1, std::memory_order_relaxed);
        else
            to.out_dropped.fetch_add(1, std::memory_order_relaxed);
        return;
    }
    switch (to.queue->push(header, frame)) {
        case PortQueue::Push::Queued:
            break;  // counted in out_frames when the port's thread delivers it
        case PortQueue::Push::Full:
            to.out_dropped.fetch_add(1, std::memory_order_relaxed);
            break;
        case PortQueue::Push::Closed:
            // Flooding reaches the started ports only; a unicast frame for a stopped port is lost.
            if (!flooding) to.out_dropped.fetch_add(1, std::memory_order_relaxed);
            break;
    }
}

void EthernetSwitch::forget(uint32_t id) {
    std::lock_guard lock(mutex_);
    table_.forget_port(id);
}

void EthernetSwitch::detach(uint32_t id) {
    std::lock_guard lock(mutex_);
    table_.forget_port(id);
    std::erase_if(ports_, [id](const auto& port) { return port->id == id; });
}

}  // namespace svm::virtio
