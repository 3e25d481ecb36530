// `monitor info mtree`, `monitor devices` and `monitor info cpus`: what the machine is made of,
// from the machine table's memory map and device list (<svm/machine.h>, filled where the machine
// is wired in core/machine/), formatted like QEMU's HMP where QEMU has the command.
#pragma once

#include <svm/machine.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace svm {

// Returns the name of an SVM_DEV_* type ("uart16550", "ioapic", ...), or "type N".
std::string device_type_name(uint32_t type);

// QEMU's `info mtree` shape: "address-space: memory" with one line per guest-physical range
// "START-END (prio P, KIND): NAME" (END inclusive, 16 hex digits): the RAM ranges of
// `memory_map` (kind "ram", named ram / reserved / kernel / module; when the map is empty, one
// range of `ram_size` bytes) and each device's MMIO window (kind "i/o", prio 1: it overlays RAM,
// as the VGA text buffer does); then "address-space: I/O" with each device's port range.
std::string format_mtree(std::span<const svm_mem_range> memory_map,
                         std::span<const svm_device> devices, uint64_t ram_size);

// svm's device list: one line per device with its type, I/O port range, MMIO range and IRQ
// (ISA IRQ / GSI, "-" for none).
std::string format_devices(std::span<const svm_device> devices);

// One vCPU for `info cpus`.
struct CpuSummary {
    int index = 0;                  // vCPU index, 0 = bootstrap processor
    std::optional<long> thread_id;  // the host thread (gettid) that runs it, if known
    uint64_t pc = 0;                // guest-virtual RIP (CS.base + IP in real mode)
    std::string state;              // svm's words: "long mode, CPL 0, halted"
};

// QEMU's `info cpus` shape, "* CPU #0: thread_id=1234" (the current vCPU starred, the others
// indented by two spaces), followed by " pc=0x... (STATE)".
std::string format_info_cpus(std::span<const CpuSummary> cpus, int current);

}  // namespace svm
