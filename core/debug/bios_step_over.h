// Stepping over BIOS calls: a `stepi` on `int 0x10` in a boot sector should run the BIOS service
// as one instruction and stop at the next instruction of the boot sector, the way a user reads
// the code, not enter the BIOS's handler (svm's ROM stub, which traps to svm). VmDebugger turns
// such a step into "run to the return address" with a hidden breakpoint there, so interrupts stay
// enabled (int 0x16 waits for a key with sti; hlt, which a single-step with interrupts blocked
// would never leave).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "core/x86_64/cpu_state.h"

namespace svm {

// The BIOS ROM segment: an interrupt vector that points into it is a BIOS service.
constexpr uint16_t kBiosRomSegment = 0xf000;

// Reads guest-physical memory; returns false if [gpa, gpa + out.size()) is not RAM.
using PhysicalReader = std::function<bool(uint64_t gpa, std::span<uint8_t> out)>;

// If `state` is in real mode at an `int imm8` (CD ib; SDM Vol. 2A "INT n") whose interrupt
// vector table entry (linear 4 * imm8: offset, then segment) points into the BIOS ROM segment,
// returns the guest-physical address of the instruction after it (CS.base + IP + 2, IP wrapping
// at 64 KiB), where the step ends; otherwise nothing. Real mode only: in protected and long mode
// an `int` enters the kernel's own handler, which is the kernel's code to step through.
std::optional<uint64_t> bios_call_return_address(const CpuState& state, const PhysicalReader& read);

}  // namespace svm
