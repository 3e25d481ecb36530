// $_siginfo after a guest exception: the bytes, and gdb's view of them under amd64 and i386.
#include "gdbstub/protocol/siginfo.h"

#include <gtest/gtest.h>

#include "gdb_fixture.h"
#include "gdbstub/protocol/hex.h"
#include "session_harness.h"

namespace svm::gdb::testing {
namespace {

uint64_t le(const std::array<uint8_t, 128>& b, size_t at, size_t n) {
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i) v |= uint64_t(b[at + i]) << (8 * i);
    return v;
}

TEST(Siginfo, PageFaultFillsBothLayouts) {
    auto b = protocol::make_siginfo(sig::kSegv, GuestException{14, 0x2, 0xffff800012345678});
    EXPECT_EQ(le(b, 0, 4), 11u);
    EXPECT_EQ(le(b, 4, 4), 14u);                   // si_errno: the vector
    EXPECT_EQ(le(b, 8, 4), 2u);                    // si_code: the error code
    EXPECT_EQ(le(b, 12, 4), 0x12345678u);          // i386 si_addr
    EXPECT_EQ(le(b, 16, 8), 0xffff800012345678u);  // amd64 si_addr
}

TEST(Siginfo, NoExceptionOrNoErrorCodeIsMinusOne) {
    auto none = protocol::make_siginfo(sig::kInt, std::nullopt);
    EXPECT_EQ(le(none, 0, 4), 2u);
    EXPECT_EQ(le(none, 4, 4), 0xffffffffu);
    EXPECT_EQ(le(none, 8, 4), 0xffffffffu);
    EXPECT_EQ(le(none, 16, 8), 0u);
    auto ud = protocol::make_siginfo(sig::kIll, GuestException{6, std::nullopt, 0x1000});
    EXPECT_EQ(le(ud, 4, 4), 6u);
    EXPECT_EQ(le(ud, 8, 4), 0xffffffffu);
}

// A stop with an exception (monitor catch, a triple fault) is preceded by a console line that
// names it, so gdb prints it above "Program received signal ...".
TEST(Siginfo, ExceptionStopsSayWhatTheGuestTook) {
    Harness h;
    h.send("qSupported");
    EXPECT_EQ(h.send("c"), "<none>");
    StopReason stop;
    stop.signal = sig::kSegv;
    stop.exception = GuestException{14, 0x2, 0xdead000};
    auto packets = packets_in(h.session.on_stop(stop));
    ASSERT_EQ(packets.size(), 2u);
    EXPECT_EQ(packets[0], "O" + protocol::encode_hex("svm: vCPU 0 took exception 14, error code "
                                                     "0x2, CR2 0xdead000\n"));
    EXPECT_EQ(packets[1].substr(0, 3), "T0b");
    EXPECT_EQ(h.send("qXfer:siginfo:read::0,4"), std::string("m\x0b\0\0\0", 5));  // more follows
}

// Before qXfer:siginfo:read, `p $_siginfo` printed "void" after a triple fault.
TEST(Siginfo, GdbShowsTheVectorErrorCodeAndAddress) {
    if (!have_gdb()) GTEST_SKIP() << "gdb is not installed";
    for (const char* arch : {"i386:x86-64", "i386"}) {
        GdbFixture f;
        f.target.architecture_name = arch;
        f.target.attach_reason.signal = sig::kSegv;
        f.target.attach_reason.exception = GuestException{8, 0, 0xdead000};
        std::string out =
            f.run_gdb({"p $_siginfo.si_signo", "p $_siginfo.si_errno", "p $_siginfo.si_code",
                       "p/x $_siginfo._sifields._sigfault.si_addr", "thread 2",
                       "p $_siginfo.si_signo", "detach"});
        SCOPED_TRACE(arch + std::string("\n") + out);
        EXPECT_NE(out.find("$1 = 11"), std::string::npos);
        EXPECT_NE(out.find("$2 = 8"), std::string::npos);  // #DF: a triple fault's last vector
        EXPECT_NE(out.find("$3 = 0"), std::string::npos);
        EXPECT_NE(out.find("$4 = 0xdead000"), std::string::npos);
        EXPECT_NE(out.find("$5 = 0"), std::string::npos);  // thread 2 did not stop with it
    }
}

}  // namespace
}  // namespace svm::gdb::testing
