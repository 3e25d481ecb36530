// A vCPU's architectural state in svm's own terms (no <linux/kvm.h>), so reports, the page walker
// and the debugger adapter can be unit-tested on synthetic state. core/kvm converts to and from
// struct kvm_regs / kvm_sregs.
#pragma once

#include <cstdint>

#include "core/x86_64/cpu_mode.h"

namespace svm {

struct Segment {
    uint64_t base = 0;
    uint32_t limit = 0;
    uint16_t selector = 0;
    uint8_t type = 0;  // descriptor type field (4 bits)
    bool present = false;
    uint8_t dpl = 0;
    bool db = false;  // default operand size (1 = 32-bit)
    bool s = false;   // code/data (1) or system (0)
    bool l = false;   // 64-bit code
    bool g = false;   // granularity
    bool avl = false;
    bool unusable = false;
};

struct DescriptorTable {
    uint64_t base = 0;
    uint16_t limit = 0;
};

struct CpuState {
    uint64_t rax = 0, rbx = 0, rcx = 0, rdx = 0, rsi = 0, rdi = 0, rsp = 0, rbp = 0;
    uint64_t r8 = 0, r9 = 0, r10 = 0, r11 = 0, r12 = 0, r13 = 0, r14 = 0, r15 = 0;
    uint64_t rip = 0, rflags = 0;
    Segment cs, ds, es, fs, gs, ss, tr, ldt;
    DescriptorTable gdt, idt;
    uint64_t cr0 = 0, cr2 = 0, cr3 = 0, cr4 = 0, cr8 = 0, efer = 0;
    uint64_t apic_base = 0;
};

// Architectural bits used across svm (Intel SDM Vol. 3A, 2.5 "Control Registers", and 4.1).
namespace x86 {
constexpr uint64_t CR0_PE = 1ull << 0;
constexpr uint64_t CR0_ET = 1ull << 4;
constexpr uint64_t CR0_WP = 1ull << 16;
constexpr uint64_t CR0_PG = 1ull << 31;
constexpr uint64_t CR4_PSE = 1ull << 4;
constexpr uint64_t CR4_PAE = 1ull << 5;
constexpr uint64_t CR4_LA57 = 1ull << 12;
constexpr uint64_t EFER_SCE = 1ull << 0;
constexpr uint64_t EFER_LME = 1ull << 8;
constexpr uint64_t EFER_LMA = 1ull << 10;
constexpr uint64_t EFER_NXE = 1ull << 11;
constexpr uint64_t RFLAGS_IF = 1ull << 9;
constexpr uint64_t RFLAGS_TF = 1ull << 8;
constexpr uint64_t RFLAGS_FIXED = 1ull << 1;
}  // namespace x86

// The mode the vCPU executes in: real (CR0.PE = 0), long (EFER.LMA = 1; 64-bit or compatibility
// sub-mode depending on CS.L) or protected.
inline CpuMode mode_of(const CpuState& s) {
    if (!(s.cr0 & x86::CR0_PE)) return CpuMode::Real;
    if (s.efer & x86::EFER_LMA) return CpuMode::Long;
    return CpuMode::Protected;
}

// The width in bits of the code the vCPU executes now: 16, 32 or 64.
inline int code_bits(const CpuState& s) {
    if (!(s.cr0 & x86::CR0_PE)) return 16;
    if ((s.efer & x86::EFER_LMA) && s.cs.l) return 64;
    return s.cs.db ? 32 : 16;
}

// The current privilege level (CS.DPL in protected and long mode, 0 in real mode).
inline int cpl_of(const CpuState& s) {
    return (s.cr0 & x86::CR0_PE) ? (s.cs.selector & 3) : 0;
}

}  // namespace svm
