#include "core/x86_64/crash_report.h"

#include <gtest/gtest.h>

#include <vector>

#include "core/x86_64/boot_page_tables.h"

namespace svm {
namespace {

using namespace x86;

bool has(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

class CrashReport : public ::testing::Test {
protected:
    // A 64-bit kernel-mode vCPU on svm's boot page tables, RIP at 1 MiB.
    CrashInfo long_mode() {
        CrashInfo info;
        info.title = "triple fault (KVM_EXIT_SHUTDOWN)";
        info.explanation = "The guest raised an exception while delivering a double fault.";
        CpuState& s = info.state;
        s.cr0 = CR0_PE | CR0_ET | CR0_PG;
        s.cr3 = build_boot_page_tables(mem, {}).value();
        s.cr4 = CR4_PAE;
        s.efer = EFER_LME | EFER_LMA;
        s.cs = {.base = 0,
                .limit = 0xFFFF'FFFF,
                .selector = 0x08,
                .type = 0xb,
                .present = true,
                .s = true,
                .l = true,
                .g = true};
        s.rip = 0x100000;
        s.rflags = RFLAGS_FIXED | RFLAGS_IF;
        s.rax = 0x1122'3344'5566'7788;
        s.r15 = 0xdead'beef;
        s.cr2 = 0xFFFF'8000'0000'0000;
        s.gdt = {0x82000, 0x27};
        return info;
    }
    void plant(uint64_t gpa, std::vector<uint8_t> bytes) { ASSERT_TRUE(mem.write(gpa, bytes)); }

    GuestMemory mem = GuestMemory::create(4 << 20).value();
};

TEST_F(CrashReport, LongModeRegistersAndCode) {
    plant(0x100000, {0x0f, 0x0b, 0xf4});
    auto info = long_mode();
    std::string report = format_crash_report(info, mem);
    EXPECT_TRUE(
        report.starts_with("triple fault (KVM_EXIT_SHUTDOWN) on vCPU 0\n"
                           "The guest raised an exception while delivering a double "
                           "fault.\n"))
        << report;
    EXPECT_TRUE(has(report, "mode: long mode, 64-bit code, CPL 0, paging 4-level\n")) << report;
    EXPECT_TRUE(has(report, "RAX=0x1122334455667788 RBX=0x0000000000000000")) << report;
    EXPECT_TRUE(has(report, "R15=0x00000000deadbeef\n")) << report;
    EXPECT_TRUE(has(report, "RIP=0x0000000000100000 RFLAGS=0x0000000000000202 [IF]")) << report;
    EXPECT_TRUE(has(report,
                    "CS   sel=0x0008 base=0x0000000000000000 limit=0xffffffff type=0xb "
                    "(code XR accessed) DPL=0 P L G\n"))
        << report;
    EXPECT_TRUE(has(report,
                    "DS   sel=0x0000 base=0x0000000000000000 limit=0x00000000 type=0x0 "
                    "(null) DPL=0\n"))
        << report;
    EXPECT_TRUE(has(report, "GDTR base=0x0000000000082000 limit=0x0027\n")) << report;
    EXPECT_TRUE(has(report, "CR0=0x0000000080000011 [PE ET PG]\n")) << report;
    EXPECT_TRUE(has(report, "CR2=0xffff800000000000 CR3=0x0000000000091000")) << report;
    EXPECT_TRUE(has(report, "CR4=0x0000000000000020 [PAE]\n")) << report;
    EXPECT_TRUE(has(report, "EFER=0x0000000000000500 [LME LMA]\n")) << report;
    EXPECT_TRUE(has(report, "=> 0x0000000000100000  0f 0b                    ud2\n")) << report;
    EXPECT_TRUE(has(report, "   0x0000000000100002  f4                       hlt\n")) << report;
    EXPECT_FALSE(has(report, "hint:"));
}

TEST_F(CrashReport, UnmappedRipSaysWhyCodeCannotBeRead) {
    auto info = long_mode();
    info.state.rip = 0x0000'7000'0000'0000;
    std::string report = format_crash_report(info, mem);
    EXPECT_TRUE(has(report,
                    "code at CS:RIP 0x0008:0x700000000000 (linear 0x700000000000):\n"
                    "   cannot read code: PML4E[0xe0] @0x91700 = 0x0 is not present"))
        << report;
    EXPECT_FALSE(has(report, "=>"));
}

TEST_F(CrashReport, EmulationFailureAddsTheHint) {
    plant(0x100000, {0xd9, 0xe8});
    auto info = long_mode();
    info.title = "KVM internal error (emulation failure)";
    info.emulation_failure = true;
    std::string report = format_crash_report(info, mem);
    EXPECT_TRUE(has(report, "=> 0x0000000000100000  d9 e8                    fld1\n")) << report;
    EXPECT_TRUE(has(report, "hint: x87 floating-point instruction (fld1)")) << report;
}

TEST_F(CrashReport, RealMode) {
    plant(0xffff0, {0xea, 0x5b, 0xe0, 0x00, 0xf0});  // jmp far 0xf000:0xe05b
    CrashInfo info;
    info.title = "triple fault (KVM_EXIT_SHUTDOWN)";
    info.vcpu = 1;
    info.state.cs = {.base = 0xf0000,
                     .limit = 0xffff,
                     .selector = 0xf000,
                     .type = 0xb,
                     .present = true,
                     .s = true};
    info.state.rip = 0xfff0;
    info.state.rflags = RFLAGS_FIXED;
    info.state.cr0 = CR0_ET;
    std::string report = format_crash_report(info, mem);
    EXPECT_TRUE(report.starts_with("triple fault (KVM_EXIT_SHUTDOWN) on vCPU 1\n\n")) << report;
    EXPECT_TRUE(has(report, "mode: real mode, 16-bit code, CPL 0, paging off\n")) << report;
    EXPECT_TRUE(has(report, "code at CS:RIP 0xf000:0xfff0 (linear 0xffff0):\n")) << report;
    EXPECT_TRUE(has(report, "=> 0x000ffff0  ea 5b e0 00 f0           jmp far 0xF000:0xE05B"))
        << report;
    // IP wraps at 64 KiB: nothing past CS:FFFF is disassembled.
    EXPECT_TRUE(has(report, "   0x000ffffd  00 00                    add [bx+si*1], al\n"))
        << report;
    EXPECT_TRUE(has(report, "   0x000fffff  00                       (bad)\n")) << report;
    EXPECT_FALSE(has(report, "0x00100001")) << report;
    EXPECT_TRUE(has(report, "CR0=0x0000000000000010 [ET]\n"));
    EXPECT_TRUE(has(report, "RFLAGS=0x0000000000000002\n")) << report;
    EXPECT_TRUE(has(report, "EFER=0x0000000000000000\n")) << report;
}

TEST_F(CrashReport, ProtectedAndCompatibilityModes) {
    plant(0x200000, {0xb8, 0x01, 0x00, 0x00, 0x00});
    CrashInfo info;
    info.title = "entry failure";
    CpuState& s = info.state;
    s.cr0 = CR0_PE;
    s.cs = {.base = 0x100000,
            .limit = 0xFFFF'FFFF,
            .selector = 0x1b,
            .type = 0xb,
            .present = true,
            .dpl = 3,
            .db = true,
            .s = true,
            .g = true};
    s.rip = 0x100000;
    s.rflags = RFLAGS_FIXED | RFLAGS_TF | (3ull << 12);
    std::string report = format_crash_report(info, mem);
    EXPECT_TRUE(has(report, "mode: protected mode, 32-bit code, CPL 3, paging off\n")) << report;
    EXPECT_TRUE(has(report, "RFLAGS=0x0000000000003102 [TF IOPL=3]")) << report;
    EXPECT_TRUE(has(report, "(linear 0x200000)")) << report;  // CS.base + EIP
    EXPECT_TRUE(has(report, "mov eax, 0x01")) << report;

    s.cr0 = CR0_PE | CR0_PG;
    s.cr3 = build_boot_page_tables(mem, {}).value();
    s.cr4 = CR4_PAE;
    s.efer = EFER_LME | EFER_LMA;
    report = format_crash_report(info, mem);
    EXPECT_TRUE(has(report, "mode: compatibility mode, 32-bit code, CPL 3, paging 4-level\n"))
        << report;
    EXPECT_TRUE(has(report, "mov eax, 0x01")) << report;
}

// A 32-bit protected-mode kernel with flat segments, no paging yet, RIP at 1 MiB.
CpuState protected_flat() {
    CpuState s;
    s.cr0 = CR0_PE | CR0_ET;
    s.cs = {.base = 0,
            .limit = 0xFFFF'FFFF,
            .selector = 0x08,
            .type = 0xb,
            .present = true,
            .db = true,
            .s = true,
            .g = true};
    s.rip = 0x100000;
    s.rflags = RFLAGS_FIXED;
    return s;
}

TEST_F(CrashReport, HostHintForEnabling32BitPagingAtRip) {
    plant(0x100000, {0x0f, 0x22, 0xc0, 0xf4});  // mov cr0, eax; hlt
    CrashInfo info;
    info.title = "triple fault (KVM_EXIT_SHUTDOWN)";
    info.state = protected_flat();
    info.state.rax = 0x80000011;  // PG | ET | PE
    info.state.cr3 = 0x200000;
    info.host_hints = true;
    info.host = HostKvm::Pvm;
    std::string report = format_crash_report(info, mem);
    EXPECT_TRUE(has(report, "hint: the guest faulted at enabling 32-bit paging")) << report;
    EXPECT_TRUE(has(report, "This host's KVM is nested KVM-PVM")) << report;
    EXPECT_TRUE(has(report, "Hardware KVM (Intel VT-x, AMD-V)")) << report;

    info.host = HostKvm::Unknown;
    report = format_crash_report(info, mem);
    EXPECT_TRUE(has(report, "If this host's KVM is nested KVM-PVM")) << report;
    info.host = HostKvm::Hardware;  // 32-bit paging works there: another cause
    EXPECT_FALSE(has(format_crash_report(info, mem), "hint:"));
    info.host = HostKvm::Pvm;
    info.host_hints = false;
    EXPECT_FALSE(has(format_crash_report(info, mem), "hint:"));
}

TEST_F(CrashReport, HostHintForEnabling32BitPagingJustBefore) {
    plant(0x100000, {0x0f, 0x22, 0xc3, 0xeb, 0xfe});  // mov cr0, ebx; jmp $
    CpuState s = protected_flat();
    s.rip = 0x100003;
    s.rbx = 0x80000001;
    std::string hint = host_limit_hint(s, mem, HostKvm::Pvm);
    EXPECT_TRUE(has(hint, "faulted just after enabling 32-bit paging")) << hint;
}

TEST_F(CrashReport, NoPagingHintWhenLongModeIsBeingEnteredOrPgIsClear) {
    plant(0x100000, {0x0f, 0x22, 0xc0});
    CpuState s = protected_flat();
    s.rax = 0x80000011;
    s.efer = EFER_LME;  // the way into long mode: works on every host
    EXPECT_EQ(host_limit_hint(s, mem, HostKvm::Pvm), "");
    s.efer = 0;
    s.rax = 0x11;  // no PG
    EXPECT_EQ(host_limit_hint(s, mem, HostKvm::Pvm), "");
    plant(0x100000, {0x0f, 0x22, 0xd8});  // mov cr3, eax: not CR0
    s.rax = 0x80000011;
    EXPECT_EQ(host_limit_hint(s, mem, HostKvm::Pvm), "");
}

TEST_F(CrashReport, HostHintFor32BitInterruptsWithAnIdt) {
    plant(0x100000, {0xcd, 0x80});  // int 0x80
    CpuState s = protected_flat();
    s.idt = {0x1000, 0x7ff};
    std::string hint = host_limit_hint(s, mem, HostKvm::Pvm);
    EXPECT_TRUE(has(hint, "`int 0x80` in 32-bit protected mode with an IDT loaded")) << hint;
    EXPECT_TRUE(has(hint, "cannot emulate interrupt delivery")) << hint;
    EXPECT_TRUE(has(hint, "Hardware KVM")) << hint;
    plant(0x100000, {0xcf});  // iretd
    EXPECT_TRUE(has(host_limit_hint(s, mem, HostKvm::Pvm), "iret")) << hint;
    s.idt = {0, 0};  // no IDT: a plain guest bug, not a host limit
    EXPECT_EQ(host_limit_hint(s, mem, HostKvm::Pvm), "");
}

TEST_F(CrashReport, NoHostHintsOutside32BitCode) {
    plant(0x100000, {0xcd, 0x80});
    auto info = long_mode();
    info.state.idt = {0x1000, 0xfff};
    EXPECT_EQ(host_limit_hint(info.state, mem, HostKvm::Pvm), "");
}

TEST(CrashReportBits, DecodesControlRegisterAndFlagBits) {
    EXPECT_EQ(describe_cr0(0x8001'0033), "PE MP ET NE WP PG");
    EXPECT_EQ(describe_cr4(CR4_PSE | CR4_PAE | CR4_LA57), "PSE PAE LA57");
    EXPECT_EQ(describe_efer(EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE), "SCE LME LMA NXE");
    EXPECT_EQ(describe_rflags(0x246), "PF ZF IF");
    EXPECT_EQ(describe_rflags(0x2), "");
}

}  // namespace
}  // namespace svm
