#include "core/x86_64/crash_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>
#include <string_view>
#include <utility>

#include "core/x86_64/disassembler.h"
#include "core/x86_64/page_walker.h"

namespace svm {

namespace {

// Returns the names in `names` (indexed by bit number, nullptr = unnamed) of the bits set in value.
template <size_t N>
std::string bit_names(uint64_t value, const std::array<const char*, N>& names) {
    std::string out;
    for (size_t bit = 0; bit < N; ++bit) {
        if (!(value & (1ull << bit)) || !names[bit]) continue;
        if (!out.empty()) out += ' ';
        out += names[bit];
    }
    return out;
}

// Returns " [names]", or nothing when no bit is set.
std::string bracketed(const std::string& names) {
    return names.empty() ? std::string() : " [" + names + "]";
}

// SDM Vol. 3A, 3.4.5.1 "Code- and Data-Segment Descriptor Types" and Table 3-2 (system types).
std::string segment_type(const Segment& seg) {
    if (!seg.s && !seg.present && seg.type == 0) return "null";
    if (!seg.s) {
        switch (seg.type) {
            case 0x2:
                return "LDT";
            case 0x9:
                return "TSS available";
            case 0xb:
                return "TSS busy";
            case 0x1:
                return "TSS16 available";
            case 0x3:
                return "TSS16 busy";
            default:
                return "system";
        }
    }
    std::string out = (seg.type & 8) ? "code X" : "data R";
    if (seg.type & 8) {
        if (seg.type & 2) out += 'R';
        if (seg.type & 4) out += " conforming";
    } else {
        if (seg.type & 2) out += 'W';
        if (seg.type & 4) out += " expand-down";
    }
    if (seg.type & 1) out += " accessed";
    return out;
}

std::string format_segment(const char* name, const Segment& seg) {
    std::string out =
        fmt::format("{:<4} sel={:#06x} base={:#018x} limit={:#010x} type={:#x} ({})", name,
                    seg.selector, seg.base, seg.limit, seg.type, segment_type(seg));
    out += fmt::format(" DPL={}", seg.dpl);
    if (seg.present) out += " P";
    if (seg.db) out += " D/B";
    if (seg.l) out += " L";
    if (seg.g) out += " G";
    if (seg.avl) out += " AVL";
    if (seg.unusable) out += " unusable";
    return out + '\n';
}

std::string mode_line(const CpuState& s, const PagingRegs& regs) {
    const int bits = code_bits(s);
    std::string mode;
    switch (mode_of(s)) {
        case CpuMode::Real:
            mode = "real mode";
            break;
        case CpuMode::Protected:
            mode = (s.rflags & (1ull << 17)) ? "virtual-8086 mode" : "protected mode";
            break;
        case CpuMode::Long:
            mode = s.cs.l ? "long mode" : "compatibility mode";
            break;
    }
    return fmt::format("mode: {}, {}-bit code, CPL {}, paging {}\n", mode, bits, cpl_of(s),
                       to_string(paging_mode(regs)));
}

std::string registers(const CpuState& s) {
    const std::array<std::pair<const char*, uint64_t>, 16> gprs{{
        {"RAX", s.rax},
        {"RBX", s.rbx},
        {"RCX", s.rcx},
        {"RDX", s.rdx},
        {"RSI", s.rsi},
        {"RDI", s.rdi},
        {"RBP", s.rbp},
        {"RSP", s.rsp},
        {"R8", s.r8},
        {"R9", s.r9},
        {"R10", s.r10},
        {"R11", s.r11},
        {"R12", s.r12},
        {"R13", s.r13},
        {"R14", s.r14},
        {"R15", s.r15},
    }};
    std::string out;
    for (size_t i = 0; i < gprs.size(); ++i) {
        out += fmt::format("{:<3}={:#018x}", gprs[i].first, gprs[i].second);
        out += (i % 4 == 3) ? '\n' : ' ';
    }
    out += fmt::format("RIP={:#018x} RFLAGS={:#018x}{}\n", s.rip, s.rflags,
                       bracketed(describe_rflags(s.rflags)));
    return out;
}

std::string control_registers(const CpuState& s) {
    std::string out;
    out += fmt::format("CR0={:#018x}{}\n", s.cr0, bracketed(describe_cr0(s.cr0)));
    out += fmt::format("CR2={:#018x} CR3={:#018x} CR8={:#x}\n", s.cr2, s.cr3, s.cr8);
    out += fmt::format("CR4={:#018x}{}\n", s.cr4, bracketed(describe_cr4(s.cr4)));
    out += fmt::format("EFER={:#018x}{}\n", s.efer, bracketed(describe_efer(s.efer)));
    return out;
}

std::string code_at_rip(const CrashInfo& info, const GuestMemory& mem, const PagingRegs& regs) {
    const CpuState& s = info.state;
    const int bits = code_bits(s);
    // SDM Vol. 3A, 3.4.4: in 64-bit mode the CS base is ignored (treated as 0); elsewhere the
    // instruction pointer is IP/EIP and the linear address wraps at 4 GiB.
    uint64_t linear = 0;
    if (bits == 64)
        linear = s.rip;
    else
        linear =
            (s.cs.base + (bits == 16 ? (s.rip & 0xFFFF) : (s.rip & 0xFFFF'FFFF))) & 0xFFFF'FFFFull;

    std::string out =
        fmt::format("code at CS:RIP {:#06x}:{:#x} (linear {:#x}):\n", s.cs.selector, s.rip, linear);
    std::array<uint8_t, kCrashReportInstructions * 15> bytes{};
    std::span<uint8_t> want(bytes);
    // 16-bit code: IP wraps at 64 KiB (SDM Vol. 3A, 20.1.1), so do not read past CS:FFFF.
    if (bits == 16) want = want.first(std::min<uint64_t>(want.size(), 0x10000 - (s.rip & 0xFFFF)));
    auto got = read_linear(mem, regs, linear, want);
    if (!got) return out + fmt::format("   cannot read code: {}\n", got.error().message);

    auto code = std::span<const uint8_t>(bytes.data(), *got);
    auto insns = disassemble(code, linear, bits, kCrashReportInstructions);
    for (size_t i = 0; i < insns.size(); ++i) {
        const auto& insn = insns[i];
        // Addresses as wide as the code's: 16 hex digits for 64-bit code, 8 otherwise.
        out += fmt::format("{} {:#0{}x}  {:<24} {}\n", i == 0 ? "=>" : "  ", insn.address,
                           bits == 64 ? 18 : 10, insn.bytes_hex, insn.text);
    }
    if (*got < want.size())
        out += fmt::format("   (only {} bytes readable: the next page is not mapped)\n", *got);
    if (info.emulation_failure) {
        std::string hint = emulation_failure_hint(code, bits);
        if (!hint.empty()) out += fmt::format("hint: {}\n", hint);
    }
    if (info.host_hints) {
        std::string hint = host_limit_hint(s, mem, info.host);
        if (!hint.empty()) out += fmt::format("hint: {}\n", hint);
    }
    return out;
}

// The value of general register `name` (Intel syntax as Zydis prints it: "eax", "r8d", "rbx"),
// or nothing for another operand.
std::optional<uint64_t> register_value(const CpuState& s, std::string_view name) {
    static constexpr std::array<std::pair<std::string_view, uint64_t CpuState::*>, 16> regs{{
        {"ax", &CpuState::rax},
        {"bx", &CpuState::rbx},
        {"cx", &CpuState::rcx},
        {"dx", &CpuState::rdx},
        {"si", &CpuState::rsi},
        {"di", &CpuState::rdi},
        {"sp", &CpuState::rsp},
        {"bp", &CpuState::rbp},
        {"r8", &CpuState::r8},
        {"r9", &CpuState::r9},
        {"r10", &CpuState::r10},
        {"r11", &CpuState::r11},
        {"r12", &CpuState::r12},
        {"r13", &CpuState::r13},
        {"r14", &CpuState::r14},
        {"r15", &CpuState::r15},
    }};
    // "eax"/"rax" -> "ax"; "r8d" -> "r8".
    if (name.size() == 3 && (name[0] == 'e' || name[0] == 'r') && !std::isdigit(name[1]))
        name.remove_prefix(1);
    if (!name.empty() && name.back() == 'd' && name[0] == 'r') name.remove_suffix(1);
    for (const auto& [n, member] : regs)
        if (n == name) return s.*member;
    return std::nullopt;
}

// The value a `mov cr0, reg` instruction loads, if `insn` is one.
std::optional<uint64_t> cr0_load_value(const CpuState& s, const Instruction& insn) {
    constexpr std::string_view kPrefix = "mov cr0, ";
    if (!insn.valid || !insn.text.starts_with(kPrefix)) return std::nullopt;
    return register_value(s, std::string_view(insn.text).substr(kPrefix.size()));
}

std::string_view host_phrase(HostKvm host) {
    return host == HostKvm::Pvm ? "This host's KVM is nested KVM-PVM, which"
                                : "If this host's KVM is nested KVM-PVM (no vmx/svm CPU flag, "
                                  "module kvm_pvm), it";
}

}  // namespace

std::string host_limit_hint(const CpuState& s, const GuestMemory& mem, HostKvm host) {
    if (host == HostKvm::Hardware || !(s.cr0 & x86::CR0_PE)) return {};
    const int bits = code_bits(s);
    if (bits != 32) return {};
    const PagingRegs regs = PagingRegs::from(s);
    const uint64_t linear = (s.cs.base + (s.rip & 0xFFFF'FFFF)) & 0xFFFF'FFFF;
    // Three bytes before RIP (a `mov cr0, r32` that already executed) and the instruction at RIP.
    std::array<uint8_t, 18> bytes{};
    const size_t back = linear >= 3 ? 3 : 0;
    auto got = read_linear(mem, regs, linear - back, bytes);
    if (!got || *got <= back) return {};
    auto at_rip = disassemble(std::span(bytes).subspan(back, *got - back), linear, bits, 1);
    if (at_rip.empty()) return {};
    const Instruction& insn = at_rip[0];

    // 32-bit paging: PG requested with EFER.LME = 0 (with LME = 1 the same write enters long
    // mode, which works on every host).
    if (!(s.cr0 & x86::CR0_PG) && !(s.efer & x86::EFER_LME)) {
        std::optional<uint64_t> loaded = cr0_load_value(s, insn);
        bool just_before = false;
        if (!loaded && back == 3) {
            auto before = disassemble(std::span(bytes).first(3), linear - 3, bits, 1);
            if (!before.empty() && before[0].length == 3) {
                loaded = cr0_load_value(s, before[0]);
                just_before = loaded.has_value();
            }
        }
        if (loaded && (*loaded & x86::CR0_PG))
            return fmt::format(
                "the guest faulted {} enabling 32-bit paging (mov cr0 with PG set while EFER.LME "
                "= 0). {} cannot run 32-bit (or PAE) paging: setting CR0.PG without long mode "
                "raises #GP, a triple fault before an IDT exists. Hardware KVM (Intel VT-x, AMD-V) "
                "and QEMU run this kernel; on this host, enter long mode instead (EFER.LME = 1 "
                "before CR0.PG)",
                just_before ? "just after" : "at", host_phrase(host));
    }
    // 32-bit interrupt delivery through a guest IDT.
    if (s.idt.limit != 0 && insn.valid &&
        (insn.text.starts_with("int") || insn.text.starts_with("iret")))
        return fmt::format(
            "`{}` in 32-bit protected mode with an IDT loaded. {} cannot emulate interrupt "
            "delivery or iret in 32-bit protected mode, so a 32-bit kernel's int n, exceptions "
            "and interrupt returns stop here. Hardware KVM (Intel VT-x, AMD-V) and QEMU run this "
            "kernel; on this host, put interrupt-driven code in 64-bit long mode",
            insn.text, host_phrase(host));
    return {};
}

std::string describe_rflags(uint64_t rflags) {
    // SDM Vol. 1, 3.4.3 "EFLAGS Register".
    static constexpr std::array<const char*, 22> names{
        "CF", nullptr, "PF",    nullptr, "AF",    nullptr, "ZF", "SF", "TF",  "IF",  "DF",
        "OF", nullptr, nullptr, "NT",    nullptr, "RF",    "VM", "AC", "VIF", "VIP", "ID"};
    std::string out = bit_names(rflags, names);
    if (unsigned iopl = (rflags >> 12) & 3)
        out += fmt::format("{}IOPL={}", out.empty() ? "" : " ", iopl);
    return out;
}

std::string describe_cr0(uint64_t cr0) {
    // SDM Vol. 3A, 2.5 "Control Registers".
    static constexpr std::array<const char*, 32> names{
        "PE",    "MP",    "EM",    "TS",    "ET",    "NE",    nullptr, nullptr,
        nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
        "WP",    nullptr, "AM",    nullptr, nullptr, nullptr, nullptr, nullptr,
        nullptr, nullptr, nullptr, nullptr, nullptr, "NW",    "CD",    "PG"};
    return bit_names(cr0, names);
}

std::string describe_cr4(uint64_t cr4) {
    static constexpr std::array<const char*, 25> names{
        "VME",     "PVI",        "TSD",  "DE",   "PSE",  "PAE",  "MCE",   "PGE",      "PCE",
        "OSFXSR",  "OSXMMEXCPT", "UMIP", "LA57", "VMXE", "SMXE", nullptr, "FSGSBASE", "PCIDE",
        "OSXSAVE", "KL",         "SMEP", "SMAP", "PKE",  "CET",  "PKS"};
    return bit_names(cr4, names);
}

std::string describe_efer(uint64_t efer) {
    // SDM Vol. 3A, 2.2.1 "Extended Feature Enable Register"; SVME..TCE from AMD APM Vol. 2, 3.1.7.
    static constexpr std::array<const char*, 16> names{
        "SCE", nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
        "LME", nullptr, "LMA",   "NXE",   "SVME",  "LMSLE", "FFXSR", "TCE"};
    return bit_names(efer, names);
}

std::string format_crash_report(const CrashInfo& info, const GuestMemory& mem) {
    const CpuState& s = info.state;
    const PagingRegs regs = PagingRegs::from(s);
    std::string out = fmt::format("{} on vCPU {}\n", info.title, info.vcpu);
    if (!info.explanation.empty()) out += info.explanation + '\n';
    out += '\n';
    out += mode_line(s, regs);
    out += registers(s);
    out += format_segment("CS", s.cs);
    out += format_segment("DS", s.ds);
    out += format_segment("ES", s.es);
    out += format_segment("FS", s.fs);
    out += format_segment("GS", s.gs);
    out += format_segment("SS", s.ss);
    out += format_segment("LDTR", s.ldt);
    out += format_segment("TR", s.tr);
    out += fmt::format("GDTR base={:#018x} limit={:#06x}\n", s.gdt.base, s.gdt.limit);
    out += fmt::format("IDTR base={:#018x} limit={:#06x}\n", s.idt.base, s.idt.limit);
    out += control_registers(s);
    out += code_at_rip(info, mem, regs);
    return out;
}

}  // namespace svm
