// Boot-sector detection and loading (core/loader/boot_sector.h), the boot-sector layout and the
// --boot-disk FILE[,rw] parser.
#include "core/loader/boot_sector.h"

#include <gtest/gtest.h>

#include "core/loader/memory_map.h"
#include "test_images.h"

namespace svm {
namespace {

using test::Bytes;

Bytes boot_sector(size_t size = 512) {
    Bytes b = test::pattern(size, 7);
    b[510] = 0x55;
    b[511] = 0xAA;
    return b;
}

class BootSectorTest : public ::testing::Test {
protected:
    Result<KernelImage> load(const Bytes& file, const LoadOptions& options = {}) {
        return load_kernel("disk.img", file, memory_, options);
    }
    GuestMemory memory_ = test::garbage_memory();
};

TEST_F(BootSectorTest, SignatureNeedsAWholeSectorEndingIn55AA) {
    EXPECT_TRUE(has_boot_signature(boot_sector()));
    EXPECT_TRUE(has_boot_signature(boot_sector(4096)));
    Bytes short_one = boot_sector();
    short_one.resize(511);
    EXPECT_FALSE(has_boot_signature(short_one));
    Bytes swapped = boot_sector();
    swapped[510] = 0xAA;
    swapped[511] = 0x55;
    EXPECT_FALSE(has_boot_signature(swapped));
}

TEST_F(BootSectorTest, ASignedFileIsLoadedAt7C00InRealMode) {
    Bytes disk = boot_sector(3 * 512);
    auto image = load(disk);
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "bootsector");
    EXPECT_EQ(image->mode, CpuMode::Real);
    EXPECT_EQ(image->entry, 0x7C00u);
    // Only the first sector is loaded; int 0x13 reads the rest.
    EXPECT_EQ(test::peek_bytes(memory_, 0x7C00, 512), Bytes(disk.begin(), disk.begin() + 512));
    EXPECT_EQ(test::peek<uint8_t>(memory_, 0x7E00), 0xCC);
    ASSERT_EQ(image->loaded.size(), 1u);
    EXPECT_EQ(image->loaded[0].base, 0x7C00u);
    EXPECT_EQ(image->loaded[0].size, 512u);
}

TEST_F(BootSectorTest, FlatOptionsKeepASignedFileFlat) {
    LoadOptions options;
    options.flat_explicit = true;  // --load, --entry or --mode on the command line
    auto image = load(boot_sector(), options);
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "flat");
    EXPECT_EQ(image->entry, 0u);
}

TEST_F(BootSectorTest, AFileWithoutTheSignatureStaysFlat) {
    auto image = load(test::pattern(512, 7));
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "flat");
}

TEST_F(BootSectorTest, ElfWinsOverTheSignature) {
    Bytes elf = test::make_elf64({{0x100000, 0x100000, test::pattern(600, 1), 600}}, 0x100000);
    elf.resize(std::max<size_t>(elf.size(), 512));
    elf[510] = 0x55;
    elf[511] = 0xAA;
    auto image = load(elf);
    ASSERT_TRUE(image) << image.error().message;
    EXPECT_EQ(image->format, "elf64");
}

TEST_F(BootSectorTest, BootDiskRequiresTheSignature) {
    LoadOptions options;
    options.boot_disk = true;
    auto small = load(test::pattern(100, 1), options);
    ASSERT_FALSE(small);
    EXPECT_NE(small.error().message.find("100 bytes, less than one 512-byte sector"),
              std::string::npos)
        << small.error().message;
    auto unsigned_disk = load(test::pattern(1024, 1), options);
    ASSERT_FALSE(unsigned_disk);
    EXPECT_NE(unsigned_disk.error().message.find("not the boot signature 0x55 0xAA"),
              std::string::npos)
        << unsigned_disk.error().message;
    auto empty = load({}, options);
    ASSERT_FALSE(empty);
    // Even an ELF file is taken as a disk image with --boot-disk.
    Bytes signed_disk = boot_sector(2048);
    auto ok = load(signed_disk, options);
    ASSERT_TRUE(ok) << ok.error().message;
    EXPECT_EQ(ok->format, "bootsector");
}

TEST(BootSectorLayout, KeepsConventionalMemoryFreeAndReservesFromTheEbda) {
    auto layout = plan_boot_sector_layout(64 << 20, 0x200);
    ASSERT_TRUE(layout) << layout.error().message;
    EXPECT_EQ(layout->acpi, 0xE0000u);
    EXPECT_EQ(layout->machine_table, 0u);
    EXPECT_EQ(layout->gdt, 0u);
    EXPECT_EQ(layout->page_tables, 0u);
    EXPECT_TRUE(layout->bda);
    EXPECT_EQ(layout->ebda, std::optional<uint64_t>(SVM_EBDA_ADDR));
    EXPECT_EQ(layout->rsdp_copy, std::optional<uint64_t>(0xF0000));
    ASSERT_TRUE(layout->mp_config.has_value());
    EXPECT_LE(*layout->mp_config + 0x200, kBiosRomBase);
    auto map = base_memory_map(64 << 20, layout->reserved);
    ASSERT_EQ(map.size(), 3u);
    EXPECT_EQ(map[0].base, 0u);
    EXPECT_EQ(map[0].length, 0x9FC00u);
    EXPECT_EQ(map[0].type, SVM_MEM_RAM);
    EXPECT_EQ(map[1].base, 0x9FC00u);
    EXPECT_EQ(map[1].length, 0x100000u - 0x9FC00u);
    EXPECT_EQ(map[1].type, SVM_MEM_RESERVED);
    EXPECT_EQ(map[2].base, 0x100000u);
    EXPECT_EQ(map[2].type, SVM_MEM_RAM);
    EXPECT_EQ(multiboot_mem_lower_kib(map), 639u);
}

TEST(BootSectorLayout, AnMpTableTooLargeForTheBiosAreaIsAnError) {
    EXPECT_FALSE(plan_boot_sector_layout(64 << 20, 0x10000));
}

TEST(BootDiskSpec, ParsesFileAndFlags) {
    auto plain = parse_boot_disk_spec("disk.img");
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->path, "disk.img");
    EXPECT_FALSE(plain->writable);
    auto rw = parse_boot_disk_spec("/tmp/d.img,rw");
    ASSERT_TRUE(rw);
    EXPECT_EQ(rw->path, "/tmp/d.img");
    EXPECT_TRUE(rw->writable);
    auto ro = parse_boot_disk_spec("d.img,ro");
    ASSERT_TRUE(ro);
    EXPECT_FALSE(ro->writable);
    EXPECT_FALSE(parse_boot_disk_spec(""));
    EXPECT_FALSE(parse_boot_disk_spec(",rw"));
    auto bad = parse_boot_disk_spec("d.img,rx");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("rx"), std::string::npos);
}

}  // namespace
}  // namespace svm
