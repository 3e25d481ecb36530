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

// Writes the GDT the Limine protocol promises (PROTOCOL.md "Machine State at Entry", x86-64:
// seven descriptors, the 64-bit code at 0x28 and data at 0x30) at `gdt`. Returns an error if RAM
// does not reach it.
Result<void> write_limine_gdt(GuestMemory& memory, uint64_t gdt);

// Builds the boot page tables of a long-mode start (image.mappings, in svm's pool at
// image.layout.page_tables or a Limine executable's own pool) and returns CR3 (guest-physical);
// returns 0 without writing anything for other modes. Errors: build_boot_page_tables's.
Result<uint64_t> build_kernel_page_tables(GuestMemory& memory, const KernelImage& image);

// Returns the initial state of the bootstrap processor for `image`: for a Limine executable
// (image.limine) the protocol's entry state (PROTOCOL.md "Machine State at Entry", x86-64:
// selectors 0x28/0x30 of write_limine_gdt's GDT at image.layout.gdt, every general register 0, RSP
// = image.limine->rsp); otherwise the mode's segments from the boot GDT at image.layout.gdt,
// control registers (with `cr3` for long mode), the stack pointer (image.layout.stack_top; real
// mode SS:SP = stack_base >> 4 : 0xFFF0), the entry point, and the registers that point at the
// machine table (image.layout.machine_table) or carry the Multiboot handoff.
CpuState boot_cpu_state(const KernelImage& image, uint64_t cr3);

}  // namespace svm
