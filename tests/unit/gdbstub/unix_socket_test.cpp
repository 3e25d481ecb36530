// The Unix domain socket listener: who may connect, which directories and paths svm accepts,
// and the address it prints (issue 8, items 7, 9 and 10).
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "fake_target.h"
#include "gdb_fixture.h"
#include "gdbstub/server.h"
#include "test_client.h"

namespace svm::gdb::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A private (0700) directory under /tmp, removed with everything in it.
struct TempDir {
    fs::path path;
    TempDir() {
        char name[] = "/tmp/svm-gdbstub-XXXXXX";
        path = ::mkdtemp(name);
    }
    ~TempDir() {
        std::error_code ignored;
        fs::permissions(path, fs::perms::owner_all, ignored);
        fs::remove_all(path, ignored);
    }
    std::string sock(const char* name = "svm.sock") const { return (path / name).string(); }
};

TargetResult<std::unique_ptr<Server>> listen_on(const std::string& spec, DebugTarget& target) {
    auto endpoint = parse_endpoint(spec);
    if (!endpoint) return std::unexpected(endpoint.error());
    return Server::create(*endpoint, target);
}

// Item 7: a second svm started on the same path probes the socket to see whether it is stale.
// The probe is a bare connect and close: it must not attach (and so start) the first one's guest.
TEST(UnixSocket, ASecondServerOnTheSamePathDoesNotDisturbTheFirst) {
    TempDir dir;
    FakeTarget first_target, second_target;
    auto first = listen_on("unix:" + dir.sock(), first_target);
    ASSERT_TRUE(first) << first.error().message;
    (*first)->start();
    auto second = listen_on("unix:" + dir.sock(), second_target);
    ASSERT_FALSE(second);
    EXPECT_NE(second.error().message.find("already listening"), std::string::npos)
        << second.error().message;
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(first_target.attach_calls, 0);
    EXPECT_EQ(first_target.detach_calls, 0);
    Client gdb((*first)->address());
    EXPECT_EQ(gdb.request("qC"), "QC1");  // the first one still serves
}

// Item 9: the socket was created with the umask's mode (srwxrwxrwx with umask 000), so anyone
// could connect, control the guest and read the kernel file.
TEST(UnixSocket, IsOwnerOnlyWhateverTheUmask) {
    TempDir dir;
    FakeTarget target;
    mode_t saved = ::umask(0);
    auto server = listen_on("unix:" + dir.sock(), target);
    ::umask(saved);
    ASSERT_TRUE(server) << server.error().message;
    struct stat st {};
    ASSERT_EQ(::lstat(dir.sock().c_str(), &st), 0);
    EXPECT_TRUE(S_ISSOCK(st.st_mode));
    EXPECT_EQ(st.st_mode & 07777, 0600u) << std::oct << (st.st_mode & 07777);
}

// Item 9: in a directory others can write to, they can replace the socket with their own (and
// gdb then talks to them): refused unless the directory is sticky, or the user says so.
TEST(UnixSocket, RefusesADirectoryOthersCanWrite) {
    TempDir dir;
    FakeTarget target;
    fs::permissions(dir.path, fs::perms(0777));
    auto open_dir = listen_on("unix:" + dir.sock(), target);
    ASSERT_FALSE(open_dir);
    EXPECT_NE(open_dir.error().message.find("writable by others"), std::string::npos)
        << open_dir.error().message;
    EXPECT_NE(open_dir.error().message.find(",shared-dir"), std::string::npos)
        << open_dir.error().message;
    EXPECT_FALSE(fs::exists(dir.sock()));

    // The explicit opt-out; the socket itself is still owner-only.
    auto shared = listen_on("unix:" + dir.sock() + ",shared-dir", target);
    ASSERT_TRUE(shared) << shared.error().message;
    EXPECT_EQ((*shared)->address(), dir.sock());
    EXPECT_EQ(fs::status(dir.sock()).permissions(), fs::perms(0600));
    shared->reset();

    // Sticky, as /tmp: others cannot remove or rename what is ours.
    fs::permissions(dir.path, fs::perms(01777));
    auto sticky = listen_on("unix:" + dir.sock(), target);
    EXPECT_TRUE(sticky) << sticky.error().message;
    sticky->reset();

    // Group-writable, by a group that is not the user's own (root can give it away).
    if (::geteuid() == 0 && ::chown(dir.path.c_str(), 0, 1) == 0) {
        fs::permissions(dir.path, fs::perms(0770));
        auto group = listen_on("unix:" + dir.sock(), target);
        ASSERT_FALSE(group);
        EXPECT_NE(group.error().message.find("writable by group"), std::string::npos)
            << group.error().message;
    }
}

// Item 10: a regular file at the path was reported as "address already in use". Only a stale
// socket may be replaced; anything else is named and left alone.
TEST(UnixSocket, RefusesToReplaceWhatIsNotASocket) {
    TempDir dir;
    FakeTarget target;
    std::ofstream(dir.sock("file")) << "precious";
    fs::create_directory(dir.sock("dir"));
    fs::create_symlink(dir.sock("file"), dir.sock("link"));
    for (auto [name, what] : {std::pair{"file", "a regular file"},
                              {"dir", "a directory"},
                              {"link", "a symbolic link"}}) {
        auto server = listen_on("unix:" + dir.sock(name), target);
        ASSERT_FALSE(server) << name;
        EXPECT_EQ(server.error().message,
                  fmt::format("cannot listen on unix:{}: {} is {}, not a socket; svm replaces "
                              "only a stale socket (remove it or choose another path)",
                              dir.sock(name), dir.sock(name), what));
    }
    std::ifstream in(dir.sock("file"));
    std::string text;
    in >> text;
    EXPECT_EQ(text, "precious");
    EXPECT_TRUE(fs::is_symlink(dir.sock("link")));
}

// Item 10: svm printed "target remote unix:/path", which gdb 13 cannot parse ("cannot resolve
// name"); `target remote /path` works. address() is what gdb takes, as an absolute path.
TEST(UnixSocket, AddressIsWhatGdbTakes) {
    TempDir dir;
    FakeTarget target;
    auto cwd = fs::current_path();
    fs::current_path(dir.path);
    auto server = listen_on("unix:relative.sock", target);
    fs::current_path(cwd);
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_EQ((*server)->address(), dir.sock("relative.sock"));
    (*server)->start();
    if (!have_gdb()) GTEST_SKIP() << "gdb is not installed";
    std::string cmd = "timeout 60 gdb -nx -batch -ex 'target remote " + (*server)->address() +
                      "' -ex 'p/x $pc' -ex detach 2>&1";
    std::string out;
    FILE* pipe = popen(cmd.c_str(), "r");
    ASSERT_NE(pipe, nullptr);
    char buf[4096];
    for (size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;) out.append(buf, n);
    pclose(pipe);
    EXPECT_NE(out.find("= 0x1000"), std::string::npos) << out;
    EXPECT_EQ(target.attach_calls, 1) << out;
}

// The socket file goes when the server stops, but only if it is still the server's own.
TEST(UnixSocket, RemovesOnlyItsOwnSocketFile) {
    TempDir dir;
    FakeTarget target;
    auto server = listen_on("unix:" + dir.sock(), target);
    ASSERT_TRUE(server) << server.error().message;
    fs::remove(dir.sock());
    std::ofstream(dir.sock()) << "someone else's";
    (*server)->stop();
    EXPECT_TRUE(fs::exists(dir.sock()));
}

}  // namespace
}  // namespace svm::gdb::testing
