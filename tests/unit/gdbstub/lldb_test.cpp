// Runs Debian's real LLDB (14, `lldb --batch`) against a Server with the fake target through its
// gdb-remote support: no target file, no KVM. scripts/install-deps.sh installs lldb; without it
// the test fails rather than skip, so a missing LLDB cannot pass unnoticed.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "gdb_fixture.h"

namespace svm::gdb::testing {
namespace {

// The LLDB binary: Debian's lldb package installs `lldb`, lldb-14 alone `lldb-14`.
std::string find_lldb() {
    for (const char* name : {"lldb", "lldb-14"}) {
        std::string probe = std::string(name) + " --version >/dev/null 2>&1";
        if (std::system(probe.c_str()) == 0) return name;
    }
    return "";
}

// Runs `lldb --batch` with `commands` (each an -o) after connecting; returns stdout+stderr.
std::string run_lldb(const std::string& lldb, const std::string& address,
                     const std::vector<std::string>& commands) {
    std::string cmd =
        "timeout 60 " + lldb + " --no-lldbinit --batch -o 'gdb-remote " + address + "'";
    for (auto& c : commands) cmd += " -o '" + c + "'";
    return command_output(cmd + " </dev/null");
}

TEST(Lldb, InspectsAndKillsTheFakeTarget) {
    std::string lldb = find_lldb();
    ASSERT_FALSE(lldb.empty()) << "lldb is not installed: run scripts/install-deps.sh "
                                  "(it installs Debian's lldb package)";
    // The packets LLDB sends (on the server's thread), to check it used its own queries.
    std::mutex mutex;
    std::vector<std::string> sent;
    ServerOptions options;
    options.session.trace = [&](char direction, std::string_view payload) {
        std::lock_guard lock(mutex);
        if (direction == '<') sent.emplace_back(payload);
    };
    GdbFixture f(std::move(options));
    std::string out =
        run_lldb(lldb, f.address(),
                 {"register read rax rip", "memory read --format x --size 4 --count 4 0x1000",
                  "memory region 0x1234", "memory region 0x0", "thread list", "process kill"});
    SCOPED_TRACE(out);
    auto has = [&](std::string_view text) { return out.find(text) != std::string::npos; };
    EXPECT_TRUE(has("Process 1 stopped"));
    EXPECT_TRUE(has("rax = 0x0000000000001111"));
    EXPECT_TRUE(has("rip = 0x0000000000001000"));
    EXPECT_TRUE(has("0x00001000: 0xdeadbeef 0x12345678 0xcafef00d 0x0badc0de"));
    EXPECT_TRUE(has("[0x0000000000001000-0x0000000000002000) rwx ram"));
    EXPECT_TRUE(has("[0x0000000000000000-0x0000000000001000) ---"));
    EXPECT_TRUE(has("thread #1: tid = 0x0001, 0x0000000000001000"));
    EXPECT_TRUE(has("thread #2: tid = 0x0002, 0x0000000000001010"));
    EXPECT_TRUE(has("Process 1 exited with status = 9"));
    EXPECT_FALSE(has("error:"));
    EXPECT_EQ(f.target.kill_calls, 1);

    std::lock_guard lock(mutex);
    auto asked = [&](std::string_view prefix) {
        return std::any_of(sent.begin(), sent.end(),
                           [&](auto& p) { return p.starts_with(prefix); });
    };
    EXPECT_TRUE(asked("qHostInfo"));
    EXPECT_TRUE(asked("qProcessInfo"));
    EXPECT_TRUE(asked("qMemoryRegionInfo:1234"));
    EXPECT_TRUE(asked("x0,0"));    // LLDB's probe for binary reads...
    EXPECT_TRUE(asked("x1000,"));  // ...which it then uses instead of 'm'
    EXPECT_FALSE(asked("m1000,"));
    EXPECT_TRUE(asked("k"));
}

TEST(Lldb, MonitorAndDetach) {
    std::string lldb = find_lldb();
    ASSERT_FALSE(lldb.empty()) << "lldb is not installed: run scripts/install-deps.sh "
                                  "(it installs Debian's lldb package)";
    GdbFixture f;
    std::string out = run_lldb(lldb, f.address(),
                               {"process plugin packet monitor hello", "process detach"});
    SCOPED_TRACE(out);
    // LLDB 14 shows the reply as it came, hex (gdb decodes it): "hello from svm\n".
    EXPECT_NE(out.find("response: 68656c6c6f2066726f6d2073766d0a"), std::string::npos);
    EXPECT_NE(out.find("Process 1 detached"), std::string::npos);
    EXPECT_EQ(out.find("error:"), std::string::npos);
    EXPECT_EQ(f.target.detach_calls, 1);
    EXPECT_EQ(f.target.kill_calls, 0);
}

}  // namespace
}  // namespace svm::gdb::testing
