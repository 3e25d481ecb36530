#include "core/x86_64/disassembler.h"

#include <gtest/gtest.h>

#include <vector>

namespace svm {
namespace {

std::string hint(std::vector<uint8_t> bytes, int bits = 64) {
    return emulation_failure_hint(bytes, bits);
}

TEST(Disassembler, Decodes64BitCode) {
    const std::vector<uint8_t> code{0x48, 0xc7, 0xc0, 0x01, 0x00, 0x00, 0x00,  // mov rax, 1
                                    0x0f, 0x0b,                                // ud2
                                    0xeb, 0xfe,                                // jmp $
                                    0xf4};                                     // hlt
    auto insns = disassemble(code, 0xFFFF'FFFF'8000'1000, 64, 10);
    ASSERT_EQ(insns.size(), 4u);
    EXPECT_EQ(insns[0].address, 0xFFFF'FFFF'8000'1000u);
    EXPECT_EQ(insns[0].length, 7);
    EXPECT_EQ(insns[0].bytes_hex, "48 c7 c0 01 00 00 00");
    EXPECT_EQ(insns[0].text, "mov rax, 0x01");
    EXPECT_TRUE(insns[0].valid);
    EXPECT_EQ(insns[1].text, "ud2");
    EXPECT_EQ(insns[1].bytes_hex, "0f 0b");
    EXPECT_EQ(insns[1].address, 0xFFFF'FFFF'8000'1007u);
    EXPECT_EQ(insns[2].text, "jmp 0xFFFFFFFF80001009");  // relative target made absolute
    EXPECT_EQ(insns[3].text, "hlt");
    // max_count limits the output.
    EXPECT_EQ(disassemble(code, 0, 64, 2).size(), 2u);
}

TEST(Disassembler, Decodes32And16BitCode) {
    const std::vector<uint8_t> mov{0xb8, 0x01, 0x00, 0x00, 0x00};
    auto insns32 = disassemble(mov, 0x100000, 32, 10);
    ASSERT_EQ(insns32.size(), 1u);
    EXPECT_EQ(insns32[0].text, "mov eax, 0x01");
    EXPECT_EQ(insns32[0].length, 5);
    // The same bytes as 16-bit code: mov ax, 1 and then add [bx+si], al.
    auto insns16 = disassemble(mov, 0x7c00, 16, 10);
    ASSERT_EQ(insns16.size(), 2u);
    EXPECT_EQ(insns16[0].text, "mov ax, 0x01");
    EXPECT_EQ(insns16[0].length, 3);
    EXPECT_EQ(insns16[1].address, 0x7c03u);
    const std::vector<uint8_t> bios{0xcd, 0x10};
    EXPECT_EQ(disassemble(bios, 0x7c00, 16, 1)[0].text, "int 0x10");
    EXPECT_TRUE(disassemble(mov, 0, 8, 10).empty());
}

TEST(Disassembler, InvalidBytesAreOneByteEach) {
    // push es does not exist in 64-bit mode; a lone REX prefix is cut off.
    const std::vector<uint8_t> code{0x06, 0x90, 0x48};
    auto insns = disassemble(code, 0x1000, 64, 10);
    ASSERT_EQ(insns.size(), 3u);
    EXPECT_FALSE(insns[0].valid);
    EXPECT_EQ(insns[0].text, "(bad)");
    EXPECT_EQ(insns[0].length, 1);
    EXPECT_EQ(insns[0].bytes_hex, "06");
    EXPECT_TRUE(insns[1].valid);
    EXPECT_EQ(insns[1].text, "nop");
    EXPECT_FALSE(insns[2].valid);
    EXPECT_EQ(insns[2].bytes_hex, "48");
}

TEST(EmulationFailureHint, NamesWhatThePvmEmulatorRejects) {
    EXPECT_NE(hint({0xd9, 0xe8}).find("x87 floating-point instruction (fld1)"), std::string::npos);
    EXPECT_NE(hint({0xd9, 0xe8}).find("-mgeneral-regs-only"), std::string::npos);
    EXPECT_NE(hint({0x66, 0x0f, 0xef, 0xc0}).find("SSE/MMX instruction (pxor)"), std::string::npos);
    EXPECT_NE(hint({0xf3, 0x0f, 0xb8, 0xc0}).find("popcnt instruction"), std::string::npos);
    EXPECT_NE(hint({0x0f, 0xae, 0x20}).find("XSAVE-family instruction (xsave)"), std::string::npos);
    EXPECT_NE(hint({0x0f, 0x01, 0xd0}).find("(xgetbv)"), std::string::npos);
    EXPECT_NE(hint({0xc5, 0xf9, 0xef, 0xc0}).find("AVX instruction (vpxor)"), std::string::npos);
    EXPECT_NE(hint({0x48, 0x0f, 0xc7, 0x0f}).find("cmpxchg16b"), std::string::npos);
    EXPECT_NE(hint({0x0f, 0x01, 0xf9}).find("rdtscp"), std::string::npos);
    EXPECT_NE(hint({0xf2, 0x0f, 0x38, 0xf1, 0xc1}).find("crc32"), std::string::npos);
    EXPECT_NE(hint({0xc4, 0xe2, 0x78, 0xf2, 0xc1}).find("andn"), std::string::npos);  // BMI1
    EXPECT_NE(hint({0xcc}).find("software interrupt (int3)"), std::string::npos);
    EXPECT_NE(hint({0xcd, 0x80}, 32).find("software interrupt (int)"), std::string::npos);
    EXPECT_NE(hint({0xcf}, 32).find("iret in 32-bit protected mode"), std::string::npos);
}

TEST(EmulationFailureHint, EmptyForWhatItEmulates) {
    EXPECT_EQ(hint({0xb8, 0x01, 0x00, 0x00, 0x00}), "");  // mov eax, 1
    EXPECT_EQ(hint({0x0f, 0x10, 0x00}), "");              // movups xmm0, [rax]
    EXPECT_EQ(hint({0x66, 0x0f, 0x6f, 0x00}), "");        // movdqa xmm0, [rax]
    EXPECT_EQ(hint({0x0f, 0xae, 0x00}), "");              // fxsave [rax]
    EXPECT_EQ(hint({0xcd, 0x10}, 16), "");                // real-mode int goes through the IVT
    EXPECT_EQ(hint({0x48, 0xcf}), "");                    // iretq works in long mode
    EXPECT_EQ(hint({0x06}), "");                          // undecodable: no hint
    EXPECT_EQ(hint({}), "");
}

}  // namespace
}  // namespace svm
