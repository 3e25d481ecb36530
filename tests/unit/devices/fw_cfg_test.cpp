// QEMU fw_cfg: traditional I/O interface and DMA (QEMU docs/specs/fw_cfg.rst).
#include "devices/legacy/fw_cfg.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace svm {
namespace {

constexpr uint64_t kSelector = 0, kData = 1, kDmaHigh = 4, kDmaLow = 8;

// A 64 KiB fake guest RAM at guest-physical 0 with a bounds-checked accessor, as GuestMemory.
struct FwCfgHarness {
    std::vector<uint8_t> ram = std::vector<uint8_t>(64 * 1024, 0xcc);
    FwCfg fw{FwCfg::Memory{[this](uint64_t gpa, std::span<uint8_t> out) {
                               if (gpa > ram.size() || out.size() > ram.size() - gpa) return false;
                               std::memcpy(out.data(), ram.data() + gpa, out.size());
                               return true;
                           },
                           [this](uint64_t gpa, std::span<const uint8_t> in) {
                               if (gpa > ram.size() || in.size() > ram.size() - gpa) return false;
                               std::memcpy(ram.data() + gpa, in.data(), in.size());
                               return true;
                           }}};

    void select(uint16_t key) {
        uint8_t b[2] = {static_cast<uint8_t>(key), static_cast<uint8_t>(key >> 8)};
        fw.write(kSelector, b);
    }
    uint8_t data() {
        uint8_t b = 0;
        fw.read(kData, std::span(&b, 1));
        return b;
    }
    std::vector<uint8_t> read_item(uint16_t key, size_t n) {
        select(key);
        std::vector<uint8_t> out;
        for (size_t i = 0; i < n; ++i) out.push_back(data());
        return out;
    }
    void put_be(uint64_t gpa, uint64_t v, int bytes) {
        for (int i = 0; i < bytes; ++i)
            ram[gpa + i] = static_cast<uint8_t>(v >> (8 * (bytes - 1 - i)));
    }
    uint32_t get_be32(uint64_t gpa) {
        return uint32_t{ram[gpa]} << 24 | uint32_t{ram[gpa + 1]} << 16 |
               uint32_t{ram[gpa + 2]} << 8 | ram[gpa + 3];
    }
    // Writes an FWCfgDmaAccess at `at` and starts it through the two address halves. Returns the
    // control word the device wrote back.
    uint32_t dma(uint64_t at, uint32_t control, uint32_t length, uint64_t address) {
        put_be(at, control, 4);
        put_be(at + 4, length, 4);
        put_be(at + 8, address, 8);
        uint8_t high[4] = {static_cast<uint8_t>(at >> 56), static_cast<uint8_t>(at >> 48),
                           static_cast<uint8_t>(at >> 40), static_cast<uint8_t>(at >> 32)};
        uint8_t low[4] = {static_cast<uint8_t>(at >> 24), static_cast<uint8_t>(at >> 16),
                          static_cast<uint8_t>(at >> 8), static_cast<uint8_t>(at)};
        fw.write(kDmaHigh, high);
        fw.write(kDmaLow, low);
        return get_be32(at);
    }
};

std::vector<uint8_t> bytes(std::string_view s) {
    return {s.begin(), s.end()};
}

TEST(FwCfg, SignatureAndIdThroughTheDataPort) {
    FwCfgHarness h;
    EXPECT_EQ(h.read_item(FwCfg::kSignature, 4), bytes("QEMU"));
    EXPECT_EQ(h.read_item(FwCfg::kId, 4), (std::vector<uint8_t>{3, 0, 0, 0}));
}

TEST(FwCfg, SelectingRewindsAndReadsPastTheEndAreZero) {
    FwCfgHarness h;
    h.select(FwCfg::kSignature);
    EXPECT_EQ(h.data(), 'Q');
    EXPECT_EQ(h.data(), 'E');
    h.select(FwCfg::kSignature);
    EXPECT_EQ(h.data(), 'Q');
    h.data();
    h.data();
    h.data();
    EXPECT_EQ(h.data(), 0);
    EXPECT_EQ(h.data(), 0);
}

TEST(FwCfg, UnknownSelectorReadsZero) {
    FwCfgHarness h;
    EXPECT_EQ(h.read_item(0x0042, 4), (std::vector<uint8_t>{0, 0, 0, 0}));
    EXPECT_EQ(h.read_item(0x7fff, 2), (std::vector<uint8_t>{0, 0}));
}

TEST(FwCfg, WriteChannelBitIsIgnoredAndDataWritesDoNothing) {
    FwCfgHarness h;
    h.select(0x4000 | FwCfg::kSignature);
    uint8_t b = 'X';
    h.fw.write(kData, std::span<const uint8_t>(&b, 1));
    EXPECT_EQ(h.read_item(FwCfg::kSignature, 4), bytes("QEMU"));
}

TEST(FwCfg, ItemsAndFilesAddedBySetUp) {
    FwCfgHarness h;
    h.fw.add_item(FwCfg::kNbCpus, [] { return std::vector<uint8_t>{2, 0}; });
    uint16_t a = h.fw.add_file("etc/a", [] { return std::vector<uint8_t>{1, 2, 3}; });
    uint16_t b = h.fw.add_file("etc/second", [] { return std::vector<uint8_t>(100, 7); });
    EXPECT_EQ(a, 0x20);
    EXPECT_EQ(b, 0x21);
    EXPECT_EQ(h.read_item(FwCfg::kNbCpus, 2), (std::vector<uint8_t>{2, 0}));
    // Directory: be32 count, then {be32 size; be16 select; be16 reserved; char name[56]}.
    std::vector<uint8_t> dir = h.read_item(FwCfg::kFileDir, 4 + 2 * 64);
    EXPECT_EQ(dir[3], 2);
    EXPECT_EQ(dir[4 + 3], 3);  // size of etc/a
    EXPECT_EQ(dir[4 + 4] << 8 | dir[4 + 5], 0x20);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(&dir[4 + 8])), "etc/a");
    EXPECT_EQ(dir[68 + 3], 100);
    EXPECT_EQ(dir[68 + 4] << 8 | dir[68 + 5], 0x21);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(&dir[68 + 8])), "etc/second");
    EXPECT_EQ(h.read_item(0x20, 3), (std::vector<uint8_t>{1, 2, 3}));
}

TEST(FwCfg, DmaSignatureReadsQemuCfg) {
    FwCfgHarness h;
    uint8_t sig[8];
    h.fw.read(kDmaHigh, std::span(sig, 4));
    h.fw.read(kDmaLow, std::span(sig + 4, 4));
    EXPECT_EQ(std::string(reinterpret_cast<char*>(sig), 8), "QEMU CFG");
    uint8_t gap[2];
    h.fw.read(2, gap);  // 0x512-0x513 do not exist
    EXPECT_EQ(gap[0], 0xff);
}

TEST(FwCfg, DmaSelectAndRead) {
    FwCfgHarness h;
    uint32_t control = FwCfg::kSignature << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead;
    EXPECT_EQ(h.dma(0x1000, control, 4, 0x2000), 0u);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(&h.ram[0x2000]), 4), "QEMU");
    // Past the end: zeros, and the offset continues from where the read stopped.
    EXPECT_EQ(h.dma(0x1000, FwCfg::kDmaRead, 3, 0x3000), 0u);
    EXPECT_EQ(h.ram[0x3000], 0);
    EXPECT_EQ(h.ram[0x3002], 0);
    EXPECT_EQ(h.ram[0x3003], 0xcc);  // exactly `length` bytes written
}

TEST(FwCfg, DmaSkipAdvancesTheOffsetSharedWithTheDataPort) {
    FwCfgHarness h;
    uint32_t control = FwCfg::kSignature << 16 | FwCfg::kDmaSelect | FwCfg::kDmaSkip;
    EXPECT_EQ(h.dma(0x1000, control, 2, 0), 0u);
    EXPECT_EQ(h.data(), 'M');
    EXPECT_EQ(h.dma(0x1000, FwCfg::kDmaRead, 1, 0x2000), 0u);
    EXPECT_EQ(h.ram[0x2000], 'U');
}

TEST(FwCfg, DmaToABadAddressSetsErrorAndTouchesNothing) {
    FwCfgHarness h;
    uint32_t control = FwCfg::kSignature << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead;
    std::vector<uint8_t> before = h.ram;
    before[0x1000] = 0;  // (the control word the device writes back)
    EXPECT_EQ(h.dma(0x1000, control, 4, 0xfffe), FwCfg::kDmaError);  // straddles RAM's end
    EXPECT_EQ(h.dma(0x1000, control, 4, 0xffff'ffff'ffff'fff0ull), FwCfg::kDmaError);
    EXPECT_EQ(h.ram[0xfffe], 0xcc);
    EXPECT_EQ(h.ram[0xffff], 0xcc);
}

TEST(FwCfg, DmaAccessStructureOutsideRamIsIgnored) {
    FwCfgHarness h;
    uint8_t high[4] = {0, 0, 0, 1}, low[4] = {0, 0, 0, 0};  // 0x1'00000000
    h.fw.write(kDmaHigh, high);
    h.fw.write(kDmaLow, low);
    for (uint8_t b : h.ram) ASSERT_EQ(b, 0xcc);
}

TEST(FwCfg, DmaWriteIsRefused) {
    FwCfgHarness h;
    h.ram[0x2000] = 'X';
    uint32_t control = FwCfg::kSignature << 16 | FwCfg::kDmaSelect | FwCfg::kDmaWrite;
    EXPECT_EQ(h.dma(0x1000, control, 1, 0x2000), FwCfg::kDmaError);
    EXPECT_EQ(h.read_item(FwCfg::kSignature, 4), bytes("QEMU"));
}

TEST(FwCfg, DmaReadsTheDirectory) {
    FwCfgHarness h;
    h.fw.add_file("etc/e820", [] { return std::vector<uint8_t>(40, 1); });
    uint32_t control = FwCfg::kFileDir << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead;
    EXPECT_EQ(h.dma(0x1000, control, 4 + 64, 0x2000), 0u);
    EXPECT_EQ(h.get_be32(0x2000), 1u);
    EXPECT_EQ(h.get_be32(0x2004), 40u);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(&h.ram[0x200c])), "etc/e820");
}

// The DMA length is the guest's, up to 4 GiB: the device must not allocate it on the host, and
// must refuse a buffer that does not fit in RAM without writing any of it.
TEST(FwCfg, DmaReadOfAHugeLengthIsCopiedInBoundedPieces) {
    FwCfgHarness h;
    size_t largest_write = 0;
    FwCfg fw{FwCfg::Memory{[&h](uint64_t gpa, std::span<uint8_t> out) {
                               if (gpa > h.ram.size() || out.size() > h.ram.size() - gpa)
                                   return false;
                               std::memcpy(out.data(), h.ram.data() + gpa, out.size());
                               return true;
                           },
                           [&h, &largest_write](uint64_t gpa, std::span<const uint8_t> in) {
                               largest_write = std::max(largest_write, in.size());
                               if (gpa > h.ram.size() || in.size() > h.ram.size() - gpa)
                                   return false;
                               std::memcpy(h.ram.data() + gpa, in.data(), in.size());
                               return true;
                           }}};
    auto run = [&](uint32_t control, uint32_t length, uint64_t buffer) {
        h.put_be(0x100, control, 4);
        h.put_be(0x104, length, 4);
        h.put_be(0x108, buffer, 8);
        uint8_t high[4] = {0, 0, 0, 0}, low[4] = {0, 0, 0x01, 0x00};
        fw.write(kDmaHigh, high);
        fw.write(kDmaLow, low);
        return h.get_be32(0x100);
    };
    uint32_t control = FwCfg::kSignature << 16 | FwCfg::kDmaSelect | FwCfg::kDmaRead;
    // 48 KiB, all RAM: "QEMU" then zeros, written in pieces.
    ASSERT_EQ(run(control, 0xc000, 0x1000), 0u);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(&h.ram[0x1000]), 4), "QEMU");
    EXPECT_EQ(h.ram[0x1004], 0);
    EXPECT_EQ(h.ram[0xcfff], 0);
    EXPECT_EQ(h.ram[0xd000], 0xcc);
    ASSERT_LE(largest_write, 4096u);
    // 4 GiB - 1 into 64 KiB of RAM: refused at once, nothing written.
    std::vector<uint8_t> before = h.ram;
    EXPECT_EQ(run(control, 0xffff'ffff, 0x2000), FwCfg::kDmaError);
    EXPECT_TRUE(std::equal(h.ram.begin() + 0x110, h.ram.end(), before.begin() + 0x110));
    EXPECT_LE(largest_write, 4096u);
}

}  // namespace
}  // namespace svm
