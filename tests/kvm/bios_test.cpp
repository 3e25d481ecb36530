// Boot sectors on svm's BIOS end to end (label `kvm`; docs/bios.md): the images in guest/bios/
// (each also checked under QEMU's SeaBIOS) booted with `svm IMAGE` and --boot-disk, using int 0x10
// teletype, int 0x13 CHS and LBA reads, int 0x15 E820, int 0x16 with --stdin keyboard, the way into
// long mode, and the report of a service svm does not provide.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "svm_process.h"

namespace svm::test {
namespace {

class Bios : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

std::string temp_path() {
    char path[] = "/tmp/svm-bios-XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) close(fd);
    return path;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream all;
    all << in.rdbuf();
    return all.str();
}

TEST_F(Bios, HelloPrintsOnTheScreenWithInt10Teletype) {
    std::string screen = temp_path();
    auto r = run_svm({"--timeout", "30", "--screen-text", screen, guest("bios_hello.img")});
    std::string text = read_file(screen);
    std::remove(screen.c_str());
    EXPECT_EQ(r.exit_code, 33) << r.err;  // isa-debug-exit 0x10
    // The first row of the screen, and the same row read back from 0xB8000 on COM1.
    EXPECT_EQ(text.substr(0, text.find('\n')), "Hello from the boot sector") << text;
    EXPECT_EQ(r.out, "Hello from the boot sector\n") << r.err;
}

TEST_F(Bios, BootDiskOptionBootsTheSameImage) {
    auto r =
        run_svm({"--timeout", "30", "--display", "none", "--boot-disk", guest("bios_hello.img")});
    EXPECT_EQ(r.exit_code, 33) << r.err;
    EXPECT_EQ(r.out, "Hello from the boot sector\n") << r.err;
}

TEST_F(Bios, StageTwoIsLoadedWithChsAndLba) {
    auto r = run_svm({"--timeout", "30", guest("bios_stage2.img")});
    EXPECT_EQ(r.exit_code, 33) << r.out << r.err;
    expect_lines(r, {"stage 2: hello from sectors 2-5",
                     "stage 2: loaded with int 0x13 AH=0x02 (CHS) and checked with AH=0x42 (LBA)"});
}

TEST_F(Bios, E820ReportsConventionalMemoryUpToTheEbda) {
    auto r = run_svm({"--timeout", "30", "-m", "64M", guest("bios_e820.img")});
    EXPECT_EQ(r.exit_code, 33) << r.out << r.err;
    // RAM below the EBDA, the EBDA and BIOS area reserved, RAM from 1 MiB (svm's memory map for
    // a boot sector, core/loader/boot_sector.h).
    expect_lines_in_order(r.out, {"e820: 0000000000000000 000000000009FC00 00000001",
                                  "e820: 000000000009FC00 0000000000060400 00000002",
                                  "e820: 0000000000100000 0000000003F00000 00000001"});
    EXPECT_TRUE(contains(r.out, " entries\n")) << r.out;
}

TEST_F(Bios, KeysAreReadWithInt16AndEchoed) {
    auto r = run_svm(
        {"--timeout", "30", "--stdin", "keyboard", "--display", "none", guest("bios_keys.img")},
        "hello\nq");
    EXPECT_EQ(r.exit_code, 33) << r.out << r.err;
    EXPECT_EQ(r.out, "keys: type, q ends\nhello\n\nkeys: bye\n") << r.err;
}

TEST_F(Bios, TwoStageLoaderReachesLongMode) {
    auto r = run_svm({"--timeout", "30", guest("bios_longmode.img")});
    EXPECT_EQ(r.exit_code, 33) << r.out << r.err;
    expect_lines_in_order(
        r.out, {"stage 1: stage 2 loaded, entering protected mode",
                "stage 2: 32-bit protected mode", "stage 2: hello from 64-bit long mode"});
}

TEST_F(Bios, AServiceSvmDoesNotProvideIsReportedOnce) {
    auto r = run_svm({"--timeout", "30", guest("bios_vesa.img")});
    EXPECT_EQ(r.exit_code, 33) << r.out << r.err;
    EXPECT_TRUE(
        contains(r.err, "BIOS int 0x10 AH=0x4F (VESA) at 0000:7C06 is not provided by svm\n"))
        << r.err;
    // The caller sees a failure: AX is not 0x004F.
    EXPECT_TRUE(contains(r.out, "vesa: AX=")) << r.out;
    EXPECT_FALSE(contains(r.out, "vesa: AX=004F")) << r.out;
}

TEST_F(Bios, AnImageWithoutTheSignatureIsRefused) {
    std::string path = temp_path();
    {
        std::ofstream out(path, std::ios::binary);
        out << std::string(1024, '\0');
    }
    auto r = run_svm({"--boot-disk", path});
    std::remove(path.c_str());
    EXPECT_EQ(r.exit_code, 65) << r.err;
    EXPECT_TRUE(contains(r.err, "not the boot signature 0x55 0xAA")) << r.err;
}

}  // namespace
}  // namespace svm::test
