// The Limine boot protocol end to end (label `kvm`): svm boots guest/limine/'s test kernels, one
// per base revision 0..6 (limine_rev<N>.elf), with 4 CPUs, a command line, two modules and a
// screenshot. Each guest checks every response field and entry-state promise of svm's Limine
// loader itself and prints "ok ..." / "FAIL ..." per check; here we assert the exit code, the
// lines that carry what the test passed in (command line, modules, CPUs), that no check failed,
// and that the screenshot shows guest/limine/limine_pattern.h's picture. Executables the loader
// must refuse (a request id twice, base revision 7) end with one line on stderr and no boot.
#include <cpuid.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "core/display/png_writer.h"
#include "limine/limine_modules.h"
#include "limine/limine_pattern.h"
#include "svm_process.h"

namespace svm::test {
namespace {

// The HHDM offset svm gives the revision-N guest: the even revisions ask for 5-level paging, which
// svm grants where the CPU has LA57 (CPUID.(EAX=7,ECX=0):ECX bit 16; docs/loaders.md).
const char* expected_hhdm(int rev) {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (__get_cpuid_max(0, nullptr) >= 7) __cpuid_count(7, 0, eax, ebx, ecx, edx);
    const bool la57 = ecx & (1u << 16);
    return rev % 2 == 0 && la57 ? "0xff00000000000000" : "0xffff800000000000";
}

constexpr const char* kCmdline = "limine-test cpus=4 modules";

class Limine : public ::testing::TestWithParam<int> {
protected:
    void SetUp() override {
        require_kvm();
        if (IsSkipped() || HasFatalFailure()) return;
        char dir[] = "/tmp/svm-limine-XXXXXX";
        ASSERT_NE(mkdtemp(dir), nullptr);
        dir_ = dir;
        module0_ = dir_ + "/" LIMINE_MODULE0_NAME;
        module1_ = dir_ + "/" LIMINE_MODULE1_NAME;
        std::ofstream(module0_, std::ios::binary) << LIMINE_MODULE0_CONTENTS;
        std::ofstream(module1_, std::ios::binary) << LIMINE_MODULE1_CONTENTS;
        png_ = dir_ + "/shot.png";
    }
    void TearDown() override {
        if (dir_.empty()) return;
        for (const auto& f : {module0_, module1_, png_}) std::remove(f.c_str());
        rmdir(dir_.c_str());
    }
    std::string dir_, module0_, module1_, png_;
};

// Counts screenshot pixels that differ from the pattern, reporting the first.
int count_mismatches(const Surface& shot) {
    int bad = 0;
    for (uint32_t y = 0; y < shot.height; ++y)
        for (uint32_t x = 0; x < shot.width; ++x) {
            uint32_t got = shot.at(x, y) & 0xffffff;
            uint32_t want = limine_pattern_rgb(x, y, shot.height);
            if (got != want && bad++ == 0)
                ADD_FAILURE() << "pixel (" << x << "," << y << ") is " << std::hex << got
                              << ", want " << want;
        }
    return bad;
}

TEST_P(Limine, EveryPromiseHoldsAndTheScreenShowsThePattern) {
    const int rev = GetParam();
    const std::string kernel = "limine_rev" + std::to_string(rev) + ".elf";
    auto r = run_svm(
        {"--cpus", "4", "--cmdline", kCmdline, "--module", module0_ + "," LIMINE_MODULE0_STRING,
         "--module", module1_ + "," LIMINE_MODULE1_STRING, "--screenshot", png_, guest(kernel)},
        "", 120);
    EXPECT_FALSE(r.timed_out);
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
    const std::string revs = std::to_string(rev);
    expect_lines_in_order(
        r.out,
        {"limine: base revision " + revs + " guest",
         "ok base revision " + revs + " accepted (tag[1] = " + revs + ", tag[2] = 0)",
         std::string("ok hhdm offset = ") + expected_hhdm(rev),
         std::string("ok cmdline \"") + kCmdline + "\""});
    expect_lines(r, {
                        "ok executable file: path \"/" + kernel + "\"",
                        std::string("ok executable file: string \"") + kCmdline + "\"",
                        "ok module count = 0x2",
                        "ok module 0: path \"/" LIMINE_MODULE0_NAME "\"",
                        "ok module 0: string \"" LIMINE_MODULE0_STRING "\"",
                        "ok module 0: contents match",
                        "ok module 1: path \"/" LIMINE_MODULE1_NAME "\"",
                        "ok module 1: string \"" LIMINE_MODULE1_STRING "\"",
                        "ok module 1: contents match",
                        "ok framebuffer: 1024x768x32 pitch 4096",
                        "ok framebuffer: pattern drawn",
                        "ok bootloader info: \"svm\" \"1\"",
                        "ok mp: cpu_count 4 (want 4)",
                        "ok ap 1: reports lapic id 1",
                        "ok ap 2: reports lapic id 2",
                        "ok ap 3: reports lapic id 3",
                        "ok mp: 3 of 3 APs reported back",
                        rev == 3 ? "ok rsdp: signature \"RSD PTR \" read through the identity map"
                                 : "ok rsdp: signature \"RSD PTR \" read through the HHDM",
                        "ok rsdp: checksum of the first 20 bytes is 0",
                    });
    EXPECT_NE(r.out.find("\nlimine: all "), std::string::npos) << r.out;

    auto shot = read_png(png_);
    ASSERT_TRUE(shot) << shot.error().message;
    ASSERT_EQ(shot->width, 1024u);
    ASSERT_EQ(shot->height, 768u);
    EXPECT_EQ(count_mismatches(*shot), 0);
}

INSTANTIATE_TEST_SUITE_P(BaseRevision, Limine, ::testing::Range(0, 7),
                         [](const ::testing::TestParamInfo<int>& info) {
                             return "Rev" + std::to_string(info.param);
                         });

class LimineDefaults : public ::testing::Test {
protected:
    void SetUp() override { require_kvm(); }
};

// No --cmdline, --module or --cpus: an empty command line, no module response at all, one CPU.
TEST_F(LimineDefaults, NoOptionsMeansEmptyCmdlineNoModulesOneCpu) {
    auto r = run_svm({guest("limine_rev6.elf")});
    EXPECT_EQ(r.exit_code, 0) << r.err << r.out;
    EXPECT_EQ(r.out.find("FAIL"), std::string::npos) << r.out;
    expect_lines(r, {"ok cmdline \"\"", "ok module response absent without --module",
                     "ok mp: cpu_count 1 (want 1)", "ok mp: 0 of 0 APs reported back"});
}

// Executables svm must refuse: one clear line on stderr, a non-zero exit, the guest never runs.
// svm checks the executable before it opens /dev/kvm, so these run without KVM too.
void expect_refused(const std::string& kernel, const std::string& why) {
    auto r = run_svm({guest(kernel)});
    std::string err = r.err;
    std::transform(err.begin(), err.end(), err.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    EXPECT_NE(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.out.find("FAIL svm booted"), std::string::npos) << r.out;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(kernel), std::string::npos) << "the error names the file: " << r.err;
    EXPECT_NE(err.find(why), std::string::npos) << "the error says why (" << why << "): " << r.err;
}

TEST(LimineRefused, TwoRequestsWithTheSameIdAreRefused) {
    expect_refused("limine_dup_request.elf", "request");
}

TEST(LimineRefused, BaseRevisionSevenIsRefused) {
    expect_refused("limine_bad_revision.elf", "revision");
}

}  // namespace
}  // namespace svm::test
