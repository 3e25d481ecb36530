// svm refuses kernels and modules it cannot load before it reads them whole (issue 8, item 6):
// a file larger than RAM, /dev/zero, a FIFO with no writer, a pipe that never ends. svm reads
// its input files before it opens /dev/kvm, so these run the real binary without KVM (label
// `unit`) and expect exit code 65 with one line naming the file.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "svm_process.h"

namespace svm::test {
namespace {

using Clock = std::chrono::steady_clock;

bool contains(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

size_t count_lines(const std::string& text) {
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

class InputFiles : public ::testing::Test {
protected:
    // Per process: CTest runs these tests in parallel, each test in a process of its own.
    std::string temp(const std::string& name) {
        return ::testing::TempDir() + "svm_input_" + std::to_string(getpid()) + "_" + name;
    }
    void TearDown() override {
        for (const std::string& path : created_) unlink(path.c_str());
    }
    std::vector<std::string> created_;

    // A sparse file of `size` bytes (no disk space used), starting with `head`.
    std::string sparse_file(const std::string& name, uint64_t size, const std::string& head = "") {
        std::string path = temp(name);
        created_.push_back(path);
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        EXPECT_GE(fd, 0) << path << ": " << std::strerror(errno);
        EXPECT_EQ(::write(fd, head.data(), head.size()), static_cast<ssize_t>(head.size()));
        EXPECT_EQ(ftruncate(fd, static_cast<off_t>(size)), 0) << std::strerror(errno);
        close(fd);
        return path;
    }

    std::string fifo(const std::string& name) {
        std::string path = temp(name);
        created_.push_back(path);
        unlink(path.c_str());
        EXPECT_EQ(mkfifo(path.c_str(), 0600), 0) << std::strerror(errno);
        return path;
    }

    // A Multiboot 1 kernel with the a.out kludge (Multiboot 0.6.96 section 3.1): the header,
    // then `hlt; jmp .-1`, loaded whole at 1 MiB. Enough for svm to read its --module files.
    std::string multiboot_kernel() {
        const uint32_t magic = 0x1BADB002, flags = 1u << 16;
        const uint32_t header[8] = {magic, flags,   0u - magic - flags, 0x100000, 0x100000, 0,
                                    0,     0x100020};
        std::string bytes(reinterpret_cast<const char*>(header), sizeof header);
        bytes += "\xf4\xeb\xfd";
        std::string path = temp("multiboot1.bin");
        created_.push_back(path);
        std::ofstream(path, std::ios::binary) << bytes;
        return path;
    }

    // Runs svm and checks the refusal: exit code 65, one line, naming `name`, within seconds.
    ProcessResult expect_refused(const std::vector<std::string>& args, const std::string& name,
                                 const std::string& input = "") {
        auto started = Clock::now();
        ProcessResult r = run_svm(args, input, 20);
        EXPECT_FALSE(r.timed_out) << "svm hung: " << r.err;
        EXPECT_LT(Clock::now() - started, std::chrono::seconds(10));
        EXPECT_EQ(r.exit_code, 65) << r.err;
        EXPECT_TRUE(contains(r.err, "svm: error: ")) << r.err;
        EXPECT_TRUE(contains(r.err, name)) << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
        return r;
    }
};

TEST_F(InputFiles, KernelLargerThanRamIsRefusedBeforeItIsRead) {
    std::string kernel = sparse_file("6g.bin", 6ull << 30);
    auto r = expect_refused({kernel}, kernel);
    EXPECT_TRUE(contains(r.err, "is 6 GiB, larger than the guest's 128 MiB of RAM")) << r.err;
}

TEST_F(InputFiles, DevZeroKernelIsRefused) {
    auto r = expect_refused({"/dev/zero"}, "'/dev/zero'");
    EXPECT_TRUE(contains(r.err, "character device")) << r.err;
}

TEST_F(InputFiles, FifoKernelWithoutAWriterIsRefusedNotWaitedFor) {
    std::string path = fifo("kernel.fifo");
    auto r = expect_refused({path}, path);
    EXPECT_TRUE(contains(r.err, "pipe or FIFO that gave no data")) << r.err;
}

TEST_F(InputFiles, PipedKernelLargerThanRamIsReadNoFurther) {
    // svm /dev/stdin with 2 MiB on a pipe and 1 MiB of RAM: svm stops reading after 1 MiB + 1.
    auto r = expect_refused({"-m", "1M", "/dev/stdin"}, "/dev/stdin", std::string(2 << 20, '\0'));
    EXPECT_TRUE(contains(r.err, "holds more than the guest's 1 MiB of RAM")) << r.err;
}

TEST_F(InputFiles, DirectoryKernelIsRefused) {
    expect_refused({::testing::TempDir()}, "directory");
}

TEST_F(InputFiles, ElfKernelMayBeLargerThanRamForItsDebugInformation) {
    // The size is not held against an ELF file (its sections need not be loaded); this one is
    // refused for its broken header instead.
    std::string kernel = sparse_file("big.elf", 3 << 20,
                                     "\x7f"
                                     "ELF");
    auto r = expect_refused({"-m", "1M", kernel}, kernel);
    EXPECT_FALSE(contains(r.err, "larger than")) << r.err;
}

TEST_F(InputFiles, ModuleLargerThanRamIsRefusedBeforeItIsRead) {
    std::string module = sparse_file("6g.mod", 6ull << 30);
    auto r = expect_refused({"--module", module, multiboot_kernel()}, module);
    EXPECT_TRUE(contains(r.err, "module 0")) << r.err;
    EXPECT_TRUE(contains(r.err, "is 6 GiB, larger than the guest's 128 MiB of RAM")) << r.err;
}

TEST_F(InputFiles, DevZeroModuleIsRefused) {
    auto r = expect_refused({"--module", "/dev/zero", multiboot_kernel()}, "'/dev/zero'");
    EXPECT_TRUE(contains(r.err, "module 0")) << r.err;
}

TEST_F(InputFiles, FifoModuleWithoutAWriterIsRefusedNotWaitedFor) {
    std::string path = fifo("module.fifo");
    std::string ok = sparse_file("ok.mod", 100, "module");
    auto r = expect_refused({"--module", ok, "--module", path, multiboot_kernel()}, path);
    EXPECT_TRUE(contains(r.err, "module 1")) << r.err;
}

TEST_F(InputFiles, PipedModuleLargerThanRamIsReadNoFurther) {
    auto r = expect_refused({"-m", "2M", "--module", "/dev/stdin", multiboot_kernel()},
                            "/dev/stdin", std::string(3 << 20, 'm'));
    EXPECT_TRUE(contains(r.err, "module 0 '/dev/stdin' holds more than the guest's 2 MiB of RAM"))
        << r.err;
}

TEST(ExitCodes, HelpListsTheCodeForAClosedStandardOutput) {
    ProcessResult r = run_svm({"--help"}, "", 20);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_TRUE(contains(r.out, "141 standard output closed")) << r.out;
}

}  // namespace
}  // namespace svm::test
