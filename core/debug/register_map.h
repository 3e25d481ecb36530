// Conversion between a vCPU's state and the register file gdb sees (gdbstub/x86_64/registers.h).
#pragma once

#include <linux/kvm.h>

#include "core/x86_64/cpu_state.h"
#include "gdbstub/x86_64/registers.h"

namespace svm {

// Everything gdb's register set covers for one vCPU.
struct VcpuRegisters {
    CpuState state;
    kvm_fpu fpu{};
    uint64_t kernel_gs_base = 0;  // MSR IA32_KERNEL_GS_BASE (0xC0000102)
    uint32_t mp_state = 0;        // KVM_MP_STATE_*: runnable, halted, waiting for SIPI
};

constexpr uint32_t kMsrKernelGsBase = 0xc0000102;

// In real mode gdb's pc is the linear address CS.base + IP (what `x/i $pc` and `break *ADDR` need);
// in every other mode it is RIP.
uint64_t gdb_pc(const CpuState& state);

gdb::x86_64::RegisterFile to_gdb(const VcpuRegisters& regs);

// Applies gdb's register values to `regs` (selectors, in real mode, also move their segment base).
void from_gdb(const gdb::x86_64::RegisterFile& file, VcpuRegisters& regs);

}  // namespace svm
