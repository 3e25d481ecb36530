// 32-bit kernels (issue: "Remote 'g' packet reply is too long"): the real gdb with an ELF32 file
// against the server. The fake target plays a CPU stopped in leaf() of data/frames32.c with the
// stack that leaf <- middle <- _start built; the program's code is copied into its memory.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "gdb_fixture.h"

namespace svm::gdb::testing {
namespace {

using namespace x86_64;

// What the test needs of an ELF32 executable: its loadable bytes by address and its symbols.
struct Elf32Image {
    std::map<uint32_t, std::vector<uint8_t>> segments;  // p_vaddr -> file bytes
    std::map<std::string, uint32_t> symbols;            // st_name -> st_value

    static std::optional<Elf32Image> read(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        std::vector<uint8_t> f((std::istreambuf_iterator<char>(in)), {});
        if (f.size() < 52 || std::memcmp(f.data(), "\x7f" "ELF\x01", 5) != 0) return std::nullopt;
        auto u16 = [&](size_t at) { return uint32_t(f.at(at) | f.at(at + 1) << 8); };
        auto u32 = [&](size_t at) { return u16(at) | u16(at + 2) << 16; };
        Elf32Image image;
        for (uint32_t i = 0, ph = u32(28); i < u16(44); ++i, ph += u16(42)) {
            if (u32(ph) != 1) continue;  // PT_LOAD
            auto begin = f.begin() + u32(ph + 4);
            image.segments[u32(ph + 8)].assign(begin, begin + u32(ph + 16));
        }
        for (uint32_t i = 0, sh = u32(32); i < u16(48); ++i, sh += u16(46)) {
            if (u32(sh + 4) != 2) continue;  // SHT_SYMTAB
            uint32_t strtab = u32(32) + u32(sh + 24) * u16(46);
            for (uint32_t s = u32(sh + 16); s < u32(sh + 16) + u32(sh + 20); s += 16) {
                const char* name = reinterpret_cast<const char*>(&f.at(u32(strtab + 16) + u32(s)));
                image.symbols[name] = u32(s + 4);
            }
        }
        return image;
    }
};

// The address after the first `call rel32` to `callee` in the function at `caller`.
uint32_t return_address(const Elf32Image& image, uint32_t caller, uint32_t callee) {
    for (auto& [base, bytes] : image.segments) {
        for (uint32_t at = caller - base; at + 5 <= bytes.size() && at < caller - base + 64; ++at) {
            uint32_t rel = bytes[at + 1] | bytes[at + 2] << 8 | bytes[at + 3] << 16 |
                           uint32_t(bytes[at + 4]) << 24;
            if (bytes[at] == 0xe8 && base + at + 5 + rel == callee) return base + at + 5;
        }
    }
    return 0;
}

class Elf32 : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_gdb()) GTEST_SKIP() << "gdb is not installed";
        auto image = Elf32Image::read(SVM_FRAMES32_ELF);
        ASSERT_TRUE(image) << SVM_FRAMES32_ELF;
        // svm's answer for an ELF32 kernel: no <architecture>, so gdb takes i386 from the file.
        f.target.architecture_name = "";
        auto& mem = f.target.memory;
        // The loaded bytes that fall below the stack (the code at 0x1100; the linker may start
        // the segment with the headers, further down).
        for (auto& [base, bytes] : image->segments) {
            for (uint32_t a = std::max<uint32_t>(base, 0x1100);
                 a < base + bytes.size() && a < 0x1e00; ++a)
                mem[a - FakeTarget::kMemoryBase] = bytes[a - base];
        }
        const uint32_t leaf = image->symbols.at("leaf"), middle = image->symbols.at("middle");
        const uint32_t start = image->symbols.at("_start");
        ret_middle = return_address(*image, middle, leaf);
        ret_start = return_address(*image, start, middle);
        ASSERT_NE(ret_middle, 0u);
        ASSERT_NE(ret_start, 0u);
        // The stack as the calls left it, with every frame's `push ebp; mov ebp, esp` done:
        // _start's frame at 0x1efc, middle's at 0x1ef0 (argument 41), leaf's at 0x1ee4 (42).
        auto put = [&](uint32_t addr, uint32_t value) {
            for (int i = 0; i < 4; ++i)
                mem[addr - FakeTarget::kMemoryBase + i] = uint8_t(value >> (8 * i));
        };
        put(0x1efc, 0), put(0x1f00, 0);
        put(0x1ef8, 41), put(0x1ef4, ret_start), put(0x1ef0, 0x1efc);
        put(0x1eec, 42), put(0x1ee8, ret_middle), put(0x1ee4, 0x1ef0);
        pc = leaf + 3;  // after leaf's prologue
        for (ThreadId t : {1, 2}) {
            auto& r = f.target.regs[t];
            r.set(Cr0, 0x11), r.set(Efer, 0);  // 32-bit protected mode
            r.set(Rip, pc), r.set(Rsp, 0x1ee4), r.set(Rbp, 0x1ee4);
            r.set(Rax, 0xaaaaaaaa00000000 | 42);
        }
    }

    GdbFixture f;
    uint32_t ret_middle = 0, ret_start = 0, pc = 0;
};

// The command svm prints: gdb -ex "target remote ..." kernel.elf. Before the i386 aliases gdb
// said "Remote 'g' packet reply is too long" and never got registers.
TEST_F(Elf32, TheFilesArchitectureUnwindsThirtyTwoBitFrames) {
    std::string out = f.run_gdb(
        {"show architecture", "bt", "info registers eip esp", "p $eax", "p/x $rax",
         "x/i $pc", "info registers cr0", "detach"},
        {"file " SVM_FRAMES32_ELF});
    SCOPED_TRACE(out);
    EXPECT_EQ(out.find("too long"), std::string::npos);
    EXPECT_NE(out.find("(currently \"i386\")"), std::string::npos);
    EXPECT_NE(out.find("#0  leaf (x=42)"), std::string::npos);  // at a line's start: no address
    EXPECT_NE(out.find("#1  " + fmt::format("{:#010x}", ret_middle) + " in middle (x=41)"),
              std::string::npos);
    EXPECT_NE(out.find("#2  " + fmt::format("{:#010x}", ret_start) + " in _start ()"),
              std::string::npos);
    EXPECT_NE(out.find(fmt::format("eip            {:#x}", pc)), std::string::npos);
    EXPECT_NE(out.find("esp            0x1ee4"), std::string::npos);
    EXPECT_NE(out.find("$1 = 42"), std::string::npos);                 // eax: the low half
    EXPECT_NE(out.find("$2 = 0xaaaaaaaa0000002a"), std::string::npos);  // rax: all of it
    EXPECT_NE(out.find("%ebp"), std::string::npos);  // decoded as 32-bit code
    EXPECT_NE(out.find("cr0            0x11                [ PE ET ]"), std::string::npos);
}

// A kernel that leaves 32-bit code: `set architecture` switches gdb's view in place, over the
// same connection and register layout (docs/gdb.md "32-bit kernels").
TEST_F(Elf32, SetArchitectureSwitchesBetweenI8086I386AndAmd64) {
    std::string out = f.run_gdb({"set architecture i8086", "x/i $pc", "set architecture i386:x86-64",
                                 "p/x $pc", "info registers rip", "set architecture i386",
                                 "set $eax = 7", "p/x $rax", "detach"},
                                {"file " SVM_FRAMES32_ELF});
    SCOPED_TRACE(out);
    EXPECT_EQ(out.find("too long"), std::string::npos);
    EXPECT_EQ(out.find("rejected"), std::string::npos);
    // 16-bit decoding under i8086: `mov 0x8(%ebp),%eax` reads as `mov 0x8(%di),%ax`.
    EXPECT_NE(out.find("(%di),%ax"), std::string::npos);
    EXPECT_NE(out.find(fmt::format("$1 = {:#x}", pc)), std::string::npos);
    EXPECT_NE(out.find(fmt::format("rip            {:#x}", pc)), std::string::npos);
    // Writing eax replaces rax's low half and keeps its upper half.
    EXPECT_NE(out.find("$2 = 0xaaaaaaaa00000007"), std::string::npos);
    EXPECT_EQ(f.target.regs[1].get(Rax), 0xaaaaaaaa00000007u);
}

// The same description under gdb's amd64 architecture (an ELF64 kernel): the aliases do not
// disturb the 64-bit registers, and the 32-bit ones read as the low halves.
TEST_F(Elf32, Amd64ArchitectureSeesTheSameRegisters) {
    f.target.architecture_name = "i386:x86-64";
    std::string out = f.run_gdb({"show architecture", "p/x $rax", "p $eax", "info registers efer",
                                 "detach"});
    SCOPED_TRACE(out);
    EXPECT_NE(out.find("(currently \"i386:x86-64\")"), std::string::npos);
    EXPECT_NE(out.find("$1 = 0xaaaaaaaa0000002a"), std::string::npos);
    EXPECT_NE(out.find("$2 = 42"), std::string::npos);
    EXPECT_NE(out.find("efer           0x0                 [ ]"), std::string::npos);
}

}  // namespace
}  // namespace svm::gdb::testing
