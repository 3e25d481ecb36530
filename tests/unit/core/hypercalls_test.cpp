#include "core/machine/hypercalls.h"

#include <gtest/gtest.h>
#include <svm/hypercall.h>

#include <array>
#include <deque>
#include <string>
#include <vector>

#include "core/machine/exit_stats.h"

namespace svm {
namespace {

class HypercallsTest : public ::testing::Test {
protected:
    HypercallsTest()
        : memory(GuestMemory::create(1 << 20).value()),
          hypercalls({memory,
                      [this](std::span<const uint8_t> b) { console.append(b.begin(), b.end()); },
                      stats,
                      [this]() -> std::optional<uint8_t> {
                          if (input.empty()) return std::nullopt;
                          uint8_t c = input.front();
                          input.pop_front();
                          return c;
                      },
                      [this](int code) { exit_code = code; },
                      [this](int caller, const HypercallRegs& r, const CpuState&) -> int64_t {
                          start_calls.push_back(
                              {static_cast<uint64_t>(caller), r.rbx, r.rcx, r.rsi, r.rdi});
                          return r.rbx == 1 ? 0 : SVM_E_INVAL;
                      }}) {
        state.cr0 = x86::CR0_PE;  // 32-bit protected mode, paging off
        state.cs.db = true;
    }

    HypercallRegs call(uint64_t nr, uint64_t a0 = 0, uint64_t a1 = 0, uint64_t a2 = 0) {
        HypercallRegs regs{nr, a0, a1, a2, 0};
        hypercalls.handle(regs, 3, [this]() -> Result<CpuState> {
            ++state_fetches;
            return state;
        });
        return regs;
    }

    GuestMemory memory;
    ExitStats stats;
    std::string console;
    std::deque<uint8_t> input;
    int exit_code = -1;
    CpuState state;
    int state_fetches = 0;
    std::vector<std::array<uint64_t, 5>> start_calls;
    Hypercalls hypercalls;
};

TEST_F(HypercallsTest, ExitPutcharAndCpuIndexNeedNoCpuState) {
    EXPECT_EQ(call(SVM_HC_PUTCHAR, 'A').rax, 0u);
    EXPECT_EQ(call(SVM_HC_CPU_INDEX).rax, 3u);
    call(SVM_HC_EXIT, 0x1234);
    EXPECT_EQ(exit_code, 0x34);
    EXPECT_EQ(console, "A");
    EXPECT_EQ(state_fetches, 0);
}

TEST_F(HypercallsTest, PrintFormats) {
    call(SVM_HC_PRINT_U32, 42, SVM_FMT_HEX);
    console += '|';
    call(SVM_HC_PRINT_U32, 0xffffffff, SVM_FMT_DEC);
    console += '|';
    // Outside long mode the 64-bit value is ECX:EBX and the format is in ESI.
    call(SVM_HC_PRINT_U64, 0xcafef00d, 0xdeadbeef, SVM_FMT_HEX);
    EXPECT_EQ(console, "0x0000002a|4294967295|0xdeadbeefcafef00d");
}

TEST_F(HypercallsTest, PrintU64UsesRbxInLongMode) {
    state.efer = x86::EFER_LMA | x86::EFER_LME;
    state.cs.l = true;
    state.cs.db = false;
    state.cr0 |= x86::CR0_PG;
    state.cr4 = x86::CR4_PAE;
    state.cr3 = 0x10000;  // empty (zeroed) PML4: nothing is mapped
    call(SVM_HC_PRINT_U64, ~0ull, 0, SVM_FMT_DEC);
    EXPECT_EQ(console, "18446744073709551615");
    // With paging on and nothing mapped, pointers fault.
    EXPECT_EQ(static_cast<int64_t>(call(SVM_HC_TRANSLATE, 0x1000).rax), SVM_E_FAULT);
}

TEST_F(HypercallsTest, WriteCopiesGuestBytesAsOneUnit) {
    ASSERT_TRUE(memory.write(0x5000, std::span(reinterpret_cast<const uint8_t*>("hello"), 5)));
    EXPECT_EQ(call(SVM_HC_WRITE, 0x5000, 5).rax, 5u);
    EXPECT_EQ(console, "hello");
}

TEST_F(HypercallsTest, WriteRejectsBuffersOutsideRamAndOverlongLengths) {
    EXPECT_EQ(static_cast<int64_t>(call(SVM_HC_WRITE, 0xffff0, 0x100).rax), SVM_E_FAULT);
    EXPECT_EQ(static_cast<int64_t>(call(SVM_HC_WRITE, 0x0, Hypercalls::kMaxWrite + 1).rax),
              SVM_E_FAULT);
    EXPECT_EQ(static_cast<int64_t>(call(SVM_HC_WRITE, 0x200000, 1).rax), SVM_E_FAULT);
    EXPECT_EQ(console, "");
    // In 32-bit mode only the low halves count: 0x1_0000_5000 is 0x5000.
    ASSERT_TRUE(memory.write(0x5000, std::span(reinterpret_cast<const uint8_t*>("x"), 1)));
    EXPECT_EQ(call(SVM_HC_WRITE, 0x100005000, 1).rax, 1u);
    EXPECT_EQ(console, "x");
}

TEST_F(HypercallsTest, TranslateWithPagingOffIsIdentity) {
    EXPECT_EQ(call(SVM_HC_TRANSLATE, 0x12345).rax, 0x12345u);
}

TEST_F(HypercallsTest, GetcharReturnsInputThenAgain) {
    input = {'x', 'y'};
    EXPECT_EQ(call(SVM_HC_GETCHAR).rax, uint64_t{'x'});
    EXPECT_EQ(call(SVM_HC_GETCHAR).rax, uint64_t{'y'});
    EXPECT_EQ(static_cast<int64_t>(call(SVM_HC_GETCHAR).rax), SVM_E_AGAIN);
}

TEST_F(HypercallsTest, ExitCountsAndUnknownFunctions) {
    stats.count(2 /* KVM_EXIT_IO */);
    stats.count(2);
    stats.count(5 /* KVM_EXIT_HLT */);
    EXPECT_EQ(call(SVM_HC_EXIT_COUNT, SVM_EXITS_TOTAL).rax, 3u);
    EXPECT_EQ(call(SVM_HC_EXIT_COUNT, SVM_EXITS_IO).rax, 2u);
    EXPECT_EQ(call(SVM_HC_EXIT_COUNT, SVM_EXITS_HLT).rax, 1u);
    EXPECT_EQ(static_cast<int64_t>(call(SVM_HC_EXIT_COUNT, 99).rax), SVM_E_INVAL);
    EXPECT_EQ(static_cast<int64_t>(call(0x777).rax), SVM_E_INVAL);
}

TEST_F(HypercallsTest, StartCpuPassesEntryStackAndArgument) {
    state.efer = x86::EFER_LMA | x86::EFER_LME;
    state.cs.l = true;
    state.cs.db = false;
    HypercallRegs regs{SVM_HC_START_CPU, 1, 0xffffffff80101000, 0x200000, 0x42};
    hypercalls.handle(regs, 0, [this]() -> Result<CpuState> { return state; });
    EXPECT_EQ(regs.rax, 0u);
    ASSERT_EQ(start_calls.size(), 1u);
    EXPECT_EQ(start_calls[0], (std::array<uint64_t, 5>{0, 1, 0xffffffff80101000, 0x200000, 0x42}));
    regs = {SVM_HC_START_CPU, 7, 0, 0, 0};
    hypercalls.handle(regs, 0, [this]() -> Result<CpuState> { return state; });
    EXPECT_EQ(static_cast<int64_t>(regs.rax), SVM_E_INVAL);
}

}  // namespace
}  // namespace svm
