// The real gdb against the Server and the fake target: asserts on gdb's own output.
#include <gtest/gtest.h>

#include "gdb_fixture.h"

namespace svm::gdb::testing {
namespace {

TEST(GdbTranscript, RegistersMemoryThreadsAndStep) {
    if (!have_gdb()) GTEST_SKIP() << "gdb is not installed";
    GdbFixture f;
    std::string out =
        f.run_gdb({"info registers", "info registers cr3 efer fs_base", "p/x $cs_base",
                   "p/x $cs_limit", "x/4xw 0x1000", "stepi", "p/x $pc", "info threads",
                   "monitor hello", "monitor frob", "detach"});
    SCOPED_TRACE(out);
    EXPECT_NE(out.find("unknown monitor command 'frob'; 'monitor help' lists them"),
              std::string::npos);
    // `gdb -batch` went on after the unknown command (an error reply would have ended it).
    EXPECT_EQ(out.find("Protocol error"), std::string::npos);
    EXPECT_NE(out.find("rax            0x1111"), std::string::npos);
    EXPECT_NE(out.find("rip            0x1000"), std::string::npos);
    EXPECT_NE(out.find("cr3            0x5000"), std::string::npos);
    EXPECT_NE(out.find("efer           0x500"), std::string::npos);
    EXPECT_NE(out.find("fs_base        0x7000"), std::string::npos);
    EXPECT_NE(out.find("= 0xffffffff"), std::string::npos);  // cs_limit
    EXPECT_NE(out.find("0x1000:\t0xdeadbeef\t0x12345678\t0xcafef00d\t0x0badc0de"),
              std::string::npos);
    EXPECT_NE(out.find("= 0x1002"), std::string::npos);  // after stepi
    EXPECT_NE(out.find("Thread 1.1"), std::string::npos);
    EXPECT_NE(out.find("Thread 1.2"), std::string::npos);
    EXPECT_NE(out.find("vCPU 1, long mode"), std::string::npos);
    EXPECT_NE(out.find("hello from svm"), std::string::npos);
    EXPECT_NE(out.find("cs_limit       0xffffffff          4294967295"), std::string::npos);
    EXPECT_NE(out.find("gdtr_base      0x6000"), std::string::npos);
    EXPECT_NE(out.find("Thread 1.2 \"vCPU 1\" (vCPU 1, long mode"), std::string::npos);
    EXPECT_NE(out.find("[Inferior 1 (process 1) detached]"), std::string::npos);
    EXPECT_EQ(f.target.detach_calls, 1);
    EXPECT_EQ(f.target.attach_calls, 1);
}

// Records the packets gdb sends in the conversation of the brief (tests/unit/gdbstub/data/
// gdb13_session.txt): SVM_RECORD_GDB_SESSION=/path/to/file unit_gdbstub
// --gtest_filter=GdbTranscript.Record. Skipped otherwise.
TEST(GdbTranscript, Record) {
    const char* path = std::getenv("SVM_RECORD_GDB_SESSION");
    if (!path || !have_gdb()) GTEST_SKIP() << "set SVM_RECORD_GDB_SESSION to record";
    GdbFixture f;
    std::string out =
        f.run_gdb({"info registers", "x/4x 0x1000", "stepi", "info threads", "detach"},
                  {"set debug remote 1"});
    // gdb 13 logs "[remote] Sending packet: $payload#xx".
    FILE* file = std::fopen(path, "w");
    ASSERT_NE(file, nullptr);
    std::fprintf(file,
                 "# Packets gdb 13.1 sent (one payload a line), recorded by\n"
                 "# gdb_transcript_test.cpp GdbTranscript.Record.\n");
    size_t at = 0;
    const std::string marker = "Sending packet: $";
    while ((at = out.find(marker, at)) != std::string::npos) {
        at += marker.size();
        size_t end = out.find('\n', at);
        std::string packet = out.substr(at, end - at);
        size_t hash = packet.rfind('#');
        std::fprintf(file, "%s\n", packet.substr(0, hash).c_str());
    }
    std::fclose(file);
}

}  // namespace
}  // namespace svm::gdb::testing
