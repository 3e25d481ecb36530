#include "core/debug/register_map.h"

#include <gtest/gtest.h>

namespace svm {
namespace {

using namespace gdb::x86_64;

VcpuRegisters long_mode() {
    VcpuRegisters r;
    r.state.cr0 = x86::CR0_PE | x86::CR0_PG;
    r.state.efer = x86::EFER_LMA | x86::EFER_LME;
    r.state.cs = {.base = 0,
                  .limit = 0xffffffff,
                  .selector = 8,
                  .type = 0xb,
                  .present = true,
                  .s = true,
                  .l = true,
                  .g = true};
    r.state.rip = 0xffffffff80100000;
    r.state.rax = 1, r.state.r15 = 15, r.state.rflags = 0x246;
    r.state.fs.base = 0x1234000;
    r.state.cr3 = 0x91000;
    r.state.gdt = {0x82000, 0x2f};
    r.kernel_gs_base = 0xffff888000000000;
    r.fpu.fcw = 0x37f;
    r.fpu.ftwx = 0x01;  // st0 in use
    r.fpu.mxcsr = 0x1f80;
    r.fpu.xmm[3][0] = 0xab;
    return r;
}

TEST(RegisterMap, LongModeValuesLandInTheirSlots) {
    RegisterFile f = to_gdb(long_mode());
    EXPECT_EQ(f.get(Rax), 1u);
    EXPECT_EQ(f.get(R15), 15u);
    EXPECT_EQ(f.get(Rip), 0xffffffff80100000u);
    EXPECT_EQ(f.get(Eflags), 0x246u);
    EXPECT_EQ(f.get(Cs), 8u);
    EXPECT_EQ(f.get(FsBase), 0x1234000u);
    EXPECT_EQ(f.get(KGsBase), 0xffff888000000000u);
    EXPECT_EQ(f.get(Cr3), 0x91000u);
    EXPECT_EQ(f.get(GdtrBase), 0x82000u);
    EXPECT_EQ(f.get(GdtrLimit), 0x2fu);
    EXPECT_EQ(f.get(CsAttr), 0xa09bu);
    EXPECT_EQ(f.get(CsLimit), 0xffffffffu);
    EXPECT_EQ(f.get(Fctrl), 0x37fu);
    EXPECT_EQ(f.get(Ftag), 0xfffcu);  // st0 valid, st1-7 empty
    EXPECT_EQ(f.get(Mxcsr), 0x1f80u);
    EXPECT_EQ(f.bytes(Xmm3)[0], 0xab);
}

TEST(RegisterMap, RoundTripKeepsEveryField) {
    VcpuRegisters r = long_mode();
    VcpuRegisters back = r;
    back.state = CpuState{};
    back.state.cr0 = r.state.cr0;
    from_gdb(to_gdb(r), back);
    RegisterFile again = to_gdb(back);
    RegisterFile first = to_gdb(r);
    EXPECT_TRUE(std::equal(first.block().begin(), first.block().end(), again.block().begin()));
    EXPECT_EQ(back.state.cs.l, true);
    EXPECT_EQ(back.fpu.ftwx, 0x01);
}

TEST(RegisterMap, RealModePcIsLinearAndWritesMoveIp) {
    VcpuRegisters r;
    r.state.cs = {.base = 0x7c00 << 4,
                  .limit = 0xffff,
                  .selector = 0x7c00,
                  .type = 0xb,
                  .present = true,
                  .s = true};
    r.state.rip = 0x10;
    RegisterFile f = to_gdb(r);
    EXPECT_EQ(f.get(Rip), 0x7c010u);
    f.set(Rip, 0x7c020);
    from_gdb(f, r);
    EXPECT_EQ(r.state.rip, 0x20u);
    // A new CS selector in real mode moves the segment base, as a far jump would.
    f.set(Cs, 0x1000);
    f.set(Rip, 0x10005);
    from_gdb(f, r);
    EXPECT_EQ(r.state.cs.base, 0x10000u);
    EXPECT_EQ(r.state.rip, 5u);
}

}  // namespace
}  // namespace svm
