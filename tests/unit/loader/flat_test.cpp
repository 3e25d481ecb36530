#include <gtest/gtest.h>

#include "core/loader/kernel_image.h"
#include "test_images.h"

namespace svm {
namespace {

using test::Bytes;

class FlatTest : public ::testing::Test {
protected:
    Result<KernelImage> load(const Bytes& file, const LoadOptions& options) {
        return load_kernel("test.bin", file, memory_, options);
    }
    GuestMemory memory_ = test::garbage_memory();
};

TEST_F(FlatTest, LoadsAtTheLoadAddressInRealMode) {
    Bytes file = test::pattern(512, 3);
    LoadOptions options;
    options.load_address = 0x7C00;
    auto image = load(file, options);
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "flat");
    EXPECT_EQ(image->mode, CpuMode::Real);
    EXPECT_EQ(image->entry, 0x7C00u);
    EXPECT_FALSE(image->is_elf);
    EXPECT_FALSE(image->eax.has_value());
    EXPECT_EQ(test::peek_bytes(memory_, 0x7C00, 512), file);
    EXPECT_EQ(test::peek<uint8_t>(memory_, 0x7C00 + 512), 0xCC);  // nothing written past it
    ASSERT_EQ(image->loaded.size(), 1u);
    EXPECT_EQ(image->loaded[0].base, 0x7C00u);
    EXPECT_EQ(image->loaded[0].size, 512u);
    EXPECT_FALSE(image->loaded[0].is_module);
}

TEST_F(FlatTest, HonoursEntryAndMode) {
    LoadOptions options;
    options.load_address = 0x200000;
    options.entry = 0x200010;
    options.flat_mode = CpuMode::Long;
    auto image = load(test::pattern(64, 1), options);
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->mode, CpuMode::Long);
    EXPECT_EQ(image->entry, 0x200010u);
    EXPECT_EQ(test::peek<uint8_t>(memory_, 0x200000), test::pattern(64, 1)[0]);
}

TEST_F(FlatTest, EmptyFileIsAnError) {
    auto image = load({}, LoadOptions{});
    ASSERT_FALSE(image);
    EXPECT_NE(image.error().message.find("empty"), std::string::npos);
}

TEST_F(FlatTest, BinaryTooBigForRamIsAnError) {
    LoadOptions options;
    options.load_address = (64 << 20) - 16;
    auto image = load(test::pattern(32, 1), options);
    ASSERT_FALSE(image);
    EXPECT_NE(image.error().message.find("outside the 64 MiB of RAM"), std::string::npos)
        << image.error().message;
}

TEST_F(FlatTest, BinaryOverSvmsDefaultAreasLoadsAndSvmMovesAside) {
    LoadOptions options;
    options.load_address = 0x6F000;  // runs into 0x70000, svm's default stack
    options.entry = 0x1000;
    auto image = load(test::pattern(0x2000, 1), options);
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(test::peek<uint8_t>(memory_, 0x70000), test::pattern(0x2000, 1)[0x1000]);
    EXPECT_NE(image->layout.stack_base, uint64_t{SVM_RESERVED_START});
    EXPECT_EQ(image->layout.machine_table, uint64_t{SVM_MACHINE_TABLE_ADDR});
}

TEST_F(FlatTest, BinaryInTheVgaWindowIsAnError) {
    LoadOptions options;
    options.load_address = 0x9F000;  // runs into 0xA0000
    auto image = load(test::pattern(0x2000, 1), options);
    ASSERT_FALSE(image);
    EXPECT_NE(image.error().message.find("overlaps the VGA memory window [0xa0000, 0xc0000)"),
              std::string::npos)
        << image.error().message;
    EXPECT_EQ(test::peek<uint8_t>(memory_, 0x9F000), 0xCC);  // nothing was written
}

TEST_F(FlatTest, RealModeEntryBeyond64KiBIsAnError) {
    LoadOptions options;
    options.load_address = 0x100000;
    auto image = load(test::pattern(16, 1), options);
    ASSERT_FALSE(image);
    EXPECT_NE(image.error().message.find("real-mode entry 0x100000"), std::string::npos);
}

TEST_F(FlatTest, ModulesNeedAMultibootKernel) {
    LoadOptions options;
    options.load_address = 0x7C00;
    options.modules.push_back({"/nonexistent", "x"});
    auto image = load(test::pattern(16, 1), options);
    ASSERT_FALSE(image);
    EXPECT_NE(image.error().message.find("only to Multiboot kernels"), std::string::npos);
}

}  // namespace
}  // namespace svm
