// The CPU state svm starts a kernel in, per format (documented in docs/machine.md, "Entry state").
#pragma once

#include <cstdint>

#include "core/guest_memory.h"
#include "core/loader/kernel_image.h"
#include "core/result.h"
#include "core/x86_64/cpu_state.h"

namespace svm {

// Writes the boot GDT and TSS at SVM_GDT_ADDR. Returns an error if RAM does not reach it.
Result<void> write_boot_gdt(GuestMemory& memory);

// Returns the initial state of the bootstrap processor for `image`: the mode's segments from the
// boot GDT, control registers (with `cr3` for long mode), stack pointer, the entry point, and the
// registers that point at the machine table or carry the Multiboot handoff.
CpuState boot_cpu_state(const KernelImage& image, uint64_t cr3);

}  // namespace svm
