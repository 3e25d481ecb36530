// Which virtio devices a machine has and where each one sits: one list, computed from the
// configuration alone, shared by the ACPI DSDT (written when the kernel is loaded), the machine
// table and the device wiring (core/machine/pc/virtio.cpp), so they cannot disagree.
//
// Order: the --disk devices in command-line order, then the --net devices, then the entropy
// device (always present). Device i gets ISA IRQ virtio::kMmioIrqs[i] and, on virtio-mmio,
// window i at virtio::mmio_slot_base(i); on virtio-pci, PCI device 3 + i on bus 0 with its BAR at
// pc::kVirtioPciBarBase + i * 32 KiB and INTA# on that IRQ (the Interrupt Line register says
// which). docs/devices.md, "Virtio devices", has the table.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/machine/acpi_fixed.h"
#include "core/machine/machine_config.h"
#include "core/result.h"
#include "devices/virtio/virtio_net.h"

namespace svm {

// How many virtio devices a machine may have: one ISA IRQ each (virtio::kMmioIrqs).
constexpr size_t kMaxVirtioDevices = 8;

// A --net option, parsed.
struct NetOption {
    enum class Kind { Tap, User, Switch };
    Kind kind = Kind::Tap;
    std::string tap_name;                   // tap=NAME
    std::string user_options;               // the whole text, for the user-mode back-end
    std::string switch_name;                // switch=NAME
    // switch=NAME,uplink=...: the switch's uplink in a canonical form, "" for none:
    // "tap:IFNAME", or "user" followed by ",hostfwd=PROTO:HOSTADDR:PORT-GUESTADDR:PORT" for each
    // forward, with the defaults written out, so two cards naming the same uplink compare equal.
    std::string uplink;
    std::optional<virtio::MacAddress> mac;  // mac=M; nullopt = the VM's stable default
};

// Parses the text after --net: "tap=NAME[,mac=M]", "user[,hostfwd=...][,mac=M]" (the user
// form's options are checked by the user-mode back-end's parser too) or
// "switch=NAME[,mac=M][,uplink=user[,hostfwd=...]|uplink=tap:IFNAME]" (docs/networking.md, "A
// switch between VMs"). Returns a one-line error for an empty or over-long interface or switch
// name, an unknown back-end or option, a bad MAC, or hostfwd= on a switch without uplink=user.
Result<NetOption> parse_net_option(const std::string& text);

// Checks the cards on each switch: they agree on its uplink (at most one per switch, given by any
// number of its cards), and no two give the same mac=. Returns a one-line error naming the switch
// and the clash. plan_virtio() checks one VM's cards; a process running several VMs passes all
// of theirs. (Default MACs are checked when the cards attach: EthernetSwitch::attach.)
Result<void> check_switch_cards(const std::vector<NetOption>& cards);

struct VirtioSlot {
    enum class Kind { Block, Net, Entropy };
    Kind kind = Kind::Entropy;
    size_t option = 0;   // index into MachineConfig::disks / nets
    std::string name;    // "virtio-blk0", "virtio-net1", "virtio-rng": logs, the machine table
    uint32_t irq = 0;    // ISA IRQ (I/O APIC pin and 8259 input)
    bool pci = true;     // virtio-pci; false: virtio-mmio
    uint64_t address = 0;    // virtio-mmio: the register window; virtio-pci: the BAR at start
    uint64_t size = 0;       // bytes at `address`
    uint8_t pci_device = 0;  // virtio-pci: the device number on bus 0 (function 0)
};

// The virtio devices of `config`. Returns an error (a usage error for the caller) for an unknown
// --virtio-transport, more than kMaxVirtioDevices devices, a --net option parse_net_option()
// refuses, or switch cards check_switch_cards() refuses.
Result<std::vector<VirtioSlot>> plan_virtio(const MachineConfig& config);

}  // namespace svm

namespace svm {

// The virtio-mmio transports of `config` as the ACPI DSDT lists them; empty with virtio-pci or a
// configuration plan_virtio() refuses (building the devices reports that).
std::vector<acpi::MmioDevice> acpi_virtio_mmio(const MachineConfig& config);

}  // namespace svm
