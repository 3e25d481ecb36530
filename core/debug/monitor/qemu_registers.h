// `monitor info registers` in the shape of QEMU's x86_cpu_dump_state (QEMU target/i386/cpu-dump.c)
// with CPU_DUMP_FPU, as QEMU's HMP `info registers` prints it.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "core/debug/register_map.h"

namespace svm {

// QEMU's descriptor-cache flags word for a segment: the attribute bits of the descriptor's high
// dword (SDM Vol. 3A, 3.4.5: type 11:8, S 12, DPL 14:13, P 15, AVL 20, L 21, D/B 22, G 23). An
// unusable segment (KVM's "unusable") reads as not present, as QEMU's KVM accelerator shows it.
uint32_t qemu_segment_flags(const Segment& segment);

// Formats `regs` as QEMU's `info registers`: general registers (RAX=... in 64-bit code, EAX=...
// otherwise, as QEMU decides by CS.L and EFER.LMA), RIP/RFL with the DOSZAPC letters, CPL, II
// (svm does not read the interrupt shadow: always 0), A20=1, SMM=0, HLT=`halted`; the segment
// registers ES CS SS DS FS GS LDT TR with QEMU's decoding; GDT, IDT, CR0-4; DR0-3, DR6, DR7 from
// `debug_registers` (index = DR number; 4 and 5 unused); EFER; then FCW/FSW/FTW/MXCSR, FPR0-7 and
// XMM registers (16 in 64-bit code, 8 otherwise). Every line ends with '\n'.
std::string format_registers_qemu(const VcpuRegisters& regs,
                                  const std::array<uint64_t, 8>& debug_registers, bool halted);

}  // namespace svm
