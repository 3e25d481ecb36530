// fw_cfg items svm provides (QEMU docs/specs/fw_cfg.rst, "Selector Values"; the x86 E820 file
// that QEMU's hw/i386 code publishes as "etc/e820").
#pragma once

#include <svm/machine.h>

#include <cstdint>
#include <span>
#include <vector>

#include "core/machine/device_context.h"
#include "devices/legacy/fw_cfg.h"

namespace svm {

// E820 types (ACPI 6.4, 15.1 "INT 15H, E820H", Table 15.312).
constexpr uint32_t kE820Ram = 1;
constexpr uint32_t kE820Reserved = 2;

// Encodes svm's memory map as the "etc/e820" file: 20-byte little-endian entries {u64 address;
// u64 length; u32 type}. Kernel and module ranges are RAM (type 1) to the firmware's eyes, as in
// QEMU's table (the kernel was loaded into RAM); SVM_MEM_RESERVED and anything unknown are
// type 2. Adjacent ranges of the same type are merged. `map` must be sorted by base.
std::vector<uint8_t> encode_e820(std::span<const svm_mem_range> map);

// Creates the fw_cfg device for `ctx` with signature, ID, RAM size (u64), NB_CPUS and MAX_CPUS
// (u16, both ctx.cpus: svm has no CPU hot-plug), and the file "etc/e820" built from
// ctx.memory_map() when the guest selects it. DMA goes through ctx.memory.
std::shared_ptr<FwCfg> make_fw_cfg(DeviceContext& ctx);

}  // namespace svm
