// The real gdb (13) range-stepping a source line (GDB manual E.2 "vCont", action "r"): gdb needs
// line information for `step`, so the test assembles a tiny program whose line 10 is four
// two-byte instructions at 0x1000 (the fake target steps two bytes at a time). gdb must send one
// vCont;r for the line and get one stop reply, after the four steps svm did by itself.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gdb_fixture.h"

namespace svm::gdb::testing {
namespace {

constexpr const char* kProgram = R"(    .file 1 "prog.c"
    .text
    .globl _start
    .type _start, @function
_start:
    .cfi_startproc
    .loc 1 10
    xchg %ax,%ax
    xchg %ax,%ax
    xchg %ax,%ax
    xchg %ax,%ax
    .loc 1 11
    xchg %ax,%ax
    xchg %ax,%ax
    .loc 1 12
    jmp .
    .cfi_endproc
    .size _start, .-_start
)";

size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
    return n;
}

// Assembles kProgram at 0x1000 in a fresh directory; returns the ELF's path, or "" if binutils
// are missing.
std::string build_program() {
    char dir[] = "/tmp/svm-range-step-XXXXXX";
    if (!mkdtemp(dir)) return "";
    std::string base = dir;
    std::ofstream(base + "/prog.s") << kProgram;
    std::string cmd = "as -o " + base + "/prog.o " + base + "/prog.s && ld -Ttext=0x1000 -o " +
                      base + "/prog.elf " + base + "/prog.o";
    if (std::system((cmd + " >/dev/null 2>&1").c_str()) != 0) return "";
    return base + "/prog.elf";
}

TEST(GdbRangeStep, StepsALineWithOneStopReply) {
    if (!have_gdb()) GTEST_SKIP() << "gdb is not installed";
    std::string elf = build_program();
    if (elf.empty()) GTEST_SKIP() << "as/ld are not installed";
    GdbFixture f;  // a step advances rip by 2
    std::string out =
        f.run_gdb({"step", "p/x $pc", "detach"}, {"file " + elf, "set debug remote 1"});
    std::filesystem::remove_all(std::filesystem::path(elf).parent_path());
    SCOPED_TRACE(out);
    // gdb asked for the whole of line 10 at once...
    // (gdb 13 lets the other threads run meanwhile: "vCont;r1000,1008:p1.1;c:p1.-1").
    EXPECT_EQ(count(out, "Sending packet: $vCont;r1000,1008:p1.1"), 1u);
    // ...and got one stop reply for it, at the start of line 11.
    EXPECT_EQ(count(out, "Packet received: T05"), 2u);  // the one for '?', and the step's
    EXPECT_NE(out.find("Packet received: T0510:0810000000000000;thread:p1.1;"), std::string::npos);
    EXPECT_NE(out.find("= 0x1008"), std::string::npos);
    EXPECT_EQ(f.target.resume_calls, 4);
    EXPECT_EQ(f.target.regs[1].get(x86_64::Rip), 0x1008u);
}

}  // namespace
}  // namespace svm::gdb::testing
