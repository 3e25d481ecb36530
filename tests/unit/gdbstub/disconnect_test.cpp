// A connection that closes without D or k: a stopped target hears disconnect_stopped() (svm keeps
// a --gdb guest stopped), a running one detach(). Before, both detached and the guest ran.
#include <gtest/gtest.h>

#include "session_harness.h"

namespace svm::gdb::testing {
namespace {

TEST(Disconnect, WhileStoppedLeavesTheChoiceToTheTarget) {
    Harness h;
    h.send("qSupported:multiprocess+");
    h.send("QNonStop:1");  // gdb's `set non-stop on`: refused, gdb then hangs up
    h.session.on_disconnect();
    EXPECT_EQ(h.target.disconnect_stopped_calls, 1);
    EXPECT_EQ(h.target.resume_calls, 0);
    h.session.on_disconnect();  // idempotent
    EXPECT_EQ(h.target.disconnect_stopped_calls, 1);
}

TEST(Disconnect, WhileRunningDetaches) {
    Harness h;
    h.send("qSupported");
    EXPECT_EQ(h.send("c"), "<none>");  // the fake stops only when told
    h.session.on_disconnect();
    EXPECT_EQ(h.target.disconnect_stopped_calls, 0);
    EXPECT_EQ(h.target.detach_calls, 1);
}

TEST(Disconnect, BeforeTheHandshakeTouchesNothing) {
    Harness h;
    h.session.on_disconnect();
    EXPECT_EQ(h.target.disconnect_stopped_calls, 0);
    EXPECT_EQ(h.target.detach_calls, 0);
    EXPECT_EQ(h.target.attach_calls, 0);
}

}  // namespace
}  // namespace svm::gdb::testing
