// The virtio device family (see core/machine/device_context.h): the disks, network cards and the
// entropy device of the configuration, each behind the transport --virtio-transport names
// (OASIS virtio 1.2, 4.1 "Virtio Over PCI Bus", 4.2 "Virtio Over MMIO"), placed as
// core/machine/pc/virtio_plan.h says.
//
// Each device has an I/O thread (core/machine/io_thread.h). Every queue's doorbell (a virtio-pci
// queue's notify address, a virtio-mmio QueueNotify write of the queue's index) gets an
// ioeventfd, so KVM wakes the I/O thread instead of leaving KVM_RUN; the vCPU that notified goes
// back to the guest at once. Where KVM refuses an ioeventfd (or in unit tests, which have no KVM)
// the doorbell arrives as an ordinary bus write and the device runs on that vCPU's thread.
// Interrupts are raised from whichever thread completes the work: INTx through the ISA IRQ
// (KVM_IRQ_LINE), MSI-X through KVM_SIGNAL_MSI.
#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/log.h"
#include "core/machine/device_context.h"
#include "core/machine/io_thread.h"
#include "core/machine/machine_table.h"
#include "core/machine/pc/pc_layout.h"
#include "core/machine/pc/virtio_plan.h"
#include "devices/legacy/pci_bus.h"
#include "devices/legacy/pci_memory_window.h"
#include "devices/virtio/block_image.h"
#include "devices/virtio/slirp_backend.h"
#include "devices/virtio/switch_registry.h"
#include "devices/virtio/tap_backend.h"
#include "devices/virtio/user_net_options.h"
#include "devices/virtio/virtio_blk.h"
#include "devices/virtio/virtio_mmio.h"
#include "devices/virtio/virtio_net.h"
#include "devices/virtio/virtio_pci.h"
#include "devices/virtio/virtio_rng.h"

namespace svm {
namespace {

using virtio::VirtioDevice;
using virtio::VirtioMmio;
using virtio::VirtioPci;

// The stable default MAC of network card `index` of the VM called `vm_name`.
virtio::MacAddress default_card_mac(const std::string& vm_name, size_t index) {
    return virtio::default_mac(index == 0 ? vm_name : fmt::format("{}#{}", vm_name, index));
}

// The host side of card `card_name` with address `mac`: a TAP device, user-mode networking, or
// a port on the process's switch of that name (made now if no card holds it yet), whose uplink
// is made by the first card that names it. The MAC is the switch's, to refuse two cards with one.
Result<std::unique_ptr<virtio::NetBackend>> make_net_backend(const NetOption& option,
                                                             const std::string& card_name,
                                                             const virtio::MacAddress& mac) {
    switch (option.kind) {
        case NetOption::Kind::Tap: {
            auto tap = TRY(virtio::TapBackend::create(option.tap_name));
            return std::unique_ptr<virtio::NetBackend>(std::move(tap));
        }
        case NetOption::Kind::User: {
            auto user = TRY(virtio::parse_user_net_option(option.user_options));
            auto slirp = TRY(virtio::SlirpBackend::create(user.forwards));
            return std::unique_ptr<virtio::NetBackend>(std::move(slirp));
        }
        case NetOption::Kind::Switch:
            break;
    }
    auto lan = virtio::SwitchRegistry::process().get_or_create(option.switch_name);
    // The port first: if its MAC is refused, no uplink was made for nothing.
    auto port = TRY(lan->attach(card_name, mac));
    if (!option.uplink.empty()) {
        TRY(lan->ensure_uplink(option.uplink, [&]() -> Result<std::unique_ptr<virtio::NetBackend>> {
            if (option.uplink.rfind("tap:", 0) == 0) {
                auto tap = TRY(virtio::TapBackend::create(option.uplink.substr(4)));
                return std::unique_ptr<virtio::NetBackend>(std::move(tap));
            }
            auto user = TRY(virtio::parse_user_net_option(option.uplink));
            auto slirp = TRY(virtio::SlirpBackend::create(user.forwards));
            return std::unique_ptr<virtio::NetBackend>(std::move(slirp));
        }));
    }
    return port;
}

Result<std::shared_ptr<VirtioDevice>> create_device(DeviceContext& ctx,
                                                  const VirtioSlot& slot) {
    switch (slot.kind) {
        case VirtioSlot::Kind::Block: {
            const virtio::DiskConfig& disk = ctx.config.disks[slot.option];
            auto image = TRY(with_context(virtio::BlockImage::open(disk), "--disk"));
            log::verbose("{}: {} ({} sectors{}{})", slot.name, image.path(), image.sectors(),
                         image.read_only() ? ", read-only" : "",
                         image.direct() ? ", cache=none" : "");
            return std::shared_ptr<VirtioDevice>(
                std::make_shared<virtio::VirtioBlk>(std::move(image), disk.serial));
        }
        case VirtioSlot::Kind::Net: {
            const std::string& text = ctx.config.nets[slot.option];
            auto option = TRY(parse_net_option(text));
            const auto mac = option.mac ? *option.mac
                                        : default_card_mac(ctx.config.vm_name.empty()
                                                               ? ctx.config.kernel_path
                                                               : ctx.config.vm_name,
                                                           slot.option);
            auto backend =
                TRY(with_context(make_net_backend(option, slot.name, mac), "--net " + text));
            std::shared_ptr<virtio::VirtioNet> net =
                TRY(virtio::VirtioNet::create(std::move(backend), mac));
            log::verbose("{}: {} with MAC {}", slot.name, text, mac.to_string());
            // The transports (and so the card) outlive `owned`, but what receiving uses (the
            // debugger's watchpoints, the I/O APIC lines) must not see frames once the run is
            // torn down: the back-end stops with `owned`.
            ctx.owned.push_back(std::shared_ptr<void>(
                nullptr, [weak = std::weak_ptr<virtio::VirtioNet>(net)](void*) {
                    if (auto card = weak.lock()) card->stop_backend();
                }));
            return std::shared_ptr<VirtioDevice>(std::move(net));
        }
        case VirtioSlot::Kind::Entropy:
            return std::shared_ptr<VirtioDevice>(std::make_shared<virtio::VirtioRng>());
    }
    return error("unknown virtio device kind");
}

// Attaches a queue's doorbell as an ioeventfd with `add` where KVM accepts it (with `length` 0,
// any write width, falling back to the 16-bit writes drivers make on hosts without
// KVM_CAP_IOEVENTFD_ANY_LENGTH). Returns the registration (to move or remove it later), or
// nullopt: the doorbell then stays an ordinary bus write. Logs the first refusal of `name`.
std::optional<IoEventFd> attach_doorbell(const std::function<Result<void>(const IoEventFd&)>& add,
                                         const std::string& name, IoEventFd event,
                                         bool& logged) {
    if (!add) return std::nullopt;
    auto r = add(event);
    if (!r && event.length == 0) {
        event.length = 2;
        r = add(event);
    }
    if (r) return event;
    if (!logged)
        log::verbose("{}: no ioeventfd at {:#x} ({}); its notifications run on the vCPU thread",
                     name, event.address, r.error().message);
    logged = true;
    return std::nullopt;
}

// The doorbells of one virtio-pci function: one eventfd per queue, attached at the queue's
// notify address inside the BAR, wherever the guest moves the BAR.
class PciDoorbells {
public:
    PciDoorbells(const DeviceContext& ctx, std::string name)
        : add_(ctx.add_ioeventfd), remove_(ctx.remove_ioeventfd), name_(std::move(name)) {}

    void add_queue(int fd) { fds_.push_back(fd); }

    // The BAR now decodes at `bar` (nullopt: not at all): moves every ioeventfd there.
    void move(std::optional<uint64_t> bar) {
        std::lock_guard lock(mutex_);
        if (remove_)
            for (const auto& event : attached_) remove_(event);
        attached_.clear();
        if (!bar || !add_) return;
        for (size_t q = 0; q < fds_.size(); ++q) {
            IoEventFd event;
            event.address = *bar + VirtioPci::notify_address(static_cast<uint16_t>(q));
            event.fd = fds_[q];
            if (auto attached = attach_doorbell(add_, name_, event, logged_))
                attached_.push_back(*attached);
        }
    }

private:
    std::function<Result<void>(const IoEventFd&)> add_;
    std::function<void(const IoEventFd&)> remove_;
    std::string name_;
    std::vector<int> fds_;  // per queue, owned by the I/O thread
    std::mutex mutex_;      // a leaf lock; guards attached_
    std::vector<IoEventFd> attached_;
    bool logged_ = false;
};

Result<void> add_pci_transport(DeviceContext& ctx, PcDevices& out, const VirtioSlot& slot,
                               std::shared_ptr<VirtioDevice> device, IoThread& io) {
    if (!out.pci) return error("{}: virtio-pci needs the PCI bus", slot.name);
    if (!out.pci_window) {
        out.pci_window = std::make_shared<PciMemoryWindow>(pc::kPciMemoryWindowBase,
                                                           pc::kPciMemoryWindowSize);
        TRY(ctx.mmio_bus.add(pc::kPciMemoryWindowBase, pc::kPciMemoryWindowSize, out.pci_window,
                             "pci-memory"));
    }
    auto window = out.pci_window;
    auto doorbells = std::make_shared<PciDoorbells>(ctx, slot.name);
    // The transport reports BAR moves through its configuration, which exists before it does.
    auto self = std::make_shared<std::weak_ptr<VirtioPci>>();
    const uint64_t key = slot.pci_device;

    virtio::VirtioPciConfig config;
    config.bar_address = slot.address;
    config.interrupt_line = static_cast<uint8_t>(slot.irq);
    config.intx = [set_irq = ctx.set_irq, irq = slot.irq](bool level) { set_irq(irq, level); };
    if (ctx.signal_msi) config.msi = ctx.signal_msi;
    // Weak references: the window holds the transport, so a strong one here would be a cycle
    // that keeps the device (and its disk image's lock) alive after the machine.
    config.on_bar_change = [self, weak_window = std::weak_ptr<PciMemoryWindow>(window), doorbells,
                            key, name = slot.name](uint64_t address, bool decoding) {
        auto transport = self->lock();
        auto window = weak_window.lock();
        if (!transport || !window) return;
        if (decoding && window->map(key, address, VirtioPci::kBarSize, transport, name)) {
            doorbells->move(address);
        } else {
            window->unmap(key);
            doorbells->move(std::nullopt);
        }
    };
    auto transport = TRY(VirtioPci::create(device, ctx.memory, std::move(config)));
    *self = transport;
    if (ctx.device_wrote) transport->set_write_observer(ctx.device_wrote);
    if (!out.pci->add(0, slot.pci_device, 0, transport))
        return error("{}: PCI slot 00:{:02x}.0 is taken", slot.name, slot.pci_device);
    window->map(key, slot.address, VirtioPci::kBarSize, transport, slot.name);

    for (uint16_t q = 0; q < device->num_queues(); ++q) {
        std::weak_ptr<VirtioPci> weak = transport;
        const int fd = TRY(io.add_eventfd([weak, q] {
            if (auto t = weak.lock()) t->notify_queue(q);
        }));
        doorbells->add_queue(fd);
    }
    doorbells->move(slot.address);
    ctx.owned.push_back(doorbells);

    svm_device entry = make_device(SVM_DEV_VIRTIO_PCI, slot.name, 0, 0, slot.irq, slot.address,
                                   slot.size);
    entry.reserved = device->device_id() | (uint32_t{slot.pci_device} << 16);
    ctx.device_entries.push_back(entry);
    return {};
}

Result<void> add_mmio_transport(DeviceContext& ctx, const VirtioSlot& slot,
                                std::shared_ptr<VirtioDevice> device, IoThread& io) {
    auto transport = std::make_shared<VirtioMmio>(
        device, ctx.memory,
        [set_irq = ctx.set_irq, irq = slot.irq](bool level) { set_irq(irq, level); },
        fmt::format("{} (virtio-mmio at {:#x})", slot.name, slot.address));
    TRY(ctx.mmio_bus.add(slot.address, slot.size, transport, slot.name));
    if (ctx.device_wrote) transport->set_write_observer(ctx.device_wrote);
    // QueueNotify carries the queue's index (4.2.2; VIRTIO_F_NOTIFICATION_DATA is not offered):
    // one ioeventfd per queue, matching its index.
    bool logged = false;
    for (uint16_t q = 0; q < device->num_queues(); ++q) {
        std::weak_ptr<VirtioMmio> weak = transport;
        const int fd = TRY(io.add_eventfd([weak, q] {
            if (auto t = weak.lock()) t->notify_queue(q);
        }));
        IoEventFd event;
        event.address = slot.address + VirtioMmio::kQueueNotifyOffset;
        event.length = 4;
        event.datamatch = q;
        event.fd = fd;
        if (auto attached = attach_doorbell(ctx.add_ioeventfd, slot.name, event, logged)) {
            ctx.owned.push_back(std::shared_ptr<void>(
                nullptr, [remove = ctx.remove_ioeventfd, e = *attached](void*) {
                    if (remove) remove(e);
                }));
        }
    }
    svm_device entry = make_device(SVM_DEV_VIRTIO_MMIO, slot.name, 0, 0, slot.irq, slot.address,
                                   slot.size);
    entry.reserved = device->device_id();
    ctx.device_entries.push_back(entry);
    return {};
}

}  // namespace

Result<void> add_virtio_devices(DeviceContext& ctx, PcDevices& out) {
    const auto slots = TRY(plan_virtio(ctx.config));
    for (const VirtioSlot& slot : slots) {
        auto device = TRY(create_device(ctx, slot));
        std::shared_ptr<IoThread> io = TRY(IoThread::create(slot.name));
        if (slot.pci)
            TRY(add_pci_transport(ctx, out, slot, device, *io));
        else
            TRY(add_mmio_transport(ctx, slot, device, *io));
        TRY(io->start());
        out.virtio_devices.push_back(device);
        // Destroyed (stopped, finishing the requests the guest made) before the devices: `owned`
        // goes in reverse order, and the buses outlive it.
        ctx.owned.push_back(device);
        ctx.owned.push_back(io);
    }
    return {};
}

}  // namespace svm
