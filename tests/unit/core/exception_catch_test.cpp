// monitor catch: handler addresses from synthetic IDTs in every mode, and the exception frames.
#include "core/debug/exception_catch.h"

#include <gtest/gtest.h>

#include "core/guest_memory.h"

namespace svm {
namespace {

class ExceptionCatch : public ::testing::Test {
protected:
    ExceptionCatch() : memory(GuestMemory::create(0x100000).value()) {}

    DumpReader reader() {
        return [this](uint64_t address, std::span<uint8_t> out) -> size_t {
            return memory.read(address, out) ? out.size() : 0;
        };
    }
    void put(uint64_t address, uint64_t value, size_t bytes) {
        for (size_t i = 0; i < bytes; ++i)
            ASSERT_TRUE(memory.write_obj<uint8_t>(address + i, uint8_t(value >> (8 * i))));
    }
    // A 64-bit interrupt gate (SDM 6.14.1): offset split 15:0 / 31:16 / 63:32.
    void gate64(uint64_t idt, int vector, uint64_t offset, uint8_t type = 0xe,
                bool present = true) {
        const uint64_t at = idt + uint64_t(vector) * 16;
        put(at, offset & 0xffff, 2);
        put(at + 2, 0x08, 2);
        put(at + 4, 0, 1);
        put(at + 5, (present ? 0x80 : 0) | type, 1);
        put(at + 6, (offset >> 16) & 0xffff, 2);
        put(at + 8, offset >> 32, 4);
    }
    // A 32-bit gate with selector `selector`.
    void gate32(uint64_t idt, int vector, uint32_t offset, uint16_t selector, uint8_t type = 0xe) {
        const uint64_t at = idt + uint64_t(vector) * 8;
        put(at, offset & 0xffff, 2);
        put(at + 2, selector, 2);
        put(at + 4, 0, 1);
        put(at + 5, 0x80 | type, 1);
        put(at + 6, offset >> 16, 2);
    }

    GuestMemory memory;
    CpuState state;
};

TEST_F(ExceptionCatch, LongModeGate) {
    state.cr0 = x86::CR0_PE | x86::CR0_PG;
    state.efer = x86::EFER_LME | x86::EFER_LMA;
    state.cs.l = true;
    state.idt = {0x2000, 256 * 16 - 1};
    gate64(0x2000, 14, 0xffffffff80001234);
    gate64(0x2000, 13, 0x5000, 0xe, /*present=*/false);
    gate64(0x2000, 6, 0x6000, 0xf);  // trap gate
    EXPECT_EQ(exception_handler_address(state, 14, reader()), 0xffffffff80001234u);
    EXPECT_EQ(exception_handler_address(state, 13, reader()), std::nullopt);  // not present
    EXPECT_EQ(exception_handler_address(state, 6, reader()), 0x6000u);
    state.idt.limit = 14 * 16 - 1;  // vector 14 lies past the limit
    EXPECT_EQ(exception_handler_address(state, 14, reader()), std::nullopt);
}

TEST_F(ExceptionCatch, ProtectedModeGateAddsTheCodeSegmentBase) {
    state.cr0 = x86::CR0_PE;
    state.cs.db = true;
    state.gdt = {0x3000, 0x17};
    // GDT[1] (selector 0x08): code, base 0x00100000, limit 0xfffff, G, D.
    put(0x3008, 0xffff, 2), put(0x300a, 0x0000, 2), put(0x300c, 0x10, 1), put(0x300d, 0x9a, 1),
        put(0x300e, 0xcf, 1), put(0x300f, 0x00, 1);
    state.idt = {0x4000, 256 * 8 - 1};
    gate32(0x4000, 13, 0x2345, 0x08);
    gate32(0x4000, 8, 0x1111, 0x08, 0x5);  // a task gate: no handler address
    gate32(0x4000, 14, 0x2345, 0x0c);      // an LDT selector
    EXPECT_EQ(exception_handler_address(state, 13, reader()), 0x102345u);
    EXPECT_EQ(exception_handler_address(state, 8, reader()), std::nullopt);
    EXPECT_EQ(exception_handler_address(state, 14, reader()), std::nullopt);
}

TEST_F(ExceptionCatch, RealModeVectorTable) {
    state.idt = {0, 0x3ff};
    put(6 * 4, 0x0010, 2), put(6 * 4 + 2, 0x07c0, 2);  // int 6 -> 07c0:0010
    EXPECT_EQ(exception_handler_address(state, 6, reader()), 0x7c10u);
}

TEST_F(ExceptionCatch, FramesInEachMode) {
    // Long mode #PF: error code 2, then RIP.
    state.cr0 = x86::CR0_PE | x86::CR0_PG;
    state.efer = x86::EFER_LMA;
    state.rsp = 0x8000;
    put(0x8000, 0x2, 8), put(0x8008, 0xffffffff80000042, 8);
    auto pf = read_exception_frame(state, 14, reader());
    ASSERT_TRUE(pf);
    EXPECT_EQ(pf->error_code, 2u);
    EXPECT_EQ(pf->return_address, 0xffffffff80000042u);
    // Long mode #UD: no error code.
    auto ud = read_exception_frame(state, 6, reader());
    ASSERT_TRUE(ud);
    EXPECT_EQ(ud->error_code, std::nullopt);
    EXPECT_EQ(ud->return_address, 2u);
    // Protected mode #GP: 4-byte slots, SS base added.
    state.efer = 0;
    state.ss.base = 0x1000;
    state.rsp = 0x7000;
    put(0x8000, 0x18, 4), put(0x8004, 0x00101234, 4);
    auto gp = read_exception_frame(state, 13, reader());
    ASSERT_TRUE(gp);
    EXPECT_EQ(gp->error_code, 0x18u);
    EXPECT_EQ(gp->return_address, 0x101234u);
    // Real mode: IP and CS, no error code.
    state.cr0 = 0;
    state.ss.base = 0;
    state.rsp = 0x7bf0;
    put(0x7bf0, 0x0005, 2), put(0x7bf2, 0x07c0, 2);
    auto real = read_exception_frame(state, 13, reader());
    ASSERT_TRUE(real);
    EXPECT_EQ(real->error_code, std::nullopt);
    EXPECT_EQ(real->return_address, 0x7c05u);
    // An unreadable stack.
    state.cr0 = x86::CR0_PE;
    state.efer = x86::EFER_LMA;
    state.rsp = 0xfffff0000;
    EXPECT_EQ(read_exception_frame(state, 14, reader()), std::nullopt);
}

TEST(CatchVectors, ParsesNumbersNamesAllAndOff) {
    EXPECT_EQ(parse_catch_vectors("14,13").value(), (std::set<int>{13, 14}));
    EXPECT_EQ(parse_catch_vectors("PF, #gp ud").value(), (std::set<int>{6, 13, 14}));
    EXPECT_EQ(parse_catch_vectors("0x0e df").value(), (std::set<int>{8, 14}));
    EXPECT_EQ(parse_catch_vectors("all").value().size(), 32u);
    EXPECT_TRUE(parse_catch_vectors("off").value().empty());
    EXPECT_FALSE(parse_catch_vectors("PFX"));
    EXPECT_FALSE(parse_catch_vectors("300"));
    EXPECT_FALSE(parse_catch_vectors("15x"));
    EXPECT_EQ(exception_name(14), "#PF");
    EXPECT_EQ(exception_name(15), "vector 15");
    EXPECT_TRUE(exception_has_error_code(14));
    EXPECT_FALSE(exception_has_error_code(6));
}

}  // namespace
}  // namespace svm
