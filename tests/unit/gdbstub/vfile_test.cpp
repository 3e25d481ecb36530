// Host I/O (vFile) for the exec file only.
#include <gtest/gtest.h>

#include "gdbstub/protocol/hex.h"
#include "session_harness.h"

namespace svm::gdb::testing {
namespace {

struct VfileHarness : Harness {
    VfileHarness() {
        target.exec_path = "/k/kernel.elf";
        target.exec_bytes = {0x7f, 'E', 'L', 'F', '#', '$', '}', '*', 9};
    }
};

TEST(Vfile, OpenPreadFstatCloseTheExecFile) {
    VfileHarness h;
    EXPECT_EQ(h.send("vFile:setfs:0"), "F0");
    std::string name = protocol::encode_hex(std::string_view("/k/kernel.elf"));
    EXPECT_EQ(h.send("vFile:open:" + name + ",0,1c0"), "F3");
    // Binary data comes back unescaped after decoding: '#', '$', '}' and '*' survive.
    EXPECT_EQ(h.send("vFile:pread:3,100,0"), std::string("F9;\x7f"
                                                         "ELF#$}*\x09"));
    EXPECT_EQ(h.send("vFile:pread:3,2,3"), "F2;F#");
    EXPECT_EQ(h.send("vFile:pread:3,10,20"), "F0;");
    std::string st = h.send("vFile:fstat:3");
    ASSERT_EQ(st.substr(0, 4), "F40;");
    EXPECT_EQ(static_cast<uint8_t>(st[4 + 28 + 7]), 9);  // st_size, big-endian, low byte
    EXPECT_EQ(h.send("vFile:close:3"), "F0");
    EXPECT_EQ(h.send("vFile:pread:3,10,0"), "F-1,9");  // EBADF after close
}

TEST(Vfile, RefusesOtherFilesWritesAndMalformedRequests) {
    VfileHarness h;
    std::string other = protocol::encode_hex(std::string_view("/etc/passwd"));
    EXPECT_EQ(h.send("vFile:open:" + other + ",0,0"), "F-1,2");
    std::string name = protocol::encode_hex(std::string_view("/k/kernel.elf"));
    EXPECT_EQ(h.send("vFile:open:" + name + ",1,0"), "F-1,d");  // O_WRONLY
    EXPECT_EQ(h.send("vFile:open:zz,0,0"), "F-1,16");
    EXPECT_EQ(h.send("vFile:pread:3,10,0"), "F-1,9");  // nothing open
    EXPECT_EQ(h.send("vFile:pread:3,10"), "F-1,16");
    EXPECT_EQ(h.send("vFile:unlink:" + name), "");
}

}  // namespace
}  // namespace svm::gdb::testing
