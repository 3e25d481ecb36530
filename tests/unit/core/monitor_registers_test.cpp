#include <gtest/gtest.h>

#include "core/debug/monitor/qemu_registers.h"

namespace svm {
namespace {

using namespace x86;

Segment flat(uint16_t selector, uint8_t type, bool l, bool db) {
    Segment s;
    s.selector = selector;
    s.limit = 0xffffffff;
    s.type = type;
    s.s = true;
    s.present = true;
    s.l = l;
    s.db = db;
    s.g = true;
    return s;
}

VcpuRegisters long_mode_registers() {
    VcpuRegisters r;
    CpuState& s = r.state;
    s.rax = 1, s.rbx = 2, s.rcx = 3, s.rdx = 4, s.rsi = 5, s.rdi = 6, s.rbp = 7, s.rsp = 8;
    s.r8 = 9, s.r9 = 10, s.r10 = 11, s.r11 = 12, s.r12 = 13, s.r13 = 14, s.r14 = 15;
    s.r15 = 0xffffffffffffffff;
    s.rip = 0xffffffff80001000;
    s.rflags = 0x246;  // IF ZF PF
    s.cs = flat(0x08, 0xb, true, false);
    s.ds = s.es = s.ss = s.fs = s.gs = flat(0x10, 0x3, false, true);
    s.ldt.type = 2;
    s.ldt.limit = 0xffff;
    s.ldt.unusable = true;
    s.tr.selector = 0x28;
    s.tr.base = 0x5000;
    s.tr.limit = 0x67;
    s.tr.type = 0xb;
    s.tr.present = true;
    s.gdt = {0x1000, 0x37};
    s.idt = {0xffffffff80010000, 0xfff};
    s.cr0 = 0x80050033;
    s.cr3 = 0x1000;
    s.cr4 = 0x6a0;
    s.efer = EFER_LME | EFER_LMA | EFER_SCE;
    r.fpu.fcw = 0x37f;
    r.fpu.mxcsr = 0x1f80;
    r.fpu.xmm[1][0] = 0x11;
    r.fpu.xmm[1][8] = 0x22;
    return r;
}

const std::array<uint64_t, 8> kDebugRegisters = {0x1000, 0, 0, 0, 0, 0, 0xffff0ff0, 0x400};

TEST(MonitorRegisters, LongModeMatchesQemuShape) {
    std::string out = format_registers_qemu(long_mode_registers(), kDebugRegisters, true);
    const std::string expected =
        "RAX=0000000000000001 RBX=0000000000000002 RCX=0000000000000003 RDX=0000000000000004\n"
        "RSI=0000000000000005 RDI=0000000000000006 RBP=0000000000000007 RSP=0000000000000008\n"
        "R8 =0000000000000009 R9 =000000000000000a R10=000000000000000b R11=000000000000000c\n"
        "R12=000000000000000d R13=000000000000000e R14=000000000000000f R15=ffffffffffffffff\n"
        "RIP=ffffffff80001000 RFL=00000246 [---Z-P-] CPL=0 II=0 A20=1 SMM=0 HLT=1\n"
        "ES =0010 0000000000000000 ffffffff 00c09300 DPL=0 DS   [-WA]\n"
        "CS =0008 0000000000000000 ffffffff 00a09b00 DPL=0 CS64 [-RA]\n"
        "SS =0010 0000000000000000 ffffffff 00c09300 DPL=0 DS   [-WA]\n"
        "DS =0010 0000000000000000 ffffffff 00c09300 DPL=0 DS   [-WA]\n"
        "FS =0010 0000000000000000 ffffffff 00c09300 DPL=0 DS   [-WA]\n"
        "GS =0010 0000000000000000 ffffffff 00c09300 DPL=0 DS   [-WA]\n"
        "LDT=0000 0000000000000000 0000ffff 00000200\n"
        "TR =0028 0000000000005000 00000067 00008b00 DPL=0 TSS64-busy\n"
        "GDT=     0000000000001000 00000037\n"
        "IDT=     ffffffff80010000 00000fff\n"
        "CR0=80050033 CR2=0000000000000000 CR3=0000000000001000 CR4=000006a0\n"
        "DR0=0000000000001000 DR1=0000000000000000 DR2=0000000000000000 DR3=0000000000000000 \n"
        "DR6=00000000ffff0ff0 DR7=0000000000000400\n"
        "EFER=0000000000000501\n"
        "FCW=037f FSW=0000 [ST=0] FTW=00 MXCSR=00001f80\n"
        "FPR0=0000000000000000 0000 FPR1=0000000000000000 0000\n";
    EXPECT_EQ(out.substr(0, expected.size()), expected);
    EXPECT_NE(out.find("XMM00=0000000000000000 0000000000000000 "
                       "XMM01=0000000000000022 0000000000000011\n"),
              std::string::npos);
    EXPECT_NE(out.find("XMM15="), std::string::npos);  // 16 XMM registers in 64-bit code
}

TEST(MonitorRegisters, ProtectedModeUses32BitShape) {
    VcpuRegisters r;
    CpuState& s = r.state;
    s.rax = 0x1'2345'6789;  // the upper half is not shown
    s.rip = 0x100010;
    s.rflags = 0x8d3;  // O S Z A C and bit 1
    s.cs = flat(0x08, 0xb, false, true);
    s.cs.dpl = 0;
    s.ds = s.es = s.ss = s.fs = s.gs = flat(0x10, 0x3, false, true);
    s.tr.type = 0xb;
    s.tr.present = true;
    s.gdt = {0x7000, 0x17};
    s.cr0 = CR0_PE | CR0_ET;
    std::string out = format_registers_qemu(r, kDebugRegisters, false);
    EXPECT_EQ(out.substr(0, out.find('\n') + 1),
              "EAX=23456789 EBX=00000000 ECX=00000000 EDX=00000000\n");
    EXPECT_NE(out.find("EIP=00100010 EFL=000008d3 [-OSZA-C] CPL=0 II=0 A20=1 SMM=0 HLT=0\n"),
              std::string::npos);
    EXPECT_NE(out.find("CS =0008 00000000 ffffffff 00c09b00 DPL=0 CS32 [-RA]\n"), std::string::npos)
        << out;
    EXPECT_NE(out.find("TR =0000 00000000 00000000 00008b00 DPL=0 TSS32-busy\n"),
              std::string::npos);
    EXPECT_NE(out.find("GDT=     00007000 00000017\n"), std::string::npos);
    EXPECT_NE(out.find("CR0=00000011 CR2=00000000 CR3=00000000 CR4=00000000\n"), std::string::npos);
    EXPECT_EQ(out.find("RAX="), std::string::npos);
    EXPECT_EQ(out.find("XMM08="), std::string::npos);  // 8 XMM registers outside 64-bit code
}

TEST(MonitorRegisters, RealModeSegmentsHaveNoDecoding) {
    VcpuRegisters r;
    r.state.es.limit = 0xffff;
    r.state.es.type = 3;
    r.state.es.s = true;
    r.state.es.present = true;
    std::string out = format_registers_qemu(r, kDebugRegisters, false);
    EXPECT_NE(out.find("ES =0000 00000000 0000ffff 00009300\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace svm
