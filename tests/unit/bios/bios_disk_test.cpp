// int 0x13 and BiosDisk on temporary image files: geometry, CHS and LBA access, the overlay of
// read-only images, write-through of writable ones, and the error statuses.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/bios/bios_call.h"
#include "core/bios/bios_disk_image.h"

namespace svm {
namespace {

constexpr uint64_t kCarry = 1;

// A temporary image whose sector n is filled with byte (n & 0xFF) and has n in its first word.
class TempImage {
public:
    explicit TempImage(uint64_t bytes) {
        char name[] = "/tmp/svm-bios-disk-XXXXXX";
        int fd = mkstemp(name);
        EXPECT_GE(fd, 0);
        path_ = name;
        if (bytes > (16u << 20)) {  // large images are sparse (zeros); see put_sector()
            EXPECT_EQ(ftruncate(fd, static_cast<off_t>(bytes)), 0);
            close(fd);
            return;
        }
        std::vector<uint8_t> data(bytes);
        for (uint64_t i = 0; i < bytes; ++i) data[i] = static_cast<uint8_t>(i / 512);
        for (uint64_t s = 0; s * 512 + 1 < bytes; ++s) {
            data[s * 512] = static_cast<uint8_t>(s);
            data[s * 512 + 1] = static_cast<uint8_t>(s >> 8);
        }
        EXPECT_EQ(write(fd, data.data(), data.size()), static_cast<ssize_t>(data.size()));
        close(fd);
    }
    ~TempImage() { unlink(path_.c_str()); }
    // Writes sector `lba` of the pattern into a sparse image.
    void put_sector(uint64_t lba) {
        std::vector<uint8_t> data(512, static_cast<uint8_t>(lba));
        data[0] = static_cast<uint8_t>(lba);
        data[1] = static_cast<uint8_t>(lba >> 8);
        int fd = open(path_.c_str(), O_WRONLY);
        EXPECT_EQ(pwrite(fd, data.data(), 512, static_cast<off_t>(lba * 512)), 512);
        close(fd);
    }
    const std::string& path() const { return path_; }
    std::vector<uint8_t> contents() const {
        std::ifstream f(path_, std::ios::binary);
        return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    }

private:
    std::string path_;
};

TEST(BiosDiskGeometry, FloppySizes) {
    EXPECT_EQ(BiosDisk::geometry_for(368640), (DiskGeometry{40, 2, 9, 1}));
    EXPECT_EQ(BiosDisk::geometry_for(737280), (DiskGeometry{80, 2, 9, 3}));
    EXPECT_EQ(BiosDisk::geometry_for(1228800), (DiskGeometry{80, 2, 15, 2}));
    EXPECT_EQ(BiosDisk::geometry_for(1474560), (DiskGeometry{80, 2, 18, 4}));
    EXPECT_EQ(BiosDisk::geometry_for(2949120), (DiskGeometry{80, 2, 36, 6}));
}

TEST(BiosDiskGeometry, HardDiskLbaAssist) {
    EXPECT_EQ(BiosDisk::geometry_for(512), (DiskGeometry{1, 16, 63, 0}));
    EXPECT_EQ(BiosDisk::geometry_for(10ull << 20), (DiskGeometry{21, 16, 63, 0}));  // 20.3 cyl
    EXPECT_EQ(BiosDisk::geometry_for(504ull << 20), (DiskGeometry{1024, 16, 63, 0}));
    // 1 GiB: 2097152 sectors > 1024 * 32 * 63, so 64 heads; 2097152 / 4032 = 520.1 cylinders.
    EXPECT_EQ(BiosDisk::geometry_for(1ull << 30), (DiskGeometry{521, 64, 63, 0}));
    EXPECT_EQ(BiosDisk::geometry_for(1000ull << 20), (DiskGeometry{1016, 32, 63, 0}));
    // 4 GiB: 8388608 sectors > 1024 * 128 * 63, so 255 heads; 522.2 cylinders.
    EXPECT_EQ(BiosDisk::geometry_for(4ull << 30), (DiskGeometry{523, 255, 63, 0}));
    EXPECT_EQ(BiosDisk::geometry_for(100ull << 30), (DiskGeometry{1024, 255, 63, 0}));
}

TEST(BiosDiskGeometry, ChsToLba) {
    TempImage image(1474560);
    auto disk = BiosDisk::open(image.path(), false).value();
    EXPECT_EQ(disk->chs_to_lba(0, 0, 1), 0u);
    EXPECT_EQ(disk->chs_to_lba(0, 0, 18), 17u);
    EXPECT_EQ(disk->chs_to_lba(0, 1, 1), 18u);
    EXPECT_EQ(disk->chs_to_lba(1, 0, 1), 36u);
    EXPECT_EQ(disk->chs_to_lba(79, 1, 18), 2879u);
    EXPECT_FALSE(disk->chs_to_lba(0, 0, 0));
    EXPECT_FALSE(disk->chs_to_lba(0, 0, 19));
    EXPECT_FALSE(disk->chs_to_lba(0, 2, 1));
    EXPECT_FALSE(disk->chs_to_lba(80, 0, 1));
    EXPECT_TRUE(disk->is_floppy());
    EXPECT_EQ(disk->sector_count(), 2880u);
}

TEST(BiosDiskImage, OpenErrors) {
    EXPECT_FALSE(BiosDisk::open("/nonexistent/svm.img", false));
    TempImage empty(0);
    EXPECT_FALSE(BiosDisk::open(empty.path(), false));
}

TEST(BiosDiskImage, PartialLastSector) {
    TempImage image(1000);  // a sector and 488 bytes
    auto disk = BiosDisk::open(image.path(), true).value();
    EXPECT_EQ(disk->sector_count(), 2u);
    std::vector<uint8_t> buffer(1024, 0xee);
    ASSERT_TRUE(disk->read(0, buffer));
    EXPECT_EQ(buffer[512], 1);
    EXPECT_EQ(buffer[999], 1);
    EXPECT_EQ(buffer[1000], 0);  // past the file: zero
    std::vector<uint8_t> ones(512, 0x11);
    ASSERT_TRUE(disk->write(1, ones));
    EXPECT_EQ(image.contents().size(), 1000u);  // the file keeps its size
    EXPECT_EQ(image.contents()[999], 0x11);
    EXPECT_FALSE(disk->read(1, buffer));  // two sectors from 1: past the end
}

class BiosDiskCall : public ::testing::Test {
protected:
    BiosDiskCall() : memory_(GuestMemory::create(4 << 20).value()), ctx_{.memory = memory_} {}

    void attach(uint8_t drive, const TempImage& image, bool writable) {
        ctx_.disks[drive] = BiosDisk::open(image.path(), writable).value();
    }
    BiosOutcome call(uint16_t ax, uint16_t bx = 0, uint16_t cx = 0, uint16_t dx = 0) {
        regs_.rax = ax;
        regs_.rbx = bx;
        regs_.rcx = cx;
        regs_.rdx = dx;
        regs_.rflags = 0x2;
        return bios_call(0x13, regs_, ctx_);
    }
    uint8_t ah() const { return static_cast<uint8_t>(regs_.rax >> 8); }
    uint8_t al() const { return static_cast<uint8_t>(regs_.rax); }
    bool cf() const { return regs_.rflags & kCarry; }
    uint8_t byte(uint64_t a) { return memory_.read_obj<uint8_t>(a).value(); }
    uint16_t word(uint64_t a) { return memory_.read_obj<uint16_t>(a).value(); }
    void es(uint16_t seg) {
        regs_.es.selector = seg;
        regs_.es.base = seg * 16u;
    }
    // A disk address packet at 0x600 (DS = 0, SI = 0x600).
    void packet(uint8_t size, uint16_t count, uint32_t far, uint64_t lba, uint64_t flat = 0) {
        uint8_t p[0x18] = {};
        p[0] = size;
        p[2] = static_cast<uint8_t>(count);
        p[3] = static_cast<uint8_t>(count >> 8);
        for (int i = 0; i < 4; ++i) p[4 + i] = static_cast<uint8_t>(far >> (8 * i));
        for (int i = 0; i < 8; ++i) p[8 + i] = static_cast<uint8_t>(lba >> (8 * i));
        for (int i = 0; i < 8; ++i) p[16 + i] = static_cast<uint8_t>(flat >> (8 * i));
        ASSERT_TRUE(memory_.write(0x600, p));
        regs_.ds.selector = 0;
        regs_.rsi = 0x600;
    }

    GuestMemory memory_;
    BiosContext ctx_;
    CpuState regs_;
};

TEST_F(BiosDiskCall, ChsReadFloppy) {
    TempImage image(1474560);
    attach(0x00, image, false);
    es(0x0000);
    // Cylinder 1, head 1, sector 3: LBA (1 * 2 + 1) * 18 + 2 = 56; two sectors to 0:7C00.
    EXPECT_EQ(call(0x0202, 0x7c00, 0x0103, 0x0100), BiosOutcome::Done);
    EXPECT_FALSE(cf());
    EXPECT_EQ(ah(), 0);
    EXPECT_EQ(al(), 2);
    EXPECT_EQ(word(0x7c00), 56);
    EXPECT_EQ(word(0x7e00), 57);
    EXPECT_EQ(byte(0x7c00 + 511), 56);
    EXPECT_EQ(byte(0x441), 0);  // floppy last status
}

TEST_F(BiosDiskCall, ChsReadHighCylinderBits) {
    TempImage image(600ull << 20);  // 1229 cylinders at 16 heads -> 32 heads, 610 cylinders
    attach(0x80, image, false);
    auto& g = ctx_.disks[0x80]->geometry();
    ASSERT_EQ(g.heads, 32u);
    ASSERT_GT(g.cylinders, 512u);
    uint64_t lba = (0x201ull * 32 + 3) * 63 + 4;
    image.put_sector(lba);
    es(0x1000);
    // Cylinder 0x201 = CH 0x01, CL bits 7:6 = 10b; head 3, sector 5.
    EXPECT_EQ(call(0x0201, 0x0000, 0x0185, 0x0380), BiosOutcome::Done);
    EXPECT_FALSE(cf());
    EXPECT_EQ(word(0x10000), static_cast<uint16_t>(lba));
}

TEST_F(BiosDiskCall, ChsErrors) {
    TempImage image(1474560);
    attach(0x00, image, false);
    es(0);
    call(0x0200, 0x7c00, 0x0001, 0x0000);  // AL = 0 sectors
    EXPECT_TRUE(cf());
    EXPECT_EQ(ah(), 0x01);
    call(0x0201, 0x7c00, 0x0013, 0x0000);  // sector 19 > 18
    EXPECT_TRUE(cf());
    EXPECT_EQ(ah(), 0x04);
    EXPECT_EQ(al(), 0);
    EXPECT_EQ(byte(0x441), 0x04);
    call(0x0100, 0, 0, 0x0000);  // last status
    EXPECT_EQ(ah(), 0x04);
    EXPECT_TRUE(cf());
    call(0x0202, 0x7c00, 0x4f12, 0x0100);  // the last sector and one past the end
    EXPECT_TRUE(cf());
    EXPECT_EQ(ah(), 0x04);
    call(0x0202, 0xfe00, 0x0001, 0x0000);  // offset 0xFE00 + 1024 wraps the segment
    EXPECT_TRUE(cf());
    EXPECT_EQ(ah(), 0x09);
    es(0xffff);  // FFFF:0000 is 0xFFFF0, above 1 MiB - 16: still RAM here, so it works
    call(0x0201, 0x0000, 0x0001, 0x0000);
    EXPECT_FALSE(cf());
    EXPECT_EQ(word(0xffff0), 0);
    ctx_.disks.clear();
    call(0x0201, 0x7c00, 0x0001, 0x0000);  // no drive 0
    EXPECT_TRUE(cf());
    EXPECT_EQ(ah(), 0x01);
    EXPECT_EQ(call(0x0500, 0, 0, 0x0000), BiosOutcome::Unsupported);  // format track
    EXPECT_EQ(ah(), 0x01);
    EXPECT_TRUE(cf());
}

TEST_F(BiosDiskCall, BufferPastRamFails) {
    TempImage image(64 * 512);
    attach(0x80, image, false);
    packet(0x18, 2, 0xffffffff, 0, (4ull << 20) - 512);  // the second sector runs past RAM
    call(0x4200, 0, 0, 0x0080);
    EXPECT_TRUE(cf());
    EXPECT_EQ(ah(), 0x20);
    EXPECT_EQ(word(0x602), 0);  // no sectors transferred
}

TEST_F(BiosDiskCall, ReadOnlyImageWritesGoToTheOverlay) {
    TempImage image(1474560);
    auto before = image.contents();
    attach(0x00, image, false);
    es(0);
    ASSERT_TRUE(memory_.fill(0x8000, 0xab, 512));
    call(0x0301, 0x8000, 0x0002, 0x0000);  // write sector 2 (LBA 1)
    EXPECT_FALSE(cf());
    EXPECT_EQ(al(), 1);
    EXPECT_EQ(image.contents(), before);   // the file is unchanged
    call(0x0203, 0x9000, 0x0001, 0x0000);  // read LBA 0-2 back
    EXPECT_FALSE(cf());
    EXPECT_EQ(word(0x9000), 0);
    EXPECT_EQ(byte(0x9200), 0xab);  // from the overlay
    EXPECT_EQ(byte(0x93ff), 0xab);
    EXPECT_EQ(word(0x9400), 2);
}

TEST_F(BiosDiskCall, WritableImageWritesReachTheFile) {
    TempImage image(1474560);
    attach(0x00, image, true);
    es(0);
    ASSERT_TRUE(memory_.fill(0x8000, 0xcd, 1024));
    call(0x0302, 0x8000, 0x0005, 0x0000);  // LBA 4 and 5
    EXPECT_FALSE(cf());
    ASSERT_TRUE(ctx_.disks[0]->flush());
    auto after = image.contents();
    EXPECT_EQ(after[4 * 512], 0xcd);
    EXPECT_EQ(after[6 * 512 - 1], 0xcd);
    EXPECT_EQ(after[6 * 512], 6);  // LBA 6 untouched
    EXPECT_EQ(after[3 * 512 + 511], 3);
}

TEST_F(BiosDiskCall, WriteProtected) {
    TempImage image(1474560);
    attach(0x00, image, false);
    ctx_.disks[0]->set_write_protected(true);
    es(0);
    call(0x0301, 0x8000, 0x0001, 0x0000);
    EXPECT_TRUE(cf());
    EXPECT_EQ(ah(), 0x03);
}

TEST_F(BiosDiskCall, ExtensionsCheck) {
    TempImage image(64 * 512);
    attach(0x80, image, false);
    call(0x4100, 0x55aa, 0, 0x0080);
    EXPECT_FALSE(cf());
    EXPECT_EQ(regs_.rbx & 0xffff, 0xaa55u);
    EXPECT_EQ(ah(), 0x30);
    EXPECT_EQ(regs_.rcx & 0xffff, 0x0001u);
    call(0x4100, 0x1234, 0, 0x0080);
    EXPECT_TRUE(cf());
    EXPECT_EQ(ah(), 0x01);
}

TEST_F(BiosDiskCall, ExtendedReadSegmentedAndFlat) {
    TempImage image(100 * 512);
    attach(0x80, image, false);
    packet(0x10, 3, 0x20000010, 7);  // 2000:0010
    call(0x4200, 0, 0, 0x0080);
    EXPECT_FALSE(cf());
    EXPECT_EQ(ah(), 0);
    EXPECT_EQ(word(0x20010), 7);
    EXPECT_EQ(word(0x20010 + 2 * 512), 9);
    EXPECT_EQ(word(0x602), 3);
    EXPECT_EQ(byte(0x474), 0);
    packet(0x18, 2, 0xffffffff, 98, 0x300000);  // the flat 64-bit address
    call(0x4200, 0, 0, 0x0080);
    EXPECT_FALSE(cf());
    EXPECT_EQ(word(0x300000), 98);
    EXPECT_EQ(word(0x300200), 99);
    packet(0x18, 2, 0xffffffff, 99, 0x300000);  // past the end
    call(0x4200, 0, 0, 0x0080);
    EXPECT_TRUE(cf());
    EXPECT_EQ(ah(), 0x04);
    EXPECT_EQ(word(0x602), 0);
    EXPECT_EQ(byte(0x474), 0x04);
    packet(0x08, 1, 0, 0);  // a packet too small
    call(0x4200, 0, 0, 0x0080);
    EXPECT_TRUE(cf());
    EXPECT_EQ(ah(), 0x01);
}

TEST_F(BiosDiskCall, ExtendedWriteOverlayAndFile) {
    TempImage ro(100 * 512), rw(100 * 512);
    attach(0x80, ro, false);
    attach(0x81, rw, true);
    auto before = ro.contents();
    ASSERT_TRUE(memory_.fill(0x300000, 0x5a, 512));
    packet(0x18, 1, 0xffffffff, 42, 0x300000);
    call(0x4300, 0, 0, 0x0080);
    EXPECT_FALSE(cf());
    EXPECT_EQ(ro.contents(), before);
    packet(0x10, 1, 0x40000000, 42);  // read back to 4000:0000
    call(0x4200, 0, 0, 0x0080);
    EXPECT_EQ(byte(0x40000), 0x5a);
    packet(0x18, 1, 0xffffffff, 42, 0x300000);
    call(0x4300, 0, 0, 0x0081);
    EXPECT_FALSE(cf());
    EXPECT_EQ(rw.contents()[42 * 512], 0x5a);
    EXPECT_EQ(rw.contents()[43 * 512], 43);
}

TEST_F(BiosDiskCall, GetParametersHardDisk) {
    TempImage image(10ull << 20);
    attach(0x80, image, false);
    attach(0x81, image, false);
    call(0x0800, 0, 0, 0x0080);
    EXPECT_FALSE(cf());
    EXPECT_EQ(ah(), 0);
    EXPECT_EQ((regs_.rcx >> 8) & 0xff, 20u);  // max cylinder 20
    EXPECT_EQ(regs_.rcx & 0xff, 63u);         // max sector, cylinder bits 9:8 = 0
    EXPECT_EQ((regs_.rdx >> 8) & 0xff, 15u);  // max head
    EXPECT_EQ(regs_.rdx & 0xff, 2u);          // two hard disks
}

TEST_F(BiosDiskCall, GetParametersFloppy) {
    TempImage image(1474560);
    attach(0x00, image, false);
    ASSERT_TRUE(memory_.write_obj<uint32_t>(0x1e * 4, 0xf000efc7));  // int 0x1E vector
    call(0x0800, 0, 0, 0x0000);
    EXPECT_FALSE(cf());
    EXPECT_EQ(regs_.rcx & 0xffff, 0x4f12u);  // cylinder 79, sector 18
    EXPECT_EQ(regs_.rdx & 0xffff, 0x0101u);  // max head 1, one floppy
    EXPECT_EQ(regs_.rbx & 0xff, 4u);         // 1.44M
    EXPECT_EQ(regs_.es.selector, 0xf000);
    EXPECT_EQ(regs_.rdi & 0xffff, 0xefc7u);
    auto table = diskette_parameter_table(ctx_.disks[0]->geometry());
    EXPECT_EQ(table[4], 18);
}

TEST_F(BiosDiskCall, ExtendedParameters) {
    TempImage image(10ull << 20);
    attach(0x80, image, false);
    ASSERT_TRUE(memory_.write_obj<uint16_t>(0x600, 0x1e));
    regs_.ds.selector = 0;
    regs_.rsi = 0x600;
    call(0x4800, 0, 0, 0x0080);
    EXPECT_FALSE(cf());
    EXPECT_EQ(word(0x600), 0x1e);
    EXPECT_EQ(word(0x602), 0x02);
    EXPECT_EQ(memory_.read_obj<uint32_t>(0x604).value(), 21u);
    EXPECT_EQ(memory_.read_obj<uint32_t>(0x608).value(), 16u);
    EXPECT_EQ(memory_.read_obj<uint32_t>(0x60c).value(), 63u);
    EXPECT_EQ(memory_.read_obj<uint64_t>(0x610).value(), 20480u);
    EXPECT_EQ(word(0x618), 512);
    EXPECT_EQ(memory_.read_obj<uint32_t>(0x61a).value(), 0xffffffffu);
    ASSERT_TRUE(memory_.write_obj<uint16_t>(0x600, 0x10));  // too small
    call(0x4800, 0, 0, 0x0080);
    EXPECT_TRUE(cf());
    EXPECT_EQ(ah(), 0x01);
}

TEST_F(BiosDiskCall, DiskTypeAndReset) {
    TempImage hd(10ull << 20), fd(1474560);
    attach(0x80, hd, false);
    attach(0x00, fd, false);
    call(0x1500, 0, 0, 0x0080);
    EXPECT_FALSE(cf());
    EXPECT_EQ(ah(), 0x03);
    EXPECT_EQ(((regs_.rcx & 0xffff) << 16) | (regs_.rdx & 0xffff), 20480u);
    call(0x1500, 0, 0, 0x0000);
    EXPECT_EQ(ah(), 0x01);
    call(0x1500, 0, 0, 0x0082);
    EXPECT_EQ(ah(), 0x00);  // no such drive
    EXPECT_FALSE(cf());
    call(0x0000, 0, 0, 0x0080);
    EXPECT_FALSE(cf());
    EXPECT_EQ(ah(), 0);
}

}  // namespace
}  // namespace svm
