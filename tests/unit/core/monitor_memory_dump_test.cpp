#include <gtest/gtest.h>

#include <vector>

#include "core/debug/monitor/memory_dump.h"

namespace svm {
namespace {

// 0x40 bytes of "RAM" at 0x1000: byte i holds i, except a little text at 0x1030.
class MonitorMemoryDump : public ::testing::Test {
protected:
    MonitorMemoryDump() : ram(0x40) {
        for (size_t i = 0; i < ram.size(); ++i) ram[i] = static_cast<uint8_t>(i);
        const char text[] = "Hi\n'\\\x7f";
        std::copy(text, text + 7, ram.begin() + 0x30);
    }
    DumpReader reader() {
        return [this](uint64_t addr, std::span<uint8_t> out) -> size_t {
            if (addr < 0x1000 || addr >= 0x1000 + ram.size()) return 0;
            size_t n = std::min<size_t>(out.size(), 0x1000 + ram.size() - addr);
            std::copy_n(ram.begin() + static_cast<long>(addr - 0x1000), n, out.begin());
            return n;
        };
    }
    std::string dump(std::string_view args, int bits = 64) {
        auto request = parse_dump_request(args);
        EXPECT_TRUE(request) << request.error().message;
        return request ? format_memory_dump(*request, reader(), bits, "not guest RAM") : "";
    }
    std::vector<uint8_t> ram;
};

TEST_F(MonitorMemoryDump, ParsesQemuFormats) {
    auto r = parse_dump_request("/10xb 0x1000");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->format.count, 10u);
    EXPECT_EQ(r->format.format, 'x');
    EXPECT_EQ(r->format.size, 1u);
    EXPECT_EQ(r->address, 0x1000u);
    r = parse_dump_request("4096");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->format.count, 1u);
    EXPECT_EQ(r->format.size, 4u);  // QEMU's default unit: w
    EXPECT_EQ(r->address, 4096u);
    r = parse_dump_request("/gd 0x10");  // size and format in either order
    ASSERT_TRUE(r);
    EXPECT_EQ(r->format.format, 'd');
    EXPECT_EQ(r->format.size, 8u);
    EXPECT_FALSE(parse_dump_request("/4q 0x10"));
    EXPECT_FALSE(parse_dump_request("/4x"));
    EXPECT_FALSE(parse_dump_request("/0x 0x10"));
    EXPECT_FALSE(parse_dump_request("0xzz"));
}

TEST_F(MonitorMemoryDump, HexWordsSixteenBytesALine) {
    EXPECT_EQ(dump("/6xw 0x1000"),
              "0000000000001000: 0x03020100 0x07060504 0x0b0a0908 0x0f0e0d0c\n"
              "0000000000001010: 0x13121110 0x17161514\n");
    EXPECT_EQ(dump("/3xg 0x1000"),
              "0000000000001000: 0x0706050403020100 0x0f0e0d0c0b0a0908\n"
              "0000000000001010: 0x1716151413121110\n");
    EXPECT_EQ(dump("/10xb 0x1000"),
              "0000000000001000: 0x00 0x01 0x02 0x03 0x04 0x05 0x06 0x07\n"
              "0000000000001008: 0x08 0x09\n");
    EXPECT_EQ(dump("/2xh 0x1000"), "0000000000001000: 0x0100 0x0302\n");
}

TEST_F(MonitorMemoryDump, DecimalOctalAndCharacters) {
    ram[0] = 0xff;
    EXPECT_EQ(dump("/2db 0x1000"), "0000000000001000:  -1   1\n");
    EXPECT_EQ(dump("/2ub 0x1000"), "0000000000001000: 255   1\n");
    EXPECT_EQ(dump("/1ob 0x1001"), "0000000000001001:  01\n");
    EXPECT_EQ(dump("/7c 0x1030"), "0000000000001030: 'H' 'i' '\\n' '\\'' '\\\\' '\\x7f' '\\x00'\n");
}

TEST_F(MonitorMemoryDump, StopsWhereRamEnds) {
    EXPECT_EQ(dump("/4xw 0x1038"),
              "0000000000001038: 0x3b3a3938 0x3f3e3d3c\n"
              "0000000000001040: not guest RAM\n");
    EXPECT_EQ(dump("/xw 0x100000"), "0000000000100000: not guest RAM\n");
}

TEST_F(MonitorMemoryDump, InstructionsUseZydis) {
    ram[0] = 0x90;  // nop
    ram[1] = 0xc3;  // ret
    EXPECT_EQ(dump("/2i 0x1000"), "0x0000000000001000:  nop\n0x0000000000001001:  ret\n");
    EXPECT_EQ(dump("/1i 0x2000"), "0000000000002000: not guest RAM\n");
}

TEST_F(MonitorMemoryDump, HugeCountsAreCut) {
    auto request = parse_dump_request("/100000xb 0x1000");
    ASSERT_TRUE(request);
    auto everything = [](uint64_t, std::span<uint8_t> out) { return out.size(); };
    std::string out = format_memory_dump(*request, everything, 64, "x");
    EXPECT_NE(out.find("(cut at 65536 bytes; 34464 more not shown)\n"), std::string::npos);
}

}  // namespace
}  // namespace svm
