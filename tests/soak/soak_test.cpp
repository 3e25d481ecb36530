// Soak and chaos tests (label `soak`; not in the default run: scripts/run-soak.sh). Each drives a
// real svm for a long time or a great many times and asserts what docs/reliability.md promises:
// svm stays responsive, its resident memory stays bounded, it leaks no file descriptors, and
// --timeout and signals always end it. They need /dev/kvm (SVM_SKIP_KVM_TESTS=1 skips them).
//
// SVM_SOAK_SECONDS sets the chaos run's length (default 600, the ten minutes).
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "monitored_process.h"
#include "rsp_client.h"
#include "svm_process.h"

namespace svm::test {
namespace {

// How much resident memory may grow between the first sample and the peak, in KiB. The guest's
// RAM is touched by the guest itself in the first seconds, before the first sample.
constexpr uint64_t kRssGrowthLimitKib = 64 * 1024;

double soak_seconds() {
    const char* s = std::getenv("SVM_SOAK_SECONDS");
    double v = s ? std::atof(s) : 0;
    return v > 0 ? v : 600;
}

std::vector<std::string> svm_args(std::vector<std::string> args) {
    args.insert(args.begin(), SVM_BINARY);
    return args;
}

class Soak : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

void expect_bounded(const ResourceWatch& watch, const MonitoredProcess& svm) {
    EXPECT_LE(watch.peak_rss_kib, watch.first_rss_kib + kRssGrowthLimitKib)
        << "resident memory grew from " << watch.first_rss_kib << " KiB to " << watch.peak_rss_kib
        << " KiB\n"
        << svm.err().substr(0, 2000);
    EXPECT_EQ(watch.last_fds, watch.first_fds) << "file descriptors leaked";
}

// A chaos guest on every vCPU (random ports, hypercalls and MMIO) for SVM_SOAK_SECONDS.
TEST_F(Soak, ChaosOnEveryVcpuUntilTheTimeout) {
    const double seconds = soak_seconds();
    MonitoredProcess svm(
        svm_args({"--cpus", "4", "--timeout", std::to_string(seconds), guest("chaos.elf")}), {});
    sleep(5);  // past start-up: the baseline sample
    ResourceWatch watch;
    std::optional<int> code;
    while (!(code = svm.wait_exit(1))) watch.sample(svm);
    EXPECT_EQ(*code, 124) << svm.err().substr(0, 4000);
    expect_bounded(watch, svm);
}

// 1,000 gdb attach/stop/read/detach cycles on one running svm, then a kill.
TEST_F(Soak, ThousandGdbAttachDetachCycles) {
    const int port = free_local_port();
    MonitoredProcess svm(svm_args({"--cpus", "2", "--gdb", "127.0.0.1:" + std::to_string(port),
                                   "--gdb-nowait", "--timeout", "1800", guest("chaos.elf")}),
                         {});
    ResourceWatch watch;
    for (int cycle = 0; cycle < 1000; ++cycle) {
        auto client = RspClient::connect_tcp_retrying(port);
        ASSERT_TRUE(client) << "cycle " << cycle << ": cannot connect\n" << svm.err();
        auto features = client->request("qSupported:multiprocess+;swbreak+;hwbreak+");
        ASSERT_TRUE(features && features->find("PacketSize=") != std::string::npos)
            << "cycle " << cycle;
        auto stop = client->request("?");
        ASSERT_TRUE(stop && (*stop)[0] == 'T') << "cycle " << cycle << ": " << stop.value_or("");
        auto regs = client->request("g");
        ASSERT_TRUE(regs && regs->size() > 100) << "cycle " << cycle;
        auto detached = client->request("D");
        ASSERT_EQ(detached.value_or(""), "OK") << "cycle " << cycle;
        if (cycle == 10 || cycle % 100 == 99) watch.sample(svm);
    }
    expect_bounded(watch, svm);
    auto client = RspClient::connect_tcp(port);
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->request("qSupported:multiprocess+"));
    ASSERT_TRUE(client->request("?"));
    EXPECT_EQ(client->request("vKill;1").value_or(""), "OK");
    EXPECT_EQ(svm.wait_exit(30).value_or(-1), 137) << svm.err().substr(0, 2000);
}

// A client that asks for memory and never reads the answers: svm's memory stays bounded, and
// the client does not keep svm alive past --timeout.
TEST_F(Soak, GdbClientThatNeverReads) {
    const int port = free_local_port();
    MonitoredProcess svm(svm_args({"--gdb", "127.0.0.1:" + std::to_string(port), "--gdb-nowait",
                                   "--timeout", "30", guest("chaos.elf")}),
                         {});
    auto client = RspClient::connect_tcp_retrying(port);
    ASSERT_TRUE(client);
    ASSERT_TRUE(client->request("qSupported:multiprocess+"));
    ASSERT_TRUE(client->request("?"));
    ResourceWatch watch;
    watch.sample(svm);
    // 4 KiB reads (8 KiB of hex each) and NAKs that ask for them again, never read.
    for (int i = 0; i < 3000; ++i) {
        if (!client->send_packet("m100000,1000") || !client->send_raw("-")) break;
        if (i % 100 == 0) watch.sample(svm);
    }
    watch.sample(svm);
    EXPECT_LE(watch.peak_rss_kib, watch.first_rss_kib + kRssGrowthLimitKib)
        << "resident memory grew from " << watch.first_rss_kib << " KiB to " << watch.peak_rss_kib
        << " KiB";
    auto code = svm.wait_exit(60);
    ASSERT_TRUE(code) << "a client that never reads kept svm alive past --timeout";
    EXPECT_EQ(*code, 124) << svm.err().substr(0, 2000);
}

// Every vCPU prints as fast as it can into a stdout nobody reads (a paused pager): --timeout and
// SIGTERM still end svm.
TEST_F(Soak, StalledStdoutDoesNotStopTheTimeout) {
    MonitoredProcess svm(svm_args({"--cpus", "4", "--timeout", "5", "--cmdline", "forever",
                                   guest("console_flood.elf")}),
                         {.out = MonitoredProcess::Stdout::Stalled, .max_open_files = {}});
    auto code = svm.wait_exit(35);
    ASSERT_TRUE(code) << "svm hung on a stalled stdout";
    EXPECT_EQ(*code, 124) << svm.err().substr(0, 2000);
}

TEST_F(Soak, StalledStdoutDoesNotStopSigterm) {
    MonitoredProcess svm(
        svm_args({"--cpus", "4", "--cmdline", "forever", guest("console_flood.elf")}),
        {.out = MonitoredProcess::Stdout::Stalled, .max_open_files = {}});
    sleep(3);
    svm.signal(SIGTERM);
    auto code = svm.wait_exit(30);
    ASSERT_TRUE(code) << "svm ignored SIGTERM on a stalled stdout";
    EXPECT_EQ(*code, 130) << svm.err().substr(0, 2000);
}

// With its file descriptors nearly exhausted, svm does not spin in its accept loop, keeps a
// guest that waits for gdb waiting, and still serves a real client once descriptors are free.
TEST_F(Soak, FileDescriptorsExhausted) {
    const int port = free_local_port();
    MonitoredProcess svm(svm_args({"--gdb", "127.0.0.1:" + std::to_string(port), "--timeout", "120",
                                   guest("chaos.elf")}),
                         {.max_open_files = 48});
    std::vector<RspClient> idle;
    auto first = RspClient::connect_tcp_retrying(port);
    ASSERT_TRUE(first) << svm.err();
    idle.push_back(std::move(*first));
    for (int i = 0; i < 100; ++i)
        if (auto c = RspClient::connect_tcp(port)) idle.push_back(std::move(*c));
    const double cpu_before = svm.cpu_seconds();
    sleep(3);
    const double cpu_used = svm.cpu_seconds() - cpu_before;
    // The guest has not started (it waits for gdb): a spinning accept loop would burn ~3 s.
    EXPECT_LT(cpu_used, 1.0) << "svm used " << cpu_used << " s of CPU in 3 s while idle";
    idle.clear();
    sleep(1);
    auto client = RspClient::connect_tcp_retrying(port);
    ASSERT_TRUE(client);
    auto features = client->request("qSupported:multiprocess+", 30);
    ASSERT_TRUE(features && features->find("PacketSize=") != std::string::npos)
        << svm.err().substr(0, 2000);
    EXPECT_EQ(client->request("vKill;1").value_or(""), "OK");
    EXPECT_EQ(svm.wait_exit(30).value_or(-1), 137) << svm.err().substr(0, 2000);
    const std::string err = svm.err();
    EXPECT_LT(std::count(err.begin(), err.end(), '\n'), 50)
        << "the accept loop logged on every retry:\n"
        << err.substr(0, 2000);
}

}  // namespace
}  // namespace svm::test
