// gdb-scripts/svm.py with the real gdb: the architecture follows the stopped vCPU's mode.
#include <gtest/gtest.h>

#include "gdb_fixture.h"

namespace svm::gdb::testing {
namespace {

using namespace x86_64;

constexpr uint64_t kLongModeCs =
    pack_segment_attributes(0xb, true, 0, true, false, true, false, true, false);
constexpr uint64_t kFlat32Cs =
    pack_segment_attributes(0xb, true, 0, true, false, false, true, true, false);
constexpr uint64_t kRealModeCs =
    pack_segment_attributes(0xb, true, 0, true, false, false, false, false, false);

void set_mode(RegisterFile& r, uint64_t cr0, uint64_t efer, uint64_t cs_attr) {
    r.set(Cr0, cr0);
    r.set(Efer, efer);
    r.set(CsAttr, cs_attr);
}

// A boot that goes real mode -> 32-bit protected mode -> long mode, one mode per stepi; no
// program file (a boot sector), so only the extension changes the architecture.
TEST(ModeExtension, ArchitectureFollowsEachStop) {
    if (!have_gdb()) GTEST_SKIP() << "gdb is not installed";
    GdbFixture f;
    f.target.architecture_name = "i8086";  // svm's answer for a real-mode boot without ELF
    for (ThreadId t : {1, 2}) set_mode(f.target.regs[t], 0x10, 0, kRealModeCs);
    int steps = 0;
    auto step = f.target.on_resume;
    f.target.on_resume = [&, step](const std::vector<ResumeAction>& actions) {
        auto& r = f.target.regs[1];
        if (++steps == 1) set_mode(r, 0x11, 0, kFlat32Cs);
        if (steps == 2) set_mode(r, 0x80000011, 0x500, kLongModeCs);
        step(actions);
    };
    std::string out = f.run_gdb({"svm-mode", "stepi", "svm-mode", "show architecture", "stepi",
                                 "svm-mode", "show architecture", "svm-mode off",
                                 "set architecture auto", "show architecture", "detach"},
                                {"source " SVM_GDB_SCRIPTS_DIR "/svm.py"});
    SCOPED_TRACE(out);
    EXPECT_NE(out.find("svm-mode: real mode, architecture i8086"), std::string::npos);
    EXPECT_NE(out.find("svm-mode: 32-bit protected mode, architecture i386\n"), std::string::npos);
    EXPECT_NE(out.find("The target architecture is set to \"i386\"."), std::string::npos);
    EXPECT_NE(out.find("svm-mode: long mode, architecture i386:x86-64"), std::string::npos);
    EXPECT_NE(out.find("The target architecture is set to \"i386:x86-64\"."), std::string::npos);
    EXPECT_NE(out.find("svm-mode: following the CPU mode is off"), std::string::npos);
    EXPECT_NE(out.find("(currently \"i8086\")"), std::string::npos);  // auto: the description's
    EXPECT_EQ(out.find("rror"), std::string::npos);                   // no Python or gdb error
    // gdb warns once, connecting with i8086 (no i8086 GNU/Linux OS ABI); the extension's own
    // changes of architecture add no warnings.
    EXPECT_EQ(out.find("OS ABI"), out.rfind("OS ABI"));
}

}  // namespace
}  // namespace svm::gdb::testing
