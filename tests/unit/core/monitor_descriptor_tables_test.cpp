#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/debug/monitor/descriptor_tables.h"

namespace svm {
namespace {

using namespace x86;

// Guest memory as a byte vector at linear address kBase.
constexpr uint64_t kBase = 0x1000;

class MonitorDescriptorTables : public ::testing::Test {
protected:
    void put64(uint64_t addr, uint64_t value) {
        if (bytes.size() < addr - kBase + 8) bytes.resize(addr - kBase + 8);
        std::memcpy(bytes.data() + (addr - kBase), &value, 8);
    }
    DumpReader reader() {
        return [this](uint64_t addr, std::span<uint8_t> out) -> size_t {
            if (addr < kBase || addr >= kBase + bytes.size()) return 0;
            size_t n = std::min<size_t>(out.size(), kBase + bytes.size() - addr);
            std::memcpy(out.data(), bytes.data() + (addr - kBase), n);
            return n;
        };
    }
    // A 64-bit interrupt (14) or trap (15) gate: SDM Vol. 3A, Figure 6-8.
    void gate64(uint64_t idt, int vector, uint64_t offset, uint16_t sel, int type, int dpl,
                int ist) {
        uint64_t lo = (offset & 0xffff) | uint64_t{sel} << 16 |
                      (uint64_t{static_cast<unsigned>(ist)} | uint64_t(type) << 8 | 1ull << 15 |
                       uint64_t(dpl) << 13 | (offset & 0xffff0000))
                          << 32;
        put64(idt + vector * 16, lo);
        put64(idt + vector * 16 + 8, offset >> 32);
    }
    CpuState long_mode() {
        CpuState s;
        s.cr0 = CR0_PE | CR0_PG;
        s.efer = EFER_LME | EFER_LMA;
        return s;
    }
    std::vector<uint8_t> bytes;
};

TEST_F(MonitorDescriptorTables, DecodesCodeDataAndSystemDescriptors) {
    uint8_t code64[8];
    uint64_t v = 0x00af9b000000ffff;
    std::memcpy(code64, &v, 8);
    DecodedDescriptor d = decode_descriptor(code64, true);
    EXPECT_EQ(d.base, 0u);
    EXPECT_EQ(d.limit, 0xffffffffu);
    EXPECT_EQ(d.type, 0xb);
    EXPECT_TRUE(d.s && d.present && d.l && d.g && !d.db);
    EXPECT_EQ(d.type_name, "code execute/read accessed");

    uint8_t data16[8];
    v = 0x0000920b8000ffffull;  // base 0xb8000, limit 0xffff, byte granular, data read/write
    std::memcpy(data16, &v, 8);
    d = decode_descriptor(data16, false);
    EXPECT_EQ(d.base, 0xb8000u);
    EXPECT_EQ(d.limit, 0xffffu);
    EXPECT_EQ(d.type_name, "data read/write");
}

TEST_F(MonitorDescriptorTables, GdtInLongMode) {
    put64(kBase + 0 * 8, 0);
    put64(kBase + 1 * 8, 0x00af9b000000ffff);  // kernel code, 64-bit
    put64(kBase + 2 * 8, 0x00cf93000000ffff);  // kernel data
    put64(kBase + 3 * 8, 0);                   // empty
    put64(kBase + 4 * 8, 0x0000890050000067);  // TSS64-avl, base 0xffff800000005000
    put64(kBase + 5 * 8, 0x00000000ffff8000);  // its upper half
    put64(kBase + 6 * 8, 0x00affb000000ffff);  // user code, DPL 3
    CpuState s = long_mode();
    s.gdt = {kBase, 7 * 8 - 1};
    std::string out = format_gdt(s, reader());
    EXPECT_NE(out.find("GDT at 0x0000000000001000, limit 0x37: 7 slots (long mode)\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("    0 0x0000 -                -        null\n"), std::string::npos) << out;
    EXPECT_NE(out.find("    1 0x0008 0000000000000000 ffffffff code execute/read accessed"
                       "     0 1 1 0 1\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("    2 0x0010 0000000000000000 ffffffff data read/write accessed"
                       "       0 1 - 1 1\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("    4 0x0020 ffff800000005000 00000067 TSS64-avl"), std::string::npos)
        << out;
    EXPECT_EQ(out.find("    5 0x0028"), std::string::npos) << "the TSS's upper half\n" << out;
    EXPECT_NE(out.find("    6 0x0030 0000000000000000 ffffffff code execute/read accessed"
                       "     3 1 1 0 1\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("(1 empty slots not shown)\n"), std::string::npos) << out;
}

TEST_F(MonitorDescriptorTables, GdtOutsideMemorySaysSo) {
    CpuState s = long_mode();
    s.gdt = {0x900000, 0x17};
    std::string out = format_gdt(s, reader());
    EXPECT_NE(out.find("(only 0 of 24 bytes could be read"), std::string::npos) << out;
}

TEST_F(MonitorDescriptorTables, IdtInLongModeWithSymbols) {
    const uint64_t idt = kBase + 0x100;
    gate64(idt, 0, 0xffffffff80001010, 0x08, 14, 0, 1);
    put64(idt + 16, 0);  // vector 1: not present
    put64(idt + 24, 0);
    gate64(idt, 2, 0xffffffff80002000, 0x08, 15, 3, 0);
    CpuState s = long_mode();
    s.idt = {idt, 3 * 16 - 1};
    auto symbolize = [](uint64_t addr) {
        return addr == 0xffffffff80001010 ? std::string("<isr_divide+0x10>") : std::string();
    };
    std::string out = format_idt(s, reader(), symbolize);
    EXPECT_NE(out.find("IDT at 0x0000000000001100, limit 0x2f: 3 vectors (long mode)\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("   0 IntGate64   0008:ffffffff80001010       0 1   1 <isr_divide+0x10>\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("   2 TrapGate64  0008:ffffffff80002000       3 1   0\n"), std::string::npos)
        << out;
    EXPECT_NE(out.find("(1 non-present gates not shown)\n"), std::string::npos) << out;
}

TEST_F(MonitorDescriptorTables, IdtInProtectedMode) {
    // IntGate32 to 0008:00101234, DPL 0 (SDM Vol. 3A, Figure 6-2).
    put64(kBase, 0x00108e0000081234);
    CpuState s;
    s.cr0 = CR0_PE;
    s.idt = {kBase, 7};
    std::string out = format_idt(s, reader(), nullptr);
    EXPECT_NE(out.find("   0 IntGate32   0008:0000000000101234       0 1   0\n"), std::string::npos)
        << out;
}

TEST_F(MonitorDescriptorTables, RealModeIvt) {
    put64(kBase, 0xf000ff53c0001234);  // vector 0: c000:1234, vector 1: f000:ff53
    CpuState s;
    s.idt = {kBase, 7};
    std::string out = format_idt(s, reader(), nullptr);
    EXPECT_NE(out.find("IVT at 0x1000, limit 0x7: 2 vectors (real mode)\n"), std::string::npos)
        << out;
    EXPECT_NE(out.find("   0 c000:1234 (linear 0xc1234)\n"), std::string::npos) << out;
    EXPECT_NE(out.find("   1 f000:ff53 (linear 0xfff53)\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace svm
