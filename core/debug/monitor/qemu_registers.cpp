#include "core/debug/monitor/qemu_registers.h"

#include <fmt/format.h>

#include <cstring>

namespace svm {

namespace {

constexpr uint32_t kFlagP = 1u << 15;
constexpr uint32_t kFlagS = 1u << 12;
constexpr uint32_t kFlagL = 1u << 21;
constexpr uint32_t kFlagB = 1u << 22;
constexpr uint32_t kTypeCode = 1u << 11;  // type bit 3: code (1) or data (0)
constexpr uint32_t kTypeCE = 1u << 10;    // code: conforming; data: expand-down
constexpr uint32_t kTypeRW = 1u << 9;     // code: readable; data: writable
constexpr uint32_t kTypeA = 1u << 8;      // accessed

// System descriptor type names (SDM Vol. 3A, Table 3-2), legacy and IA-32e mode, as QEMU names
// them.
constexpr const char* kSystemTypes[2][16] = {
    {"Reserved", "TSS16-avl", "LDT", "TSS16-busy", "CallGate16", "TaskGate", "IntGate16",
     "TrapGate16", "Reserved", "TSS32-avl", "Reserved", "TSS32-busy", "CallGate32", "Reserved",
     "IntGate32", "TrapGate32"},
    {"<hiword>", "Reserved", "LDT", "Reserved", "Reserved", "Reserved", "Reserved", "Reserved",
     "Reserved", "TSS64-avl", "Reserved", "TSS64-busy", "CallGate64", "Reserved", "IntGate64",
     "TrapGate64"},
};

std::string segment_line(const CpuState& s, const char* name, const Segment& seg) {
    const bool cs64 = (s.efer & x86::EFER_LMA) && s.cs.l;
    const bool lma = s.efer & x86::EFER_LMA;
    const uint32_t flags = qemu_segment_flags(seg);
    std::string line = cs64 ? fmt::format("{:<3}={:04x} {:016x} {:08x} {:08x}", name, seg.selector,
                                          seg.base, seg.limit, flags)
                            : fmt::format("{:<3}={:04x} {:08x} {:08x} {:08x}", name, seg.selector,
                                          static_cast<uint32_t>(seg.base), seg.limit, flags);
    if ((s.cr0 & x86::CR0_PE) && (flags & kFlagP)) {
        line += fmt::format(" DPL={} ", seg.dpl);
        if (flags & kFlagS) {
            if (flags & kTypeCode) {
                line += (flags & kFlagL) ? "CS64" : (flags & kFlagB) ? "CS32" : "CS16";
                line +=
                    fmt::format(" [{}{}", flags & kTypeCE ? 'C' : '-', flags & kTypeRW ? 'R' : '-');
            } else {
                line += (flags & kFlagB) || lma ? "DS  " : "DS16";
                line +=
                    fmt::format(" [{}{}", flags & kTypeCE ? 'E' : '-', flags & kTypeRW ? 'W' : '-');
            }
            line += fmt::format("{}]", flags & kTypeA ? 'A' : '-');
        } else {
            line += kSystemTypes[lma ? 1 : 0][seg.type & 0xf];
        }
    }
    return line + "\n";
}

uint64_t load64(const uint8_t* p) {
    uint64_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

}  // namespace

uint32_t qemu_segment_flags(const Segment& seg) {
    return (uint32_t{seg.type} & 0xf) << 8 | uint32_t{seg.s} << 12 | (uint32_t{seg.dpl} & 3) << 13 |
           uint32_t{seg.present && !seg.unusable} << 15 | uint32_t{seg.avl} << 20 |
           uint32_t{seg.l} << 21 | uint32_t{seg.db} << 22 | uint32_t{seg.g} << 23;
}

std::string format_registers_qemu(const VcpuRegisters& regs, const std::array<uint64_t, 8>& dr,
                                  bool halted) {
    const CpuState& s = regs.state;
    const bool lma = s.efer & x86::EFER_LMA;
    const bool cs64 = lma && s.cs.l;
    const uint32_t eflags = static_cast<uint32_t>(s.rflags);
    auto flag = [&](int bit, char c) { return (eflags >> bit) & 1 ? c : '-'; };
    const std::string letters =
        fmt::format("[{}{}{}{}{}{}{}]", flag(10, 'D'), flag(11, 'O'), flag(7, 'S'), flag(6, 'Z'),
                    flag(4, 'A'), flag(2, 'P'), flag(0, 'C'));
    // II is the interrupt shadow (STI / MOV SS), which svm does not read; SMM and A20 are fixed.
    const std::string tail =
        fmt::format("CPL={} II=0 A20=1 SMM=0 HLT={}", cpl_of(s), halted ? 1 : 0);
    std::string out;
    if (cs64) {
        out += fmt::format("RAX={:016x} RBX={:016x} RCX={:016x} RDX={:016x}\n", s.rax, s.rbx, s.rcx,
                           s.rdx);
        out += fmt::format("RSI={:016x} RDI={:016x} RBP={:016x} RSP={:016x}\n", s.rsi, s.rdi, s.rbp,
                           s.rsp);
        out += fmt::format("R8 ={:016x} R9 ={:016x} R10={:016x} R11={:016x}\n", s.r8, s.r9, s.r10,
                           s.r11);
        out += fmt::format("R12={:016x} R13={:016x} R14={:016x} R15={:016x}\n", s.r12, s.r13, s.r14,
                           s.r15);
        out += fmt::format("RIP={:016x} RFL={:08x} {} {}\n", s.rip, eflags, letters, tail);
    } else {
        auto r32 = [](uint64_t v) { return static_cast<uint32_t>(v); };
        out += fmt::format("EAX={:08x} EBX={:08x} ECX={:08x} EDX={:08x}\n", r32(s.rax), r32(s.rbx),
                           r32(s.rcx), r32(s.rdx));
        out += fmt::format("ESI={:08x} EDI={:08x} EBP={:08x} ESP={:08x}\n", r32(s.rsi), r32(s.rdi),
                           r32(s.rbp), r32(s.rsp));
        out += fmt::format("EIP={:08x} EFL={:08x} {} {}\n", r32(s.rip), eflags, letters, tail);
    }
    out += segment_line(s, "ES", s.es);
    out += segment_line(s, "CS", s.cs);
    out += segment_line(s, "SS", s.ss);
    out += segment_line(s, "DS", s.ds);
    out += segment_line(s, "FS", s.fs);
    out += segment_line(s, "GS", s.gs);
    out += segment_line(s, "LDT", s.ldt);
    out += segment_line(s, "TR", s.tr);
    if (lma) {
        out += fmt::format("GDT=     {:016x} {:08x}\n", s.gdt.base, s.gdt.limit);
        out += fmt::format("IDT=     {:016x} {:08x}\n", s.idt.base, s.idt.limit);
        out +=
            fmt::format("CR0={:08x} CR2={:016x} CR3={:016x} CR4={:08x}\n",
                        static_cast<uint32_t>(s.cr0), s.cr2, s.cr3, static_cast<uint32_t>(s.cr4));
    } else {
        out +=
            fmt::format("GDT=     {:08x} {:08x}\n", static_cast<uint32_t>(s.gdt.base), s.gdt.limit);
        out +=
            fmt::format("IDT=     {:08x} {:08x}\n", static_cast<uint32_t>(s.idt.base), s.idt.limit);
        out += fmt::format("CR0={:08x} CR2={:08x} CR3={:08x} CR4={:08x}\n",
                           static_cast<uint32_t>(s.cr0), static_cast<uint32_t>(s.cr2),
                           static_cast<uint32_t>(s.cr3), static_cast<uint32_t>(s.cr4));
    }
    for (int i = 0; i < 4; ++i) out += fmt::format("DR{}={:016x} ", i, dr[static_cast<size_t>(i)]);
    out += fmt::format("\nDR6={:016x} DR7={:016x}\n", dr[6], dr[7]);
    out += fmt::format("EFER={:016x}\n", s.efer);

    // FPU and SSE state from KVM_GET_FPU (FXSAVE layout, Intel SDM Vol. 1, 10.5.1): registers in
    // ST(i) order; FTW is the abridged tag word (one bit per register, 1 = valid).
    const kvm_fpu& f = regs.fpu;
    out += fmt::format("FCW={:04x} FSW={:04x} [ST={}] FTW={:02x} MXCSR={:08x}\n", f.fcw, f.fsw,
                       (f.fsw >> 11) & 7, f.ftwx, f.mxcsr);
    for (int i = 0; i < 8; ++i) {
        const uint8_t* r = f.fpr[i];
        uint16_t exponent = static_cast<uint16_t>(r[8] | (r[9] << 8));
        out += fmt::format("FPR{}={:016x} {:04x}{}", i, load64(r), exponent, i & 1 ? "\n" : " ");
    }
    const int xmm_count = cs64 ? 16 : 8;
    for (int i = 0; i < xmm_count; ++i) {
        const uint8_t* x = f.xmm[i];
        out += fmt::format("XMM{:02d}={:016x} {:016x}{}", i, load64(x + 8), load64(x),
                           i & 1 ? "\n" : " ");
    }
    return out;
}

}  // namespace svm
