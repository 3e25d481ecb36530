// What a guest that hangs was probably waiting for: the I/O ports and MMIO addresses it touched
// where no device is, named after the PC device that usually sits there. Part of the summary of a
// run that ends by --timeout or a signal (docs/machine.md, "Diagnostics").
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "core/bus.h"

namespace svm {

// What usually sits at a PC I/O port: the device and, where svm models it under an option, a note
// saying which ("svm's hypercall port; mini-kvm's with --compat mini-kvm").
struct PortDescription {
    std::string_view device;  // "ATA primary channel, status/command"; empty if unknown
    std::string_view note;    // may be empty
};

// Returns the PC device usually at I/O port `port` (sources: the OSDev wiki "I/O Ports" page,
// Ralf Brown's port list, QEMU's PC machine), or an empty description if none is known.
PortDescription describe_pc_port(uint16_t port);

// Returns the device usually at guest-physical MMIO address `addr` on a PC or QEMU machine
// (legacy VGA window, Bochs/QEMU VBE framebuffer, PCIe ECAM, ...), or an empty string.
std::string_view describe_pc_mmio(uint64_t addr);

// Returns the lines that say which unclaimed addresses the guest accessed, busiest first, at most
// `max_lines` per bus, e.g.
//   "the guest was polling I/O port 0x1f7 (read 812345 times), where no device is: usually ATA
//    primary channel, status/command"
// Accesses fewer than `min_count` times are left out (one-off probes are normal). Returns an empty
// string if nothing is left.
std::string format_unclaimed_report(std::span<const UnclaimedAccess> io,
                                    std::span<const UnclaimedAccess> mmio, uint64_t min_count = 2,
                                    size_t max_lines = 4);

}  // namespace svm
