// The sample OS embedded in svm (core/sample_os/, cmake/SampleOs.cmake) is the one the build made,
// and svm hands it to the machine as files it can open.
#include "core/sample_os/sample_os.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace svm {
namespace {

std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

TEST(SampleOs, EmbeddedKernelIsTheBuiltOsElf) {
    const auto built = read_file(SVM_GUEST_DIR "/os.elf");
    ASSERT_FALSE(built.empty()) << "the build did not make " SVM_GUEST_DIR "/os.elf";
    const auto embedded = sample_os_kernel();
    ASSERT_EQ(embedded.size(), built.size());
    EXPECT_TRUE(std::equal(embedded.begin(), embedded.end(), built.begin()));
    EXPECT_EQ(std::string(embedded.begin() + 1, embedded.begin() + 4), "ELF");
}

TEST(SampleOs, FilesReadBackAsTheEmbeddedBytes) {
    auto files = sample_os_files();
    ASSERT_TRUE(files) << files.error().message;
    // svm's own PID, not /proc/self: gdb may open the exec file by this name itself.
    EXPECT_EQ(files->kernel.rfind("/proc/" + std::to_string(getpid()) + "/fd/", 0), 0u);
    const auto kernel = read_file(files->kernel);
    const auto embedded = sample_os_kernel();
    ASSERT_EQ(kernel.size(), embedded.size());
    EXPECT_TRUE(std::equal(kernel.begin(), kernel.end(), embedded.begin()));
    if (sample_os_disk().empty()) {
        EXPECT_TRUE(files->disk.empty());
    } else {
        EXPECT_EQ(read_file(files->disk).size(), sample_os_disk().size());
        EXPECT_EQ(sample_os_disk().size() % 512, 0u);
    }
}

}  // namespace
}  // namespace svm
