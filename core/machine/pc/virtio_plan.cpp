#include "core/machine/pc/virtio_plan.h"

#include <fmt/format.h>

#include <map>
#include <set>
#include <utility>

#include "core/machine/pc/pc_layout.h"
#include "devices/virtio/switch_registry.h"
#include "devices/virtio/user_net_options.h"
#include "devices/virtio/virtio_mmio.h"
#include "devices/virtio/virtio_pci.h"

namespace svm {
namespace {

// Linux's IFNAMSIZ - 1.
constexpr size_t kMaxInterfaceName = 15;

constexpr char kSwitchForm[] = "switch=NAME[,mac=M][,uplink=user[,hostfwd=...]|uplink=tap:IFNAME]";

Result<void> check_interface_name(const std::string& name, const char* option) {
    if (name.empty() || name.size() > kMaxInterfaceName ||
        name.find_first_of("/ \t") != std::string::npos)
        return error("--net {}: '{}' is not an interface name (1-{} characters, no '/' or spaces)",
                     option, name, kMaxInterfaceName);
    return {};
}

// A forward as the canonical uplink text writes it: every default spelled out.
std::string format_forward(const virtio::SlirpForward& forward) {
    return fmt::format("{}:{}:{}-{}:{}", forward.udp ? "udp" : "tcp", forward.host_address,
                       forward.host_port, forward.guest_address, forward.guest_port);
}

}  // namespace

Result<NetOption> parse_net_option(const std::string& text) {
    NetOption out;
    size_t start = 0;
    bool first = true;
    // switch=: what uplink= and hostfwd= said, combined after the loop.
    std::optional<std::string> uplink;
    std::vector<std::string> forwards;
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
                TRY(check_interface_name(out.tap_name, "tap=NAME"));
                continue;
            }
            if (part.rfind("switch=", 0) == 0) {
                out.kind = NetOption::Kind::Switch;
                out.switch_name = part.substr(7);
                TRY(with_context(virtio::check_switch_name(out.switch_name), "--net switch=NAME"));
                continue;
            }
            return error("--net {}: expected tap=NAME[,mac=M], user[,hostfwd=...][,mac=M] or {}",
                         text, kSwitchForm);
        }
        if (part.rfind("mac=", 0) == 0) {
            auto mac = virtio::parse_mac(part.substr(4));
            if (!mac) return error("--net: {}", mac.error().message);
            out.mac = *mac;
            continue;
        }
        if (out.kind == NetOption::Kind::Switch && part.rfind("uplink=", 0) == 0) {
            if (uplink) return error("--net {}: uplink= is given twice", text);
            uplink = part.substr(7);
            if (*uplink != "user" && uplink->rfind("tap:", 0) != 0)
                return error("--net {}: uplink={} is not user or tap:IFNAME", text, *uplink);
            if (*uplink != "user")
                TRY(check_interface_name(uplink->substr(4), "uplink=tap:IFNAME"));
            continue;
        }
        if (out.kind == NetOption::Kind::Switch && part.rfind("hostfwd=", 0) == 0) {
            auto forward = virtio::parse_hostfwd(part.substr(8));
            if (!forward) return error("--net switch: {}", forward.error().message);
            forwards.push_back(format_forward(*forward));
            continue;
        }
        if (out.kind == NetOption::Kind::Switch)
            return error("--net {}: unknown option '{}'; expected {}", text, part, kSwitchForm);
        return error("--net {}: unknown option '{}' (a TAP device takes mac=M)", text, part);
    }
    if (out.kind == NetOption::Kind::Switch) {
        if (!forwards.empty() && uplink != "user")
            return error("--net {}: hostfwd= belongs to a user-mode uplink; add uplink=user", text);
        if (uplink) out.uplink = *uplink;
        for (const std::string& forward : forwards) out.uplink += ",hostfwd=" + forward;
    }
    return out;
}

Result<void> check_switch_cards(const std::vector<NetOption>& cards) {
    std::map<std::string, std::string> uplinks;          // switch name -> uplink
    std::set<std::pair<std::string, std::string>> macs;  // {switch name, mac=}
    for (const NetOption& card : cards) {
        if (card.kind != NetOption::Kind::Switch) continue;
        if (card.mac && !macs.emplace(card.switch_name, card.mac->to_string()).second)
            return error("--net switch={}: two cards with mac={} on one switch; give each its own",
                         card.switch_name, card.mac->to_string());
        if (card.uplink.empty()) continue;
        auto [it, added] = uplinks.emplace(card.switch_name, card.uplink);
        if (!added && it->second != card.uplink)
            return error(
                "--net switch={}: two uplinks for one switch ({} and {}); give it one, on any of "
                "its cards",
                card.switch_name, it->second, card.uplink);
    }
    return {};
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
    std::vector<NetOption> cards;
    for (const std::string& text : config.nets) cards.push_back(TRY(parse_net_option(text)));
    TRY(check_switch_cards(cards));
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
