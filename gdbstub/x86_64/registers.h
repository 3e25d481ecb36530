// The x86-64 register file svm presents to gdb, in target.xml order. The layout is fixed (every
// register is always present, whatever the CPU mode), so gdb never sees "g packet reply is too
// long" when the guest switches modes.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace svm::gdb::x86_64 {

// Register numbers as gdb numbers them (the order of target.xml).
enum Reg : int {
    Rax,
    Rbx,
    Rcx,
    Rdx,
    Rsi,
    Rdi,
    Rbp,
    Rsp,
    R8,
    R9,
    R10,
    R11,
    R12,
    R13,
    R14,
    R15,
    Rip,  // 16
    Eflags,
    Cs,
    Ss,
    Ds,
    Es,
    Fs,
    Gs,  // 17-23, 32-bit
    St0,
    St1,
    St2,
    St3,
    St4,
    St5,
    St6,
    St7,  // 24-31, 80-bit
    Fctrl,
    Fstat,
    Ftag,
    Fiseg,
    Fioff,
    Foseg,
    Fooff,
    Fop,  // 32-39, 32-bit
    Xmm0,
    Xmm1,
    Xmm2,
    Xmm3,
    Xmm4,
    Xmm5,
    Xmm6,
    Xmm7,
    Xmm8,
    Xmm9,
    Xmm10,
    Xmm11,
    Xmm12,
    Xmm13,
    Xmm14,
    Xmm15,  // 40-55, 128-bit
    Mxcsr,  // 56
    FsBase,
    GsBase,  // 57-58 (org.gnu.gdb.i386.segments)
    KGsBase,
    Cr0,
    Cr2,
    Cr3,
    Cr4,
    Cr8,
    Efer,  // 59-65 (org.svm.x86.sys)
    // org.svm.x86.descriptors: hidden parts of the segment registers and the tables.
    CsBase,
    CsLimit,
    CsAttr,
    SsBase,
    SsLimit,
    SsAttr,
    DsBase,
    DsLimit,
    DsAttr,
    EsBase,
    EsLimit,
    EsAttr,
    FsLimit,
    FsAttr,
    GsLimit,
    GsAttr,
    Ldtr,
    LdtrBase,
    LdtrLimit,
    LdtrAttr,
    Tr,
    TrBase,
    TrLimit,
    TrAttr,
    GdtrBase,
    GdtrLimit,
    IdtrBase,
    IdtrLimit,
    // The i386 names of the low halves (org.gnu.gdb.i386.core, after everything else so the
    // 64-bit layout above is unchanged): with them the same target description satisfies gdb's
    // i386 architecture (an ELF32 kernel, `set architecture i386` or `i8086`) as well as its
    // amd64 one. Session keeps them equal to the low 32 bits of their 64-bit registers
    // (derive_i386_aliases, merge_i386_aliases).
    Eax,
    Ecx,
    Edx,
    Ebx,
    Esp,
    Ebp,
    Esi,
    Edi,
    Eip,
    // org.gnu.gdb.i386.linux: with this feature gdb's GNU/Linux OS ABI (its default for a bare
    // ELF file) sets itself up completely, and only then does $_siginfo have a type. svm reads
    // both as -1 ("not in a system call") and ignores writes.
    OrigRax,
    OrigEax,
    kRegisterCount
};

// The 64-bit register whose low half the i386 alias `alias` (Eax..Eip) names.
constexpr Reg full_register_of(int alias) {
    constexpr Reg kFull[] = {Rax, Rcx, Rdx, Rbx, Rsp, Rbp, Rsi, Rdi, Rip};
    return kFull[alias - Eax];
}
constexpr bool is_i386_alias(int r) {
    return r >= Eax && r <= Eip;
}

struct RegisterInfo {
    std::string_view name;
    int bits;                  // 32, 64, 80 or 128
    std::string_view type;     // target.xml type: int64, uint64, int32, uint32, i387_ext, vec128,
                               // i386_eflags, i386_mxcsr
    std::string_view group;    // "general", "float", "vector", "system" or "" (gdb's default)
    std::string_view feature;  // target.xml feature name
};

// The table for every register, indexed by Reg.
const std::array<RegisterInfo, kRegisterCount>& register_table();

// Byte offset of register `r` in the 'g' packet block, and the block's total size.
size_t register_offset(int r);
size_t register_block_size();

// All registers as raw little-endian bytes (each register's bytes at register_offset()).
class RegisterFile {
public:
    RegisterFile();
    // data_ points into storage_, so copies must re-point it (the implicit copy would alias the
    // source's storage).
    RegisterFile(const RegisterFile& other);
    RegisterFile& operator=(const RegisterFile& other);
    uint64_t get(int r) const;        // zero-extended; 80/128-bit registers: low 64 bits
    void set(int r, uint64_t value);  // stores the low `bits` bits
    std::span<uint8_t> bytes(int r);
    std::span<const uint8_t> bytes(int r) const;
    std::span<uint8_t> block() { return {data_.data(), data_.size()}; }
    std::span<const uint8_t> block() const { return {data_.data(), data_.size()}; }

private:
    std::array<uint8_t, 1024> storage_{};
    std::span<uint8_t> data_;
};

// The packed VMX-style access-rights word svm uses for *Attr registers:
// type | S << 4 | DPL << 5 | P << 7 | AVL << 12 | L << 13 | D/B << 14 | G << 15 | unusable << 16.
constexpr uint32_t pack_segment_attributes(uint8_t type, bool s, uint8_t dpl, bool present,
                                           bool avl, bool l, bool db, bool g, bool unusable) {
    return (type & 0xfu) | (uint32_t{s} << 4) | ((dpl & 3u) << 5) | (uint32_t{present} << 7) |
           (uint32_t{avl} << 12) | (uint32_t{l} << 13) | (uint32_t{db} << 14) |
           (uint32_t{g} << 15) | (uint32_t{unusable} << 16);
}

// Sets each i386 alias (Eax..Eip) to the low 32 bits of its 64-bit register, and orig_rax and
// orig_eax to -1: call on every register file read from a target before gdb sees it.
void derive_i386_aliases(RegisterFile& regs);
// `written` is a register file gdb sent ('G' or after a 'P'), `before` the one it was based on:
// where gdb changed an alias, its value replaces the low 32 bits of the 64-bit register (the upper
// half is kept, as gdb's own amd64 eax pseudo register does); then the aliases are re-derived.
// If gdb changed both halves' registers, the 64-bit value wins.
void merge_i386_aliases(const RegisterFile& before, RegisterFile& written);

// The target description (target.xml) generated from register_table(), with features
// org.gnu.gdb.i386.core (the 64-bit registers and their i386 aliases), .sse, org.svm.x86.sys
// and org.svm.x86.descriptors (GDB manual G "Target Descriptions"; G.5.1 "i386 Features").
// `architecture` is the <architecture> element's text, e.g. "i386:x86-64"; empty: none, so gdb
// takes the architecture from the program file (or `set architecture`).
std::string_view target_xml(std::string_view architecture = "i386:x86-64");

// The register number for a gdb register name ("rip", "cs_base"), or -1 if there is none.
int register_by_name(std::string_view name);

}  // namespace svm::gdb::x86_64
