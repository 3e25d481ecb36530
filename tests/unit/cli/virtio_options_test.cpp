// svm checks its virtio options (--disk, --net, --virtio-transport) and opens the disk images
// before it opens /dev/kvm, so bad ones are refused here without KVM: exit code 64 and one line
// that names the problem.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "svm_process.h"

namespace svm::test {
namespace {

class VirtioOptions : public ::testing::Test {
protected:
    std::string file(const std::string& name, size_t bytes) {
        std::string path = ::testing::TempDir() + "svm_virtio_" + std::to_string(getpid()) + "_" +
                           name;
        created_.push_back(path);
        const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        EXPECT_GE(fd, 0);
        EXPECT_EQ(ftruncate(fd, static_cast<off_t>(bytes)), 0);
        close(fd);
        return path;
    }
    void TearDown() override {
        for (const auto& path : created_) unlink(path.c_str());
    }
    // Runs svm with `args` before a kernel that exists; expects exit 64 and one error line
    // containing `what`.
    void expect_refused(std::vector<std::string> args, const std::string& what) {
        args.push_back(guest("virtio_blk.elf"));
        auto r = run_svm(args, "", 30);
        EXPECT_EQ(r.exit_code, 64) << r.err;
        EXPECT_NE(r.err.find(what), std::string::npos) << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
        EXPECT_EQ(r.err.rfind("svm: error: ", 0), 0u) << r.err;
    }
    std::vector<std::string> created_;
};

TEST_F(VirtioOptions, MissingDiskImage) {
    expect_refused({"--disk", "/nonexistent/disk.img"}, "/nonexistent/disk.img");
}

TEST_F(VirtioOptions, DiskImageNotAMultipleOfASector) {
    const auto path = file("odd.img", 1000);
    expect_refused({"--disk", path}, "512");
}

TEST_F(VirtioOptions, DiskImageLockedByAnotherProcess) {
    const auto path = file("busy.img", 4096);
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(flock(fd, LOCK_EX | LOCK_NB), 0);
    expect_refused({"--disk", path}, "in use");
    close(fd);
}

TEST_F(VirtioOptions, UnknownDiskOption) {
    const auto path = file("ok.img", 4096);
    expect_refused({"--disk", path + ",bogus=1"}, "bogus");
}

TEST_F(VirtioOptions, BadNetOptions) {
    expect_refused({"--net", "bridge=br0"}, "tap=NAME");
    expect_refused({"--net", "tap="}, "interface name");
    expect_refused({"--net", "tap=t0,mac=01:02:03:04:05:06"}, "mac");
    expect_refused({"--net", "user,hostfwd=tcp::0-:7"}, "hostfwd");
    expect_refused({"--net", "user,hostfwd=tcp::8080-:7,colour=blue"}, "colour");
}

TEST_F(VirtioOptions, BadSwitchOptions) {
    expect_refused({"--net", "switch="}, "switch name");
    expect_refused({"--net", "switch=a-name-of-16-chr"}, "1 to 15");
    expect_refused({"--net", "switch=lan/0"}, "letters, digits");
    expect_refused({"--net", "switch=lan0,uplink=slirp"}, "user or tap:IFNAME");
    expect_refused({"--net", "switch=lan0,hostfwd=tcp::8080-:80"}, "uplink=user");
    expect_refused({"--net", "switch=lan0,colour=blue"}, "colour");
}

TEST_F(VirtioOptions, SwitchCardsThatClash) {
    expect_refused({"--net", "switch=lan0,uplink=user", "--net", "switch=lan0,uplink=tap:svm0"},
                   "two uplinks");
    expect_refused({"--net", "switch=lan0,mac=52:54:00:00:00:01", "--net",
                    "switch=lan0,mac=52:54:00:00:00:01"},
                   "two cards with mac=52:54:00:00:00:01");
}

TEST_F(VirtioOptions, UnknownTransport) {
    expect_refused({"--virtio-transport", "isa"}, "--virtio-transport");
}

TEST_F(VirtioOptions, MoreDevicesThanIrqs) {
    const auto path = file("many.img", 4096);
    std::vector<std::string> args;
    for (int i = 0; i < 4; ++i) {
        args.push_back("--disk");
        args.push_back(path + ",ro");  // read-only: shared locks, so one file can be given often
    }
    for (int i = 0; i < 4; ++i) {
        args.push_back("--net");
        args.push_back("user");
    }
    expect_refused(args, "at most 7");
}

}  // namespace
}  // namespace svm::test
