// The CPU state svm starts a kernel in, per format (documented in docs/machine.md, "Entry state").
#pragma once

#include <svm/machine.h>

#include <cstdint>

#include "core/guest_memory.h"
#include "core/loader/kernel_image.h"
#include "core/result.h"
#include "core/x86_64/cpu_state.h"

namespace svm {

// Writes the boot GDT at `gdt` and the TSS at gdt + 0x100 (default SVM_GDT_ADDR). Returns an error
// if RAM does not reach them.
Result<void> write_boot_gdt(GuestMemory& memory, uint64_t gdt = SVM_GDT_ADDR);

// Returns the initial state of the bootstrap processor for `image`: the mode's segments from the
// boot GDT at image.layout.gdt, control registers (with `cr3` for long mode), the stack pointer
// (image.layout.stack_top; real mode SS:SP = stack_base >> 4 : 0xFFF0), the entry point, and the
// registers that point at the machine table (image.layout.machine_table) or carry the Multiboot
// handoff.
CpuState boot_cpu_state(const KernelImage& image, uint64_t cr3);

}  // namespace svm
