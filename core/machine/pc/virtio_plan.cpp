#include "core/machine/pc/virtio_plan.h"

#include <fmt/format.h>

#include "core/machine/pc/pc_layout.h"
#include "devices/virtio/user_net_options.h"
#include "devices/virtio/virtio_mmio.h"
#include "devices/virtio/virtio_pci.h"

namespace svm {
namespace {

// Linux's IFNAMSIZ - 1.
constexpr size_t kMaxInterfaceName = 15;

}  // namespace

Result<NetOption> parse_net_option(const std::string& text) {
    NetOption out;
    size_t start = 0;
    bool first = true;
    while (start <= text.size()) {
        const size_t comma = text.find(',', start);
        const std::string part =
            text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        start = comma == std::string::npos ? text.size() + 1 : comma + 1;
        if (first) {
            first = false;
            if (part == "user") {
                // The user-mode back-end's own parser (hostfwd=, mac=) has the last word.
                auto user = virtio::parse_user_net_option(text);
                if (!user) return std::unexpected(user.error());
                out.kind = NetOption::Kind::User;
                out.user_options = text;
                out.mac = user->mac;
                return out;
            }
            if (part.rfind("tap=", 0) == 0) {
                out.kind = NetOption::Kind::Tap;
                out.tap_name = part.substr(4);
                if (out.tap_name.empty() || out.tap_name.size() > kMaxInterfaceName ||
                    out.tap_name.find_first_of("/ \t") != std::string::npos)
                    return error("--net tap=NAME: '{}' is not an interface name (1-{} characters, "
                                 "no '/' or spaces)",
                                 out.tap_name, kMaxInterfaceName);
                continue;
            }
            return error("--net {}: expected tap=NAME[,mac=M] or user[,hostfwd=...][,mac=M]",
                         text);
        }
        if (part.rfind("mac=", 0) == 0) {
            auto mac = virtio::parse_mac(part.substr(4));
            if (!mac) return error("--net: {}", mac.error().message);
            out.mac = *mac;
            continue;
        }
        return error("--net {}: unknown option '{}' (a TAP device takes mac=M)", text, part);
    }
    return out;
}

Result<std::vector<VirtioSlot>> plan_virtio(const MachineConfig& config) {
    const std::string& transport = config.virtio_transport;
    if (transport != "pci" && transport != "mmio")
        return error("--virtio-transport {}: expected pci or mmio", transport);
    const size_t count = config.disks.size() + config.nets.size() + 1;
    if (count > kMaxVirtioDevices)
        return error("{} disks and {} network cards: svm has room for {} virtio devices with the "
                     "entropy device, so at most {} disks and network cards together",
                     config.disks.size(), config.nets.size(), kMaxVirtioDevices,
                     kMaxVirtioDevices - 1);
    std::vector<VirtioSlot> slots;
    auto add = [&](VirtioSlot::Kind kind, size_t option, std::string name) {
        const size_t i = slots.size();
        VirtioSlot slot;
        slot.kind = kind;
        slot.option = option;
        slot.name = std::move(name);
        slot.irq = virtio::kMmioIrqs[i];
        slot.pci = transport == "pci";
        if (slot.pci) {
            slot.pci_device = static_cast<uint8_t>(pc::kFirstVirtioPciDevice + i);
            slot.address = pc::kVirtioPciBarBase + i * virtio::VirtioPci::kBarSize;
            slot.size = virtio::VirtioPci::kBarSize;
        } else {
            slot.address = virtio::mmio_slot_base(static_cast<unsigned>(i));
            slot.size = virtio::kMmioSlotSize;
        }
        slots.push_back(std::move(slot));
    };
    for (size_t i = 0; i < config.disks.size(); ++i)
        add(VirtioSlot::Kind::Block, i, fmt::format("virtio-blk{}", i));
    for (size_t i = 0; i < config.nets.size(); ++i)
        add(VirtioSlot::Kind::Net, i, fmt::format("virtio-net{}", i));
    add(VirtioSlot::Kind::Entropy, 0, "virtio-rng");
    return slots;
}

std::vector<acpi::MmioDevice> acpi_virtio_mmio(const MachineConfig& config) {
    std::vector<acpi::MmioDevice> out;
    auto slots = plan_virtio(config);
    if (!slots) return out;
    for (const VirtioSlot& slot : *slots)
        if (!slot.pci)
            out.push_back({slot.address, static_cast<uint32_t>(slot.size), slot.irq});
    return out;
}

static_assert(kMaxVirtioDevices <= virtio::kMmioSlots);
static_assert(pc::kVirtioPciBarBase % virtio::VirtioPci::kBarSize == 0);
static_assert(pc::kVirtioPciBarBase + kMaxVirtioDevices * virtio::VirtioPci::kBarSize <=
                  pc::kPciMemoryWindowBase + pc::kPciMemoryWindowSize,
              "the virtio-pci BARs lie in the PCI memory window");

}  // namespace svm
