// svm's virtio devices driven by the guests in guest/virtio/ (the same files tests/qemu runs on
// QEMU-TCG), over both transports: block pattern, persistence across two runs, read-only
// rejection, data flushed before a SIGKILL, entropy, user-mode networking (DHCP, a ping of the
// gateway, a host TCP client reaching the guest's echo server through hostfwd) and a TAP device
// pinged from a network namespace.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "svm_process.h"

namespace svm::test {
namespace {

// A zero-filled raw image of `bytes` bytes in /tmp, removed with the object.
class ScratchDisk {
public:
    explicit ScratchDisk(uint64_t bytes = 1 << 20) {
        char name[] = "/tmp/svm-virtio-test-XXXXXX";
        const int fd = mkstemp(name);
        EXPECT_GE(fd, 0);
        EXPECT_EQ(ftruncate(fd, static_cast<off_t>(bytes)), 0);
        close(fd);
        path_ = name;
    }
    ~ScratchDisk() { unlink(path_.c_str()); }
    const std::string& path() const { return path_; }
    std::string contents() const {
        std::ifstream in(path_, std::ios::binary);
        return {std::istreambuf_iterator<char>(in), {}};
    }

private:
    std::string path_;
};

// A TCP port on 127.0.0.1 that was free a moment ago (the window until svm binds it is small).
uint16_t free_port() {
    const int s = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
    socklen_t len = sizeof a;
    getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
    close(s);
    return ntohs(a.sin_port);
}

class Virtio : public ::testing::TestWithParam<std::string> {
protected:
    void SetUp() override { require_kvm(); }
    std::vector<std::string> args(std::vector<std::string> more) const {
        std::vector<std::string> all{"--virtio-transport", GetParam()};
        all.insert(all.end(), more.begin(), more.end());
        return all;
    }
    std::string transport() const { return " transport=" + GetParam(); }
};

TEST_P(Virtio, BlockWritesFlushesAndReadsBackAPattern) {
    ScratchDisk disk;
    auto r = run_svm(args({"--disk", disk.path() + ",serial=svm-test-disk", "--cmdline",
                           "write seed=77 sectors=256 serial=svm-test-disk" + transport(),
                           guest("virtio_blk.elf")}),
                     "", 120);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_lines(r, {"blk: serial \"svm-test-disk\" (status 0)", "check serial: ok",
                     "check writes ok: ok", "check flush: ok", "check read back: ok", "SUCCESS"});
    // The pattern reached the file: the first 128 KiB are no longer zero.
    const std::string bytes = disk.contents();
    EXPECT_NE(bytes.substr(0, 128 * 1024), std::string(128 * 1024, '\0'));
}

TEST_P(Virtio, BlockDataPersistsAcrossTwoRuns) {
    ScratchDisk disk;
    auto first = run_svm(args({"--disk", disk.path(), "--cmdline",
                               "write seed=5 sectors=64" + transport(), guest("virtio_blk.elf")}),
                         "", 120);
    ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
    auto second =
        run_svm(args({"--disk", disk.path(), "--cmdline", "verify seed=5 sectors=64" + transport(),
                      guest("virtio_blk.elf")}),
                "", 120);
    EXPECT_EQ(second.exit_code, 0) << second.out << second.err;
    expect_lines(second, {"check pattern from the earlier run: ok", "SUCCESS"});
    // And the check can fail: another seed's pattern is not there.
    auto wrong =
        run_svm(args({"--disk", disk.path(), "--cmdline", "verify seed=6 sectors=64" + transport(),
                      guest("virtio_blk.elf")}),
                "", 120);
    EXPECT_EQ(wrong.exit_code, 1) << wrong.out << wrong.err;
}

TEST_P(Virtio, ReadOnlyDiskRefusesWritesAndTheFileIsUnchanged) {
    ScratchDisk disk;
    ASSERT_EQ(run_svm(args({"--disk", disk.path(), "--cmdline",
                            "write seed=9 sectors=32" + transport(), guest("virtio_blk.elf")}),
                      "", 120)
                  .exit_code,
              0);
    const std::string before = disk.contents();
    auto r = run_svm(args({"--disk", disk.path() + ",ro", "--cmdline",
                           "ro seed=9 sectors=32" + transport(), guest("virtio_blk.elf")}),
                     "", 120);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_lines(r, {"check read-only offered: ok", "check write rejected with IOERR: ok",
                     "check sector 0 unchanged: ok", "SUCCESS"});
    EXPECT_EQ(disk.contents(), before);
    // svm says why the write failed.
    EXPECT_NE(r.err.find("read-only"), std::string::npos) << r.err;
}

// Starts the blk guest writing `seed`'s pattern, waits until it says the FLUSH completed, sends
// `signal`, and returns how svm ended.
ProcessResult write_flush_then_signal(const std::vector<std::string>& args, int signal) {
    auto child = SvmChild::start(args);
    EXPECT_TRUE(child);
    if (!child) return {};
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (out.find("blk: flushed, holding") == std::string::npos &&
           std::chrono::steady_clock::now() < deadline) {
        std::string more = child->read_out(4096);
        if (more.empty()) break;
        out += more;
    }
    EXPECT_NE(out.find("blk: flushed, holding"), std::string::npos) << out;
    kill(child->pid(), signal);
    return child->wait(30);
}

TEST_P(Virtio, DataFlushedBeforeSigkillIsOnTheDisk) {
    ScratchDisk disk;
    auto killed = write_flush_then_signal(
        args({"--disk", disk.path(), "--cmdline", "write seed=21 sectors=64 hold" + transport(),
              guest("virtio_blk.elf")}),
        SIGKILL);
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL);
    auto verify =
        run_svm(args({"--disk", disk.path(), "--cmdline", "verify seed=21 sectors=64" + transport(),
                      guest("virtio_blk.elf")}),
                "", 120);
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

// SIGTERM ends the run in order (exit 130): the vCPUs stop, then each I/O thread serves what
// was already asked of it and ends; the devices and back-ends go down without a hang or a crash,
// and the data is there.
TEST_P(Virtio, SigtermEndsARunWithDevicesInOrder) {
    ScratchDisk disk;
    auto ended = write_flush_then_signal(
        args({"--disk", disk.path(), "--net", "user", "--cmdline",
              "write seed=22 sectors=64 hold" + transport(), guest("virtio_blk.elf")}),
        SIGTERM);
    EXPECT_EQ(ended.exit_code, 130) << ended.err;
    EXPECT_FALSE(ended.timed_out);
    auto verify =
        run_svm(args({"--disk", disk.path(), "--cmdline", "verify seed=22 sectors=64" + transport(),
                      guest("virtio_blk.elf")}),
                "", 120);
    EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

TEST_P(Virtio, TwoSvmsCannotWriteOneImage) {
    ScratchDisk disk;
    auto holder = SvmChild::start(args({"--disk", disk.path(), "--cmdline",
                                        "write seed=1 sectors=16 hold" + transport(),
                                        guest("virtio_blk.elf")}));
    ASSERT_TRUE(holder);
    std::string out;
    while (out.find("holding") == std::string::npos) {
        std::string more = holder->read_out(4096);
        if (more.empty()) break;
        out += more;
    }
    auto second = run_svm(args({"--disk", disk.path(), guest("virtio_blk.elf")}), "", 60);
    EXPECT_EQ(second.exit_code, 64) << second.err;
    EXPECT_NE(second.err.find("in use"), std::string::npos) << second.err;
    kill(holder->pid(), SIGTERM);
    holder->wait(30);
}

TEST_P(Virtio, EntropyDeviceGivesRandomBytes) {
    auto r = run_svm(args({"--cmdline", transport(), guest("virtio_rng.elf")}), "", 60);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_lines(r, {"SUCCESS"});
}

TEST_P(Virtio, UserNetworkingGivesADhcpLeaseAndTheGatewayAnswersPings) {
    auto r = run_svm(args({"--net", "user", "--cmdline", "want_ip=10.0.2.15 timeout=60" + transport(),
                           guest("virtio_net.elf")}),
                     "", 120);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    expect_lines(r, {"check dhcp address: ok", "SUCCESS"});
    EXPECT_NE(r.out.find("net: ping 10.0.2.2: reply"), std::string::npos) << r.out;
}

TEST_P(Virtio, HostClientReachesTheGuestsEchoServerThroughHostfwd) {
    const uint16_t port = free_port();
    auto child = SvmChild::start(
        args({"--net", "user,hostfwd=tcp::" + std::to_string(port) + "-:7", "--cmdline",
              "echo=7 conns=1 timeout=100" + transport(), guest("virtio_net.elf")}));
    ASSERT_TRUE(child);
    // The guest needs its DHCP lease before the forward reaches it: retry for a while.
    std::string echoed;
    const std::string line = "hello through svm's user network\n";
    for (int attempt = 0; attempt < 120 && echoed.empty(); ++attempt) {
        const int s = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_port = htons(port);
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        timeval tv{2, 0};
        setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
            send(s, line.data(), line.size(), 0) == static_cast<ssize_t>(line.size())) {
            char buf[256];
            const ssize_t n = recv(s, buf, sizeof buf, 0);
            if (n > 0) echoed.assign(buf, static_cast<size_t>(n));
        }
        close(s);
        if (echoed.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    EXPECT_EQ(echoed, line);
    auto r = child->wait(120);
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_P(Virtio, TapCardAnswersPingsFromANetworkNamespace) {
    if (getuid() != 0 || access("/dev/net/tun", R_OK | W_OK) != 0) {
        const char* skip = getenv("SVM_SKIP_NET_TESTS");
        if (skip && std::string(skip) == "1") GTEST_SKIP() << "SVM_SKIP_NET_TESTS=1";
        FAIL() << "the TAP test needs root and /dev/net/tun (SVM_SKIP_NET_TESTS=1 skips it)";
    }
    // A private network namespace (unshare -n): the TAP device and its address exist only for
    // this run and vanish with it.
    const std::string script =
        "set -eu; ip link set lo up; ip tuntap add dev svmtap0 mode tap; "
        "ip addr add 10.0.0.1/24 dev svmtap0; ip link set svmtap0 up; "
        "log=$(mktemp); \"$SVM\" --virtio-transport \"$TRANSPORT\" --net tap=svmtap0 "
        "--cmdline \"ip=10.0.0.2 pings=3 timeout=80 transport=$TRANSPORT\" \"$GUEST\" >\"$log\" "
        "2>&1 & pid=$!; "
        "for i in $(seq 1 900); do grep -q '^net: answering ARP' \"$log\" && break; sleep 0.1; "
        "done; ping=0; python3 \"$PING\" 10.0.0.2 3 || ping=$?; status=0; wait $pid || "
        "status=$?; cat \"$log\"; rm -f \"$log\"; echo \"ping=$ping svm=$status\"";
    const std::string env = "SVM=" + std::string(SVM_BINARY) +
                            " TRANSPORT=" + GetParam() + " GUEST=" + guest("virtio_net.elf") +
                            " PING=" + std::string(SVM_SOURCE_DIR) + "/tests/qemu/virtio_ping.py";
    auto r = run_process({"/usr/bin/unshare", "-n", "/usr/bin/env", "bash", "-c",
                          "export " + env + "; " + script},
                         "", 150);
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    EXPECT_TRUE(has_line(r.out, "ping=0 svm=0")) << r.out << r.err;
    EXPECT_TRUE(has_line(r.out, "net: echo reply to 10.0.0.1 seq 3")) << r.out;
}

INSTANTIATE_TEST_SUITE_P(Transport, Virtio, ::testing::Values("pci", "mmio"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace svm::test
