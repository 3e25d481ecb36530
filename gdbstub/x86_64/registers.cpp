// The register table and RegisterFile. Names, types and groups follow gdb's own feature files
// (gdb/features/i386/64bit-core.xml, 64bit-sse.xml) so that gdb's amd64 architecture
// recognises org.gnu.gdb.i386.core/.sse; with the i386 aliases (eax..eip) in the core feature its
// i386 architecture accepts the same description. The org.svm.* features are svm's own and show
// up in gdb as plain named registers. fs_base and gs_base are in org.svm.x86.sys rather than
// org.gnu.gdb.i386.segments: gdb 13's i386 architecture fails an internal assertion
// (tdesc_use_registers: arch_regs.size () <= num_regs) on a description with that feature.
// No register has gdb's code_ptr or data_ptr type: their size is the architecture's pointer
// size, not the bitsize, so rip would shrink to 4 bytes under the i386 architecture (and eip grow
// to 8 under amd64) and the 'g' layout would no longer match; fixed-size integers keep one
// layout for i8086, i386 and amd64.
#include "gdbstub/x86_64/registers.h"

namespace svm::gdb::x86_64 {
namespace {

constexpr std::string_view kCore = "org.gnu.gdb.i386.core";
constexpr std::string_view kSse = "org.gnu.gdb.i386.sse";
constexpr std::string_view kSys = "org.svm.x86.sys";
constexpr std::string_view kLinux = "org.gnu.gdb.i386.linux";
constexpr std::string_view kDescriptors = "org.svm.x86.descriptors";

constexpr RegisterInfo gp(std::string_view name, std::string_view type = "int64") {
    return {name, 64, type, "", kCore};
}
constexpr RegisterInfo core32(std::string_view name, std::string_view type = "int32") {
    return {name, 32, type, "", kCore};
}
constexpr RegisterInfo st(std::string_view name) {
    return {name, 80, "i387_ext", "", kCore};
}
constexpr RegisterInfo fpu(std::string_view name) {
    return {name, 32, "int", "float", kCore};
}
constexpr RegisterInfo xmm(std::string_view name) {
    return {name, 128, "vec128", "", kSse};
}
constexpr RegisterInfo sys(std::string_view name, std::string_view type = "int64") {
    return {name, 64, type, "system", kSys};
}
constexpr RegisterInfo desc64(std::string_view name) {
    return {name, 64, "int64", "system", kDescriptors};
}
// Limits and access rights are unsigned (a flat limit is 0xffffffff, not -1); selectors stay
// int32 like cs..gs.
constexpr RegisterInfo desc32(std::string_view name) {
    return {name, 32, "uint32", "system", kDescriptors};
}
constexpr RegisterInfo selector(std::string_view name) {
    return {name, 32, "int32", "system", kDescriptors};
}

constexpr std::array<RegisterInfo, kRegisterCount> kTable = {{
    gp("rax"),
    gp("rbx"),
    gp("rcx"),
    gp("rdx"),
    gp("rsi"),
    gp("rdi"),
    gp("rbp", "uint64"),
    gp("rsp", "uint64"),
    gp("r8"),
    gp("r9"),
    gp("r10"),
    gp("r11"),
    gp("r12"),
    gp("r13"),
    gp("r14"),
    gp("r15"),
    gp("rip", "uint64"),
    core32("eflags", "i386_eflags"),
    core32("cs"),
    core32("ss"),
    core32("ds"),
    core32("es"),
    core32("fs"),
    core32("gs"),
    st("st0"),
    st("st1"),
    st("st2"),
    st("st3"),
    st("st4"),
    st("st5"),
    st("st6"),
    st("st7"),
    fpu("fctrl"),
    fpu("fstat"),
    fpu("ftag"),
    fpu("fiseg"),
    fpu("fioff"),
    fpu("foseg"),
    fpu("fooff"),
    fpu("fop"),
    xmm("xmm0"),
    xmm("xmm1"),
    xmm("xmm2"),
    xmm("xmm3"),
    xmm("xmm4"),
    xmm("xmm5"),
    xmm("xmm6"),
    xmm("xmm7"),
    xmm("xmm8"),
    xmm("xmm9"),
    xmm("xmm10"),
    xmm("xmm11"),
    xmm("xmm12"),
    xmm("xmm13"),
    xmm("xmm14"),
    xmm("xmm15"),
    {"mxcsr", 32, "i386_mxcsr", "vector", kSse},
    {"fs_base", 64, "int64", "", kSys},
    {"gs_base", 64, "int64", "", kSys},
    sys("k_gs_base"),
    sys("cr0", "svm_cr0"),
    sys("cr2"),
    sys("cr3"),
    sys("cr4", "svm_cr4"),
    sys("cr8"),
    sys("efer", "svm_efer"),
    desc64("cs_base"),
    desc32("cs_limit"),
    desc32("cs_attr"),
    desc64("ss_base"),
    desc32("ss_limit"),
    desc32("ss_attr"),
    desc64("ds_base"),
    desc32("ds_limit"),
    desc32("ds_attr"),
    desc64("es_base"),
    desc32("es_limit"),
    desc32("es_attr"),
    desc32("fs_limit"),
    desc32("fs_attr"),
    desc32("gs_limit"),
    desc32("gs_attr"),
    selector("ldtr"),
    desc64("ldtr_base"),
    desc32("ldtr_limit"),
    desc32("ldtr_attr"),
    selector("tr"),
    desc64("tr_base"),
    desc32("tr_limit"),
    desc32("tr_attr"),
    desc64("gdtr_base"),
    desc32("gdtr_limit"),
    desc64("idtr_base"),
    desc32("idtr_limit"),
    core32("eax"),
    core32("ecx"),
    core32("edx"),
    core32("ebx"),
    core32("esp", "uint32"),
    core32("ebp", "uint32"),
    core32("esi"),
    core32("edi"),
    core32("eip", "uint32"),
    {"orig_rax", 64, "int64", "system", kLinux},
    {"orig_eax", 32, "int32", "system", kLinux},
}};

struct Layout {
    std::array<size_t, kRegisterCount + 1> offsets{};
    constexpr Layout() {
        size_t offset = 0;
        for (int r = 0; r < kRegisterCount; ++r) {
            offsets[r] = offset;
            offset += kTable[r].bits / 8;
        }
        offsets[kRegisterCount] = offset;
    }
};
constexpr Layout kLayout;
static_assert(kLayout.offsets[Eax] == 752, "the 'g' block layout of the 64-bit registers changed");
static_assert(kLayout.offsets[kRegisterCount] == 800, "the 'g' block layout changed");

}  // namespace

const std::array<RegisterInfo, kRegisterCount>& register_table() {
    return kTable;
}

size_t register_offset(int r) {
    return r >= 0 && r <= kRegisterCount ? kLayout.offsets[r] : register_block_size();
}

size_t register_block_size() {
    return kLayout.offsets[kRegisterCount];
}

int register_by_name(std::string_view name) {
    for (int r = 0; r < kRegisterCount; ++r) {
        if (kTable[r].name == name) return r;
    }
    return -1;
}

RegisterFile::RegisterFile() : data_(storage_.data(), register_block_size()) {}

RegisterFile::RegisterFile(const RegisterFile& other)
    : storage_(other.storage_), data_(storage_.data(), register_block_size()) {}

RegisterFile& RegisterFile::operator=(const RegisterFile& other) {
    storage_ = other.storage_;
    return *this;
}

std::span<uint8_t> RegisterFile::bytes(int r) {
    if (r < 0 || r >= kRegisterCount) return {};
    return data_.subspan(register_offset(r), kTable[r].bits / 8);
}

std::span<const uint8_t> RegisterFile::bytes(int r) const {
    if (r < 0 || r >= kRegisterCount) return {};
    return std::span<const uint8_t>(data_).subspan(register_offset(r), kTable[r].bits / 8);
}

uint64_t RegisterFile::get(int r) const {
    auto b = bytes(r);
    uint64_t value = 0;
    // Little-endian, as x86 and the 'g' packet store it (GDB manual E.4: target byte order).
    for (size_t i = 0; i < b.size() && i < 8; ++i) value |= uint64_t{b[i]} << (8 * i);
    return value;
}

void RegisterFile::set(int r, uint64_t value) {
    auto b = bytes(r);
    for (size_t i = 0; i < b.size(); ++i) b[i] = i < 8 ? uint8_t(value >> (8 * i)) : 0;
}

void derive_i386_aliases(RegisterFile& regs) {
    for (int alias = Eax; alias <= Eip; ++alias)
        regs.set(alias, regs.get(full_register_of(alias)) & 0xffffffff);
    regs.set(OrigRax, ~uint64_t{0});
    regs.set(OrigEax, ~uint64_t{0});
}

void merge_i386_aliases(const RegisterFile& before, RegisterFile& written) {
    for (int alias = Eax; alias <= Eip; ++alias) {
        const Reg full = full_register_of(alias);
        if (written.get(full) != before.get(full)) continue;  // the 64-bit write wins
        const uint64_t low = written.get(alias);
        if (low == before.get(alias)) continue;
        written.set(full, (before.get(full) & ~uint64_t{0xffffffff}) | low);
    }
    derive_i386_aliases(written);
}

}  // namespace svm::gdb::x86_64
