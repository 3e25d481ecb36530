// The register table, the 'g' block layout and target.xml.
#include "gdbstub/x86_64/registers.h"

#include <gtest/gtest.h>

namespace svm::gdb::x86_64 {
namespace {

TEST(Registers, TableMatchesGdbNames) {
    const auto& t = register_table();
    EXPECT_EQ(t[Rax].name, "rax");
    EXPECT_EQ(t[R15].name, "r15");
    EXPECT_EQ(t[Rip].type, "uint64");  // not code_ptr: its size follows the architecture
    EXPECT_EQ(t[Eflags].type, "i386_eflags");
    EXPECT_EQ(t[St7].bits, 80);
    EXPECT_EQ(t[Fop].name, "fop");
    EXPECT_EQ(t[Xmm15].type, "vec128");
    EXPECT_EQ(t[Mxcsr].type, "i386_mxcsr");
    EXPECT_EQ(t[GsBase].feature, "org.svm.x86.sys");
    EXPECT_EQ(t[Efer].name, "efer");
    EXPECT_EQ(t[Efer].group, "system");
    EXPECT_EQ(t[KGsBase].name, "k_gs_base");
    EXPECT_EQ(t[CsBase].name, "cs_base");
    EXPECT_EQ(t[CsBase].bits, 64);
    EXPECT_EQ(t[LdtrAttr].name, "ldtr_attr");
    EXPECT_EQ(t[IdtrLimit].name, "idtr_limit");
    EXPECT_EQ(t[IdtrLimit].bits, 32);
    EXPECT_EQ(register_by_name("cr3"), Cr3);
    EXPECT_EQ(register_by_name("nope"), -1);
}

TEST(Registers, BlockLayout) {
    EXPECT_EQ(register_offset(Rip), 128u);
    EXPECT_EQ(register_offset(Eflags), 136u);
    EXPECT_EQ(register_offset(St0), 164u);
    EXPECT_EQ(register_offset(Xmm0), 276u);
    EXPECT_EQ(register_offset(Mxcsr), 532u);
    EXPECT_EQ(register_offset(FsBase), 536u);
    EXPECT_EQ(register_offset(Eax), 752u);  // the i386 aliases follow the 64-bit layout
    EXPECT_EQ(register_offset(Eip), 784u);
    EXPECT_EQ(register_block_size(), 800u);  // and orig_rax, orig_eax
}

TEST(Registers, I386AliasesFollowTheLowHalves) {
    RegisterFile r;
    r.set(Rax, 0x1122334455667788);
    r.set(Rsp, 0xffff800000001000);
    r.set(Rip, 0x7c00);
    derive_i386_aliases(r);
    EXPECT_EQ(r.get(Eax), 0x55667788u);
    EXPECT_EQ(r.get(Esp), 0x00001000u);
    EXPECT_EQ(r.get(Eip), 0x7c00u);
    EXPECT_EQ(r.get(Ebx), 0u);
}

TEST(Registers, WritingAnAliasKeepsTheUpperHalf) {
    RegisterFile before;
    before.set(Rax, 0x1122334455667788);
    before.set(Rcx, 0xaaaaaaaa00000001);
    derive_i386_aliases(before);
    RegisterFile written = before;
    written.set(Eax, 5);    // gdb's i386 architecture: set $eax = 5
    written.set(Rcx, 0x2);  // the 64-bit register changed: it wins
    written.set(Ecx, 0x77);
    merge_i386_aliases(before, written);
    EXPECT_EQ(written.get(Rax), 0x1122334400000005u);
    EXPECT_EQ(written.get(Rcx), 0x2u);
    EXPECT_EQ(written.get(Ecx), 0x2u);  // re-derived
    EXPECT_EQ(written.get(Eax), 0x5u);
}

TEST(Registers, RegisterFileStoresLittleEndianAndCopies) {
    RegisterFile a;
    a.set(Rip, 0x1122334455667788);
    a.set(Cs, 0xaabbccdd11);  // 32-bit: keeps the low bits
    a.set(Xmm1, 0xff);
    EXPECT_EQ(a.bytes(Rip)[0], 0x88);
    EXPECT_EQ(a.get(Cs), 0xbbccdd11u);
    EXPECT_EQ(a.bytes(Xmm1).size(), 16u);
    EXPECT_EQ(a.get(Xmm1), 0xffu);
    EXPECT_TRUE(a.bytes(kRegisterCount).empty());
    RegisterFile b = a;
    b.set(Rip, 1);
    EXPECT_EQ(a.get(Rip), 0x1122334455667788u);  // the copy has its own storage
    EXPECT_EQ(b.get(Rip), 1u);
    a = b;
    b.set(Rip, 2);
    EXPECT_EQ(a.get(Rip), 1u);
    EXPECT_EQ(a.block().size(), register_block_size());
}

TEST(Registers, TargetXmlDescribesEveryRegister) {
    std::string xml(target_xml());
    EXPECT_NE(xml.find("<architecture>i386:x86-64</architecture>"), std::string::npos);
    for (const char* feature : {"org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse", "org.svm.x86.sys",
                                "org.svm.x86.descriptors"}) {
        // Each feature once: gdb looks a feature up by name and takes the first.
        std::string open = std::string("<feature name=\"") + feature + "\">";
        EXPECT_NE(xml.find(open), std::string::npos);
        EXPECT_EQ(xml.find(open), xml.rfind(open));
    }
    // No org.gnu.gdb.i386.segments: gdb 13's i386 architecture asserts on it.
    EXPECT_EQ(xml.find("org.gnu.gdb.i386.segments"), std::string::npos);
    // The i386 names sit in the core feature (before the sse one), numbered after the rest.
    EXPECT_LT(xml.find("<reg name=\"eip\" bitsize=\"32\" type=\"uint32\" regnum=\"" +
                       std::to_string(Eip) + "\"/>"),
              xml.find("org.gnu.gdb.i386.sse"));
    EXPECT_NE(xml.find("<flags id=\"svm_cr0\" size=\"8\">"), std::string::npos);
    EXPECT_NE(xml.find("<field name=\"PG\" start=\"31\" end=\"31\"/>"), std::string::npos);
    EXPECT_NE(xml.find("<field name=\"LMA\" start=\"10\" end=\"10\"/>"), std::string::npos);
    EXPECT_NE(xml.find("<flags id=\"i386_eflags\" size=\"4\">"), std::string::npos);
    EXPECT_NE(xml.find("<union id=\"vec128\">"), std::string::npos);
    EXPECT_NE(xml.find("<reg name=\"rip\" bitsize=\"64\" type=\"uint64\" regnum=\"16\"/>"),
              std::string::npos);
    EXPECT_NE(xml.find("<reg name=\"efer\" bitsize=\"64\" type=\"svm_efer\" regnum=\"65\" "
                       "group=\"system\"/>"),
              std::string::npos);
    size_t regs = 0;
    for (size_t at = 0; (at = xml.find("<reg ", at)) != std::string::npos; ++at) ++regs;
    EXPECT_EQ(regs, size_t(kRegisterCount));
}

TEST(Registers, TargetXmlArchitectureIsOptional) {
    std::string none(target_xml(""));
    EXPECT_EQ(none.find("<architecture>"), std::string::npos);
    EXPECT_NE(std::string(target_xml("i8086")).find("<architecture>i8086</architecture>"),
              std::string::npos);
    EXPECT_EQ(target_xml("").data(), target_xml("").data());  // built once
}

}  // namespace
}  // namespace svm::gdb::x86_64
