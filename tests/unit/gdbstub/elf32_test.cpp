// 32-bit kernels (issue: "Remote 'g' packet reply is too long"): the real gdb with an ELF32 file
// against the server. The fake target plays a CPU stopped in leaf() of data/frames32.c with the
// stack that leaf <- middle <- _start built (elf32_program.h).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "elf32_program.h"
#include "gdb_fixture.h"

namespace svm::gdb::testing {
namespace {

using namespace x86_64;

class Elf32 : public ::testing::Test {
protected:
    void SetUp() override {
        if (!have_gdb()) GTEST_SKIP() << "gdb is not installed";
        auto program = Elf32Program::read(SVM_FRAMES32_ELF);
        ASSERT_TRUE(program) << SVM_FRAMES32_ELF;
        // svm's answer for an ELF32 kernel: no <architecture>, so gdb takes i386 from the file.
        f.target.architecture_name = "";
        auto state = load_frames32(*program, f.target);
        ASSERT_TRUE(state);
        pc = state->pc, ret_middle = state->ret_middle, ret_start = state->ret_start;
    }

    GdbFixture f;
    uint32_t ret_middle = 0, ret_start = 0, pc = 0;
};

// The command svm prints: gdb -ex "target remote ..." kernel.elf. Before the i386 aliases gdb
// said "Remote 'g' packet reply is too long" and never got registers.
TEST_F(Elf32, TheFilesArchitectureUnwindsThirtyTwoBitFrames) {
    std::string out = f.run_gdb({"show architecture", "bt", "info registers eip esp", "p $eax",
                                 "p/x $rax", "x/i $pc", "info registers cr0", "detach"},
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
    EXPECT_NE(out.find("$1 = 42"), std::string::npos);                  // eax: the low half
    EXPECT_NE(out.find("$2 = 0xaaaaaaaa0000002a"), std::string::npos);  // rax: all of it
    EXPECT_NE(out.find("%ebp"), std::string::npos);                     // decoded as 32-bit code
    EXPECT_NE(out.find("cr0            0x11                [ PE ET ]"), std::string::npos);
}

// gdb without the file (svm's gdb tests, a gdb on another machine): it reads target.xml first,
// so the architecture is gdb's default i386 until it loads the kernel over the protocol
// (qXfer:exec-file, vFile) - and stays i386, so 32-bit frames unwind the same way.
TEST_F(Elf32, WithoutTheFileGdbLoadsItOverTheProtocol) {
    std::ifstream in(SVM_FRAMES32_ELF, std::ios::binary);
    f.target.exec_bytes.assign(std::istreambuf_iterator<char>(in), {});
    f.target.exec_path = SVM_FRAMES32_ELF;
    std::string out = f.run_gdb({"show architecture", "bt", "p/x $pc", "detach"});
    SCOPED_TRACE(out);
    EXPECT_EQ(out.find("too long"), std::string::npos);
    EXPECT_EQ(out.find("not compatible"), std::string::npos);
    EXPECT_NE(out.find("(currently \"i386\")"), std::string::npos);
    EXPECT_NE(out.find("#1  " + fmt::format("{:#010x}", ret_middle) + " in middle (x=41)"),
              std::string::npos);
    EXPECT_NE(out.find(fmt::format("$1 = {:#x}", pc)), std::string::npos);
}

// A kernel that leaves 32-bit code: `set architecture` switches gdb's view in place, over the
// same connection and register layout (docs/gdb.md "32-bit kernels").
TEST_F(Elf32, SetArchitectureSwitchesBetweenI8086I386AndAmd64) {
    std::string out = f.run_gdb(
        {"set architecture i8086", "x/i $pc", "set architecture i386:x86-64", "p/x $pc",
         "info registers rip", "set architecture i386", "set $eax = 7", "p/x $rax", "detach"},
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
    EXPECT_EQ(f.target.register_value(1, Rax), 0xaaaaaaaa00000007u);
}

// The same description under gdb's amd64 architecture (an ELF64 kernel): the aliases do not
// disturb the 64-bit registers, and the 32-bit ones read as the low halves.
TEST_F(Elf32, Amd64ArchitectureSeesTheSameRegisters) {
    f.target.architecture_name = "i386:x86-64";
    std::string out =
        f.run_gdb({"show architecture", "p/x $rax", "p $eax", "info registers efer", "detach"});
    SCOPED_TRACE(out);
    EXPECT_NE(out.find("(currently \"i386:x86-64\")"), std::string::npos);
    EXPECT_NE(out.find("$1 = 0xaaaaaaaa0000002a"), std::string::npos);
    EXPECT_NE(out.find("$2 = 42"), std::string::npos);
    EXPECT_NE(out.find("efer           0x0                 [ ]"), std::string::npos);
}

}  // namespace
}  // namespace svm::gdb::testing
