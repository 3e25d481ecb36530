#include "devices/virtio/block_image.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace svm::virtio {
namespace {

// A temporary image file of `bytes` bytes, each byte = its offset * 7 mod 251, removed at the end.
class TempImage {
public:
    explicit TempImage(uint64_t bytes, const char* dir = "/tmp") {
        path_ = std::string(dir) + "/svm-block-image-XXXXXX";
        int fd = ::mkstemp(path_.data());
        if (fd < 0) return;
        std::vector<uint8_t> data(bytes);
        for (uint64_t i = 0; i < bytes; ++i) data[i] = pattern(i);
        if (bytes) {
            EXPECT_EQ(::pwrite(fd, data.data(), data.size(), 0), ssize_t(bytes));
        }
        ::close(fd);
    }
    ~TempImage() { ::unlink(path_.c_str()); }
    const std::string& path() const { return path_; }
    static uint8_t pattern(uint64_t offset) { return static_cast<uint8_t>(offset * 7 % 251); }

    // The file's bytes [offset, offset + len), read through an fd of its own.
    std::vector<uint8_t> contents(uint64_t offset, size_t len) const {
        std::vector<uint8_t> out(len);
        int fd = ::open(path_.c_str(), O_RDONLY);
        EXPECT_EQ(::pread(fd, out.data(), len, static_cast<off_t>(offset)), ssize_t(len));
        ::close(fd);
        return out;
    }
    uint64_t size() const {
        struct stat st {};
        ::stat(path_.c_str(), &st);
        return static_cast<uint64_t>(st.st_size);
    }

private:
    std::string path_;
};

DiskConfig config_for(const TempImage& file, bool ro = false,
                      DiskCache cache = DiskCache::Writeback) {
    DiskConfig config;
    config.path = file.path();
    config.read_only = ro;
    config.cache = cache;
    return config;
}

bool all(const std::vector<uint8_t>& bytes, uint8_t value) {
    for (uint8_t b : bytes)
        if (b != value) return false;
    return true;
}

bool is_pattern(const std::vector<uint8_t>& bytes, uint64_t offset) {
    for (size_t i = 0; i < bytes.size(); ++i)
        if (bytes[i] != TempImage::pattern(offset + i)) return false;
    return true;
}

// --- Option parsing ---

TEST(DiskOption, FileAloneTakesTheDefaults) {
    auto config = parse_disk_option("disk.img");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->path, "disk.img");
    EXPECT_FALSE(config->read_only);
    EXPECT_EQ(config->serial, "");
    EXPECT_EQ(config->cache, DiskCache::Writeback);
}

TEST(DiskOption, AllOptions) {
    auto config = parse_disk_option("/images/a.img,ro,serial=SVM-0001,cache=none");
    ASSERT_TRUE(config) << config.error().message;
    EXPECT_EQ(config->path, "/images/a.img");
    EXPECT_TRUE(config->read_only);
    EXPECT_EQ(config->serial, "SVM-0001");
    EXPECT_EQ(config->cache, DiskCache::None);
    EXPECT_EQ(parse_disk_option("a,cache=none,cache=writeback")->cache, DiskCache::Writeback);
}

TEST(DiskOption, MissingFileIsAnError) {
    for (const char* text : {"", ",ro", ",serial=x"}) {
        auto config = parse_disk_option(text);
        ASSERT_FALSE(config) << text;
        EXPECT_NE(config.error().message.find("file name is missing"), std::string::npos)
            << config.error().message;
    }
}

TEST(DiskOption, UnknownOptionIsNamed) {
    auto config = parse_disk_option("disk.img,rw");
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().message.find("unknown option 'rw'"), std::string::npos)
        << config.error().message;
    EXPECT_FALSE(parse_disk_option("disk.img,"));
    EXPECT_FALSE(parse_disk_option("disk.img,ro,,"));
    EXPECT_EQ(config.error().message.find('\n'), std::string::npos);
}

TEST(DiskOption, SerialAtMostTwentyBytes) {
    auto ok = parse_disk_option("d,serial=12345678901234567890");
    ASSERT_TRUE(ok);
    EXPECT_EQ(ok->serial.size(), kBlockIdBytes);
    auto bad = parse_disk_option("d,serial=123456789012345678901");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("at most 20"), std::string::npos) << bad.error().message;
}

TEST(DiskOption, UnknownCacheMode) {
    auto config = parse_disk_option("d,cache=unsafe");
    ASSERT_FALSE(config);
    EXPECT_NE(config.error().message.find("unknown cache mode 'unsafe'"), std::string::npos)
        << config.error().message;
}

// --- Opening ---

TEST(BlockImage, SizeInSectors) {
    TempImage file(64 * 1024);
    auto image = BlockImage::open(config_for(file));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->sectors(), 128u);
    EXPECT_EQ(image->size_bytes(), 64u * 1024);
    EXPECT_FALSE(image->read_only());
    EXPECT_FALSE(image->direct());
}

TEST(BlockImage, EmptyImageHasNoSectors) {
    TempImage file(0);
    auto image = BlockImage::open(config_for(file));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->sectors(), 0u);
}

TEST(BlockImage, SizeNotMultipleOf512IsRefused) {
    TempImage file(1000);
    auto image = BlockImage::open(config_for(file));
    ASSERT_FALSE(image);
    const std::string& message = image.error().message;
    EXPECT_NE(message.find("1000 bytes"), std::string::npos) << message;
    EXPECT_NE(message.find("not a multiple of 512"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST(BlockImage, MissingFileNamesIt) {
    DiskConfig config;
    config.path = "/nonexistent/svm-disk.img";
    auto image = BlockImage::open(config);
    ASSERT_FALSE(image);
    EXPECT_NE(image.error().message.find("/nonexistent/svm-disk.img"), std::string::npos);
}

TEST(BlockImage, DirectoryIsRefused) {
    DiskConfig config;
    config.path = "/tmp";
    config.read_only = true;
    EXPECT_FALSE(BlockImage::open(config));
}

// --- Locking: flock belongs to the open file description, so two opens in one process conflict
// as two svm processes would. ---

TEST(BlockImage, SecondWriterIsRefused) {
    TempImage file(4096);
    auto first = BlockImage::open(config_for(file));
    ASSERT_TRUE(first) << first.error().message;
    auto second = BlockImage::open(config_for(file));
    ASSERT_FALSE(second);
    EXPECT_EQ(second.error().message, file.path() + " is in use by another process");
}

TEST(BlockImage, ReadersShareButExcludeWriters) {
    TempImage file(4096);
    auto a = BlockImage::open(config_for(file, true));
    auto b = BlockImage::open(config_for(file, true));
    ASSERT_TRUE(a) << a.error().message;
    ASSERT_TRUE(b) << b.error().message;
    auto writer = BlockImage::open(config_for(file));
    ASSERT_FALSE(writer);
    EXPECT_NE(writer.error().message.find("in use by another process"), std::string::npos);
}

TEST(BlockImage, WriterExcludesReaders) {
    TempImage file(4096);
    auto writer = BlockImage::open(config_for(file));
    ASSERT_TRUE(writer);
    EXPECT_FALSE(BlockImage::open(config_for(file, true)));
}

TEST(BlockImage, LockIsReleasedWhenTheImageCloses) {
    TempImage file(4096);
    {
        auto first = BlockImage::open(config_for(file));
        ASSERT_TRUE(first);
        // A moved-from image holds no lock; the moved-to one still does.
        BlockImage moved = std::move(*first);
        EXPECT_FALSE(BlockImage::open(config_for(file)));
    }
    EXPECT_TRUE(BlockImage::open(config_for(file)));
}

// --- I/O ---

TEST(BlockImage, ReadScatteredParts) {
    TempImage file(8192);
    auto image = BlockImage::open(config_for(file, true));
    ASSERT_TRUE(image);
    std::vector<uint8_t> a(100), b(412), c(512);
    std::span<uint8_t> parts[] = {a, b, c};
    ASSERT_TRUE(image->read(3, parts));
    std::vector<uint8_t> joined(a);
    joined.insert(joined.end(), b.begin(), b.end());
    joined.insert(joined.end(), c.begin(), c.end());
    EXPECT_TRUE(is_pattern(joined, 3 * 512));
}

TEST(BlockImage, WriteScatteredPartsLandsInTheFile) {
    TempImage file(8192);
    auto image = BlockImage::open(config_for(file));
    ASSERT_TRUE(image);
    std::vector<uint8_t> a(300, 0xaa), b(212, 0xbb), c(512, 0xcc);
    std::span<const uint8_t> parts[] = {a, b, c};
    ASSERT_TRUE(image->write(2, parts));
    auto written = file.contents(1024, 1024);
    EXPECT_TRUE(all({written.begin(), written.begin() + 300}, 0xaa));
    EXPECT_TRUE(all({written.begin() + 300, written.begin() + 512}, 0xbb));
    EXPECT_TRUE(all({written.begin() + 512, written.end()}, 0xcc));
    EXPECT_TRUE(is_pattern(file.contents(0, 1024), 0));
    EXPECT_TRUE(is_pattern(file.contents(2048, 6144), 2048));
    EXPECT_TRUE(image->flush());
}

TEST(BlockImage, OutOfRangeAndPartialSectorsFail) {
    TempImage file(4096);  // 8 sectors
    auto image = BlockImage::open(config_for(file));
    ASSERT_TRUE(image);
    std::vector<uint8_t> sector(512), two(1024), odd(511);
    EXPECT_TRUE(image->read(7, sector));
    EXPECT_FALSE(image->read(8, sector));
    EXPECT_FALSE(image->read(7, two));
    EXPECT_FALSE(image->read(~0ull, sector));
    EXPECT_FALSE(image->read(0, odd));
    EXPECT_FALSE(image->write(8, sector));
    EXPECT_FALSE(image->write(0, odd));
    EXPECT_TRUE(image->read(8, std::span<uint8_t>()));  // zero sectors at the end: nothing to do
    EXPECT_EQ(file.size(), 4096u);
}

TEST(BlockImage, ReadOnlyRefusesEveryWrite) {
    TempImage file(4096);
    auto image = BlockImage::open(config_for(file, true));
    ASSERT_TRUE(image);
    EXPECT_TRUE(image->read_only());
    std::vector<uint8_t> zeros(512, 0);
    auto r = image->write(0, zeros);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("read-only"), std::string::npos);
    EXPECT_FALSE(image->discard(0, 1));
    EXPECT_FALSE(image->write_zeroes(0, 1, false));
    EXPECT_FALSE(image->discard_supported());
    EXPECT_FALSE(image->write_zeroes_supported());
    EXPECT_TRUE(image->flush());
    EXPECT_TRUE(is_pattern(file.contents(0, 4096), 0));
}

TEST(BlockImage, ReadOnlyOpensAnUnwritableFile) {
    TempImage file(4096);
    ::chmod(file.path().c_str(), 0444);
    EXPECT_TRUE(BlockImage::open(config_for(file, true)));
    if (::geteuid() != 0) {  // root may write anyway
        auto rw = BlockImage::open(config_for(file));
        ASSERT_FALSE(rw);
        EXPECT_NE(rw.error().message.find(",ro"), std::string::npos) << rw.error().message;
    }
}

TEST(BlockImage, DiscardReadsAsZeroesAndKeepsTheSize) {
    TempImage file(64 * 1024);
    auto image = BlockImage::open(config_for(file));
    ASSERT_TRUE(image);
    if (!image->discard_supported()) GTEST_SKIP() << "/tmp cannot punch holes";
    ASSERT_TRUE(image->discard(16, 32));  // bytes 8192..24576: whole 4 KiB blocks
    EXPECT_TRUE(is_pattern(file.contents(0, 8192), 0));
    EXPECT_TRUE(all(file.contents(8192, 16384), 0));
    EXPECT_TRUE(is_pattern(file.contents(24576, 40960), 24576));
    EXPECT_EQ(file.size(), 64u * 1024);
    // Unaligned to the file system block: the partial blocks are zeroed, the rest kept.
    ASSERT_TRUE(image->discard(1, 1));
    EXPECT_TRUE(all(file.contents(512, 512), 0));
    EXPECT_TRUE(is_pattern(file.contents(0, 512), 0));
    EXPECT_TRUE(is_pattern(file.contents(1024, 1024), 1024));
    EXPECT_FALSE(image->discard(120, 9));
    EXPECT_FALSE(image->discard(0, ~0ull));
}

TEST(BlockImage, WriteZeroesWithAndWithoutUnmap) {
    TempImage file(64 * 1024);
    auto image = BlockImage::open(config_for(file));
    ASSERT_TRUE(image);
    EXPECT_TRUE(image->write_zeroes_supported());
    ASSERT_TRUE(image->write_zeroes(3, 5, false));
    EXPECT_TRUE(is_pattern(file.contents(0, 1536), 0));
    EXPECT_TRUE(all(file.contents(1536, 2560), 0));
    EXPECT_TRUE(is_pattern(file.contents(4096, 4096), 4096));
    ASSERT_TRUE(image->write_zeroes(64, 64, true));
    EXPECT_TRUE(all(file.contents(32768, 32768), 0));
    EXPECT_EQ(file.size(), 64u * 1024);
    EXPECT_TRUE(image->write_zeroes(128, 0, false));
    EXPECT_FALSE(image->write_zeroes(127, 2, false));
    EXPECT_EQ(file.size(), 64u * 1024);
}

TEST(BlockImage, WriteZeroesOnTmpfs) {
    // tmpfs has no ZERO_RANGE: the PUNCH_HOLE fallback must still produce zeroes.
    if (::access("/dev/shm", W_OK) != 0) GTEST_SKIP() << "no /dev/shm";
    TempImage file(16 * 1024, "/dev/shm");
    auto image = BlockImage::open(config_for(file));
    ASSERT_TRUE(image);
    ASSERT_TRUE(image->write_zeroes(1, 10, false));
    EXPECT_TRUE(is_pattern(file.contents(0, 512), 0));
    EXPECT_TRUE(all(file.contents(512, 5120), 0));
    EXPECT_TRUE(is_pattern(file.contents(5632, 512), 5632));
}

// --- cache=none ---

TEST(BlockImage, DirectRoundTripWithUnalignedBuffers) {
    TempImage file(1024 * 1024);
    auto image = BlockImage::open(config_for(file, false, DiskCache::None));
    ASSERT_TRUE(image) << image.error().message;
    if (!image->direct()) GTEST_SKIP() << "/tmp does not allow O_DIRECT";
    // A 600 KiB write spans several bounce-buffer pieces; the buffers are deliberately odd.
    std::vector<uint8_t> storage(600 * 1024 + 3);
    for (size_t i = 0; i < storage.size(); ++i) storage[i] = static_cast<uint8_t>(i * 13 + 5);
    std::span<const uint8_t> whole(storage.data() + 1, 600 * 1024);
    std::span<const uint8_t> parts[] = {whole.subspan(0, 777), whole.subspan(777)};
    ASSERT_TRUE(image->write(1, parts));
    std::vector<uint8_t> back(600 * 1024 + 1);
    std::span<uint8_t> out(back.data() + 1, 600 * 1024);
    ASSERT_TRUE(image->read(1, out));
    EXPECT_TRUE(std::equal(out.begin(), out.end(), whole.begin()));
    auto file_bytes = file.contents(512, 600 * 1024);
    EXPECT_TRUE(std::equal(file_bytes.begin(), file_bytes.end(), whole.begin()));
    EXPECT_TRUE(is_pattern(file.contents(0, 512), 0));
    EXPECT_TRUE(is_pattern(file.contents(512 + 600 * 1024, 4096), 512 + 600 * 1024));
    EXPECT_TRUE(image->flush());
}

TEST(BlockImage, CacheNoneOnTmpfs) {
    // tmpfs refused O_DIRECT before Linux 6.6 (then the image falls back to the page cache) and
    // allows it since: either way the write lands.
    if (::access("/dev/shm", W_OK) != 0) GTEST_SKIP() << "no /dev/shm";
    TempImage file(4096, "/dev/shm");
    auto image = BlockImage::open(config_for(file, false, DiskCache::None));
    ASSERT_TRUE(image) << image.error().message;
    std::vector<uint8_t> data(512, 0x5a);
    ASSERT_TRUE(image->write(1, data));
    EXPECT_TRUE(all(file.contents(512, 512), 0x5a));
}

}  // namespace
}  // namespace svm::virtio
