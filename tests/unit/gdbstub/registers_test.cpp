// The register table, the 'g' block layout and target.xml.
#include "gdbstub/x86_64/registers.h"

#include <gtest/gtest.h>

namespace svm::gdb::x86_64 {
namespace {

TEST(Registers, TableMatchesGdbNames) {
    const auto& t = register_table();
    EXPECT_EQ(t[Rax].name, "rax");
    EXPECT_EQ(t[R15].name, "r15");
    EXPECT_EQ(t[Rip].type, "code_ptr");
    EXPECT_EQ(t[Eflags].type, "i386_eflags");
    EXPECT_EQ(t[St7].bits, 80);
    EXPECT_EQ(t[Fop].name, "fop");
    EXPECT_EQ(t[Xmm15].type, "vec128");
    EXPECT_EQ(t[Mxcsr].type, "i386_mxcsr");
    EXPECT_EQ(t[GsBase].feature, "org.gnu.gdb.i386.segments");
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
    EXPECT_EQ(register_block_size(), 752u);
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
    for (const char* feature :
         {"org.gnu.gdb.i386.core", "org.gnu.gdb.i386.sse", "org.gnu.gdb.i386.segments",
          "org.svm.x86.sys", "org.svm.x86.descriptors"}) {
        EXPECT_NE(xml.find(std::string("<feature name=\"") + feature + "\">"), std::string::npos);
    }
    EXPECT_NE(xml.find("<flags id=\"i386_eflags\" size=\"4\">"), std::string::npos);
    EXPECT_NE(xml.find("<union id=\"vec128\">"), std::string::npos);
    EXPECT_NE(xml.find("<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\" regnum=\"16\"/>"),
              std::string::npos);
    EXPECT_NE(xml.find("<reg name=\"efer\" bitsize=\"64\" type=\"int64\" regnum=\"65\" "
                       "group=\"system\"/>"),
              std::string::npos);
    size_t regs = 0;
    for (size_t at = 0; (at = xml.find("<reg ", at)) != std::string::npos; ++at) ++regs;
    EXPECT_EQ(regs, size_t(kRegisterCount));
}

}  // namespace
}  // namespace svm::gdb::x86_64
