// PNG screenshots (core/display/png_writer.h): a round trip keeps every pixel, and failures name
// the file in one line.
#include "core/display/png_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

namespace svm {
namespace {

class PngWriterTest : public ::testing::Test {
protected:
    void SetUp() override {
        dir =
            std::filesystem::temp_directory_path() / ("svm_png_test_" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
    }
    void TearDown() override { std::filesystem::remove_all(dir); }
    std::filesystem::path dir;
};

TEST_F(PngWriterTest, RoundTripKeepsEveryPixel) {
    Surface s;
    s.resize(37, 11);  // odd sizes: no row padding assumptions
    for (uint32_t y = 0; y < s.height; ++y)
        for (uint32_t x = 0; x < s.width; ++x)
            s.at(x, y) = xrgb(static_cast<uint8_t>(x * 7), static_cast<uint8_t>(y * 23),
                              static_cast<uint8_t>(x ^ y));
    const std::string path = (dir / "shot.png").string();
    auto written = write_png(path, s);
    ASSERT_TRUE(written.has_value()) << written.error().message;
    auto read = read_png(path);
    ASSERT_TRUE(read.has_value()) << read.error().message;
    EXPECT_EQ(read->width, 37u);
    EXPECT_EQ(read->height, 11u);
    EXPECT_EQ(read->pixels, s.pixels);
}

TEST_F(PngWriterTest, UnwritablePathNamesTheFile) {
    Surface s;
    s.resize(4, 4);
    const std::string path = (dir / "no-such-dir" / "shot.png").string();
    auto r = write_png(path, s);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message, "cannot open " + path + " for writing: No such file or directory");
}

TEST_F(PngWriterTest, FullDeviceIsAWriteFailure) {
    if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
    Surface s;
    s.resize(64, 64);
    auto r = write_png("/dev/full", s);
    ASSERT_FALSE(r.has_value());
    EXPECT_TRUE(r.error().message.starts_with("cannot write /dev/full: ")) << r.error().message;
    EXPECT_NE(r.error().message.find("No space left on device"), std::string::npos)
        << r.error().message;
}

TEST_F(PngWriterTest, EmptySurfaceIsAnError) {
    auto r = write_png((dir / "empty.png").string(), Surface{});
    ASSERT_FALSE(r.has_value());
}

TEST_F(PngWriterTest, ReadingSomethingElseFails) {
    const std::string missing = (dir / "missing.png").string();
    auto r = read_png(missing);
    ASSERT_FALSE(r.has_value());
    EXPECT_EQ(r.error().message, "cannot open " + missing + ": No such file or directory");

    const std::string text = (dir / "text.png").string();
    FILE* f = std::fopen(text.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("not a png\n", f);
    std::fclose(f);
    auto bad = read_png(text);
    ASSERT_FALSE(bad.has_value());
    EXPECT_TRUE(bad.error().message.starts_with("cannot read " + text + ": "))
        << bad.error().message;
}

}  // namespace
}  // namespace svm
