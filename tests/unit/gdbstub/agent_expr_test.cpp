// Agent expressions (GDB manual, "Bytecode Descriptions"): every bytecode svm implements, the
// ones it refuses, malformed bytecode, and the evaluation limits.
#include "gdbstub/protocol/agent_expr.h"

#include <gtest/gtest.h>

#include <map>

namespace svm::gdb::protocol {
namespace {

using Bytes = std::vector<uint8_t>;

// Registers from a map; 16 bytes of memory at 0x1000 (little-endian 0x8877665544332211, then
// 0xf0 bytes).
class FakeContext : public AgentContext {
public:
    std::map<int, uint64_t> regs{{0, 5}, {7, 0x1000}, {16, 0x401000}};
    Bytes memory{0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
                 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0, 0xf0};
    int register_reads = 0, memory_reads = 0;

    std::optional<uint64_t> read_register(int regno) override {
        ++register_reads;
        auto it = regs.find(regno);
        if (it == regs.end()) return std::nullopt;
        return it->second;
    }
    bool read_memory(uint64_t addr, std::span<uint8_t> out) override {
        ++memory_reads;
        if (addr < 0x1000 || addr + out.size() > 0x1000 + memory.size()) return false;
        std::copy_n(memory.begin() + long(addr - 0x1000), out.size(), out.begin());
        return true;
    }
};

std::expected<uint64_t, std::string> run(const Bytes& code, AgentLimits limits = {}) {
    auto expr = AgentExpr::create(code, limits);
    if (!expr) return std::unexpected("create: " + expr.error());
    FakeContext context;
    return expr->evaluate(context);
}

uint64_t value(const Bytes& code) {
    auto result = run(code);
    EXPECT_TRUE(result) << result.error();
    return result ? *result : 0xdeadbeef;
}

std::string refusal(const Bytes& code) {
    auto expr = AgentExpr::create(code);
    return expr ? std::string("<accepted>") : expr.error();
}

// Opcodes (GDB manual, "Bytecode Descriptions").
constexpr uint8_t kAdd = 0x02, kSub = 0x03, kMul = 0x04, kDivS = 0x05, kDivU = 0x06, kRemS = 0x07,
                  kRemU = 0x08, kLsh = 0x09, kRshS = 0x0a, kRshU = 0x0b, kLogNot = 0x0e,
                  kAnd = 0x0f, kOr = 0x10, kXor = 0x11, kNot = 0x12, kEqual = 0x13, kLessS = 0x14,
                  kLessU = 0x15, kExt = 0x16, kRef8 = 0x17, kRef16 = 0x18, kRef32 = 0x19,
                  kRef64 = 0x1a, kIfGoto = 0x20, kGoto = 0x21, kConst8 = 0x22, kConst16 = 0x23,
                  kConst32 = 0x24, kConst64 = 0x25, kReg = 0x26, kEnd = 0x27, kDup = 0x28,
                  kPop = 0x29, kZeroExt = 0x2a, kSwap = 0x2b, kPick = 0x32, kRot = 0x33;

// a b OP end
Bytes binary(uint8_t a, uint8_t b, uint8_t op) {
    return {kConst8, a, kConst8, b, op, kEnd};
}

TEST(AgentExpr, Arithmetic) {
    EXPECT_EQ(value(binary(7, 5, kAdd)), 12u);
    EXPECT_EQ(value(binary(5, 7, kSub)), uint64_t(-2));
    EXPECT_EQ(value(binary(6, 7, kMul)), 42u);
    EXPECT_EQ(value(binary(43, 5, kDivU)), 8u);
    EXPECT_EQ(value(binary(43, 5, kRemU)), 3u);
    // -7 / 2 = -3 and -7 % 2 = -1 (truncating, as C); -7 is const8 0xf9 sign-extended by ext 8.
    EXPECT_EQ(value({kConst8, 0xf9, kExt, 8, kConst8, 2, kDivS, kEnd}), uint64_t(-3));
    EXPECT_EQ(value({kConst8, 0xf9, kExt, 8, kConst8, 2, kRemS, kEnd}), uint64_t(-1));
    // Unsigned division sees -7 as a huge number.
    EXPECT_EQ(value({kConst8, 0xf9, kExt, 8, kConst8, 2, kDivU, kEnd}), uint64_t(-7) / 2);
    // INT64_MIN / -1 wraps instead of trapping.
    Bytes min_by_minus_one = {kConst64, 0x80, 0, 0, 0, 0, 0, 0, 0, kConst8, 0xff, kExt, 8};
    Bytes div = min_by_minus_one, rem = min_by_minus_one;
    div.insert(div.end(), {kDivS, kEnd});
    rem.insert(rem.end(), {kRemS, kEnd});
    EXPECT_EQ(value(div), 0x8000000000000000u);
    EXPECT_EQ(value(rem), 0u);
}

TEST(AgentExpr, DivisionByZeroIsAnError) {
    for (uint8_t op : {kDivS, kDivU, kRemS, kRemU}) {
        auto result = run(binary(1, 0, op));
        ASSERT_FALSE(result) << int(op);
        EXPECT_NE(result.error().find("division by zero"), std::string::npos);
    }
}

TEST(AgentExpr, Shifts) {
    EXPECT_EQ(value(binary(3, 4, kLsh)), 48u);
    EXPECT_EQ(value(binary(1, 64, kLsh)), 0u);  // no undefined behaviour past 63
    EXPECT_EQ(value(binary(0x80, 4, kRshU)), 8u);
    EXPECT_EQ(value(binary(0x80, 200, kRshU)), 0u);
    EXPECT_EQ(value({kConst8, 0x80, kExt, 8, kConst8, 4, kRshS, kEnd}), uint64_t(-8));
    EXPECT_EQ(value({kConst8, 0x80, kExt, 8, kConst8, 99, kRshS, kEnd}), uint64_t(-1));
    EXPECT_EQ(value({kConst8, 0x80, kConst8, 99, kRshS, kEnd}), 0u);
}

TEST(AgentExpr, LogicAndComparisons) {
    EXPECT_EQ(value(binary(0xc, 0xa, kAnd)), 0x8u);
    EXPECT_EQ(value(binary(0xc, 0xa, kOr)), 0xeu);
    EXPECT_EQ(value(binary(0xc, 0xa, kXor)), 0x6u);
    EXPECT_EQ(value({kConst8, 0, kNot, kEnd}), ~uint64_t{0});
    EXPECT_EQ(value({kConst8, 0, kLogNot, kEnd}), 1u);
    EXPECT_EQ(value({kConst8, 9, kLogNot, kEnd}), 0u);
    EXPECT_EQ(value(binary(4, 4, kEqual)), 1u);
    EXPECT_EQ(value(binary(4, 5, kEqual)), 0u);
    EXPECT_EQ(value(binary(4, 5, kLessU)), 1u);
    EXPECT_EQ(value(binary(5, 4, kLessU)), 0u);
    // -1 < 1 signed, but not unsigned.
    EXPECT_EQ(value({kConst8, 0xff, kExt, 8, kConst8, 1, kLessS, kEnd}), 1u);
    EXPECT_EQ(value({kConst8, 0xff, kExt, 8, kConst8, 1, kLessU, kEnd}), 0u);
}

TEST(AgentExpr, ExtensionsAndConstants) {
    EXPECT_EQ(value({kConst8, 0xff, kEnd}), 0xffu);           // constants are not sign-extended
    EXPECT_EQ(value({kConst16, 0x12, 0x34, kEnd}), 0x1234u);  // big-endian operands
    EXPECT_EQ(value({kConst32, 0x12, 0x34, 0x56, 0x78, kEnd}), 0x12345678u);
    EXPECT_EQ(value({kConst64, 1, 2, 3, 4, 5, 6, 7, 8, kEnd}), 0x0102030405060708u);
    EXPECT_EQ(value({kConst16, 0x80, 0x00, kExt, 16, kEnd}), 0xffffffffffff8000u);
    EXPECT_EQ(value({kConst16, 0x40, 0x00, kExt, 16, kEnd}), 0x4000u);
    EXPECT_EQ(value({kConst16, 0x12, 0x34, kExt, 64, kEnd}), 0x1234u);
    EXPECT_EQ(value({kConst16, 0x12, 0x34, kZeroExt, 8, kEnd}), 0x34u);
    EXPECT_EQ(value({kConst8, 0xff, kExt, 8, kZeroExt, 32, kEnd}), 0xffffffffu);
    EXPECT_EQ(value({kConst8, 0xff, kExt, 8, kZeroExt, 200, kEnd}), ~uint64_t{0});
}

TEST(AgentExpr, MemoryReadsAreLittleEndianAndUnsigned) {
    EXPECT_EQ(value({kConst16, 0x10, 0x00, kRef8, kEnd}), 0x11u);
    EXPECT_EQ(value({kConst16, 0x10, 0x00, kRef16, kEnd}), 0x2211u);
    EXPECT_EQ(value({kConst16, 0x10, 0x00, kRef32, kEnd}), 0x44332211u);
    EXPECT_EQ(value({kConst16, 0x10, 0x00, kRef64, kEnd}), 0x8877665544332211u);
    EXPECT_EQ(value({kConst16, 0x10, 0x08, kRef8, kEnd}), 0xf0u);  // zero-extended
    // Through a register: *(uint32_t*)($rdi + 4).
    EXPECT_EQ(value({kReg, 0, 7, kConst8, 4, kAdd, kRef32, kEnd}), 0x88776655u);
}

TEST(AgentExpr, FailedMemoryReadIsAnError) {
    auto result = run({kConst16, 0x20, 0x00, kRef32, kEnd});
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().find("cannot read 4 bytes at 0x2000"), std::string::npos);
    // Partly readable is not readable.
    EXPECT_FALSE(run({kConst16, 0x10, 0x0c, kRef64, kEnd}));
}

TEST(AgentExpr, Registers) {
    EXPECT_EQ(value({kReg, 0, 0, kEnd}), 5u);          // rax
    EXPECT_EQ(value({kReg, 0, 16, kEnd}), 0x401000u);  // rip
    // $rax == 5, as gdb compiles it.
    EXPECT_EQ(value({kReg, 0, 0, kConst8, 5, kEqual, kEnd}), 1u);
    auto missing = run({kReg, 0x01, 0x00, kEnd});
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find("register 256"), std::string::npos);
}

TEST(AgentExpr, StackOperations) {
    EXPECT_EQ(value({kConst8, 3, kDup, kMul, kEnd}), 9u);
    EXPECT_EQ(value({kConst8, 3, kConst8, 4, kPop, kEnd}), 3u);
    EXPECT_EQ(value({kConst8, 3, kConst8, 4, kSwap, kSub, kEnd}), 1u);  // 4 - 3
    // pick 0 is dup; pick 2 copies the third item from the top.
    EXPECT_EQ(value({kConst8, 7, kPick, 0, kAdd, kEnd}), 14u);
    EXPECT_EQ(value({kConst8, 1, kConst8, 2, kConst8, 3, kPick, 2, kEnd}), 1u);
    // rot: a b c => c a b. With 1 2 3 the top becomes 2, then 1, then 3.
    Bytes rot = {kConst8, 1, kConst8, 2, kConst8, 3, kRot};
    EXPECT_EQ(value([&] {
                  auto b = rot;
                  b.push_back(kEnd);
                  return b;
              }()),
              2u);
    EXPECT_EQ(value([&] {
                  auto b = rot;
                  b.insert(b.end(), {kPop, kEnd});
                  return b;
              }()),
              1u);
    EXPECT_EQ(value([&] {
                  auto b = rot;
                  b.insert(b.end(), {kPop, kPop, kEnd});
                  return b;
              }()),
              3u);
}

TEST(AgentExpr, Jumps) {
    // if ($rax == 5) 10 else 20, with if_goto and goto (offsets from the expression's start).
    Bytes code = {kReg,    0,  0,     kConst8, 5,  kEqual,  kIfGoto, 0,   14,
                  kConst8, 20, kGoto, 0,       16, kConst8, 10,      kEnd};
    EXPECT_EQ(value(code), 10u);
    code[4] = 6;  // $rax == 6
    EXPECT_EQ(value(code), 20u);
    // A loop: count 10 down to 0 (sum of 10..1 = 55).
    Bytes loop = {kConst8, 0,       kConst8, 10,     // sum n
                  kDup,    kIfGoto, 0,       10,     // 4: if n goto body
                  kPop,    kEnd,                     // 8: pop n; the sum remains
                  kDup,    kRot,    kAdd,    kSwap,  // 10: sum n -> n (sum+n) -> (sum+n) n
                  kConst8, 1,       kSub,    kGoto, 0, 4};
    auto expr = AgentExpr::create(loop);
    ASSERT_TRUE(expr) << expr.error();
    EXPECT_EQ(value(loop), 55u);
}

TEST(AgentExpr, StaticDepth) {
    auto expr =
        AgentExpr::create(Bytes{kConst8, 1, kConst8, 2, kConst8, 3, kRot, kPop, kPop, kEnd});
    ASSERT_TRUE(expr);
    EXPECT_EQ(expr->static_max_depth(), 3u);
    // A loop that pushes one value a round has no static depth: the run-time check catches it.
    Bytes grows = {kConst8, 1, kGoto, 0, 0};
    expr = AgentExpr::create(grows);
    ASSERT_TRUE(expr) << expr.error();
    EXPECT_FALSE(expr->static_max_depth());
    auto result = run(grows);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().find("stack overflow"), std::string::npos);
    // 65 constants: deeper than 64.
    Bytes deep;
    for (int i = 0; i < 65; ++i) deep.insert(deep.end(), {kConst8, 1});
    deep.push_back(kEnd);
    EXPECT_NE(refusal(deep).find("stack deeper than 64"), std::string::npos);
    deep.erase(deep.begin(), deep.begin() + 2);
    EXPECT_EQ(refusal(deep), "<accepted>");
}

TEST(AgentExpr, StepBudget) {
    Bytes spin = {kGoto, 0, 0};
    auto result = run(spin);
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().find("step budget of 100000"), std::string::npos);
    result = run(spin, {.max_stack = 64, .max_steps = 10});
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().find("step budget of 10 "), std::string::npos);
    // The loop above takes 96 steps (9 a round): it fits in 100, not in 50.
    Bytes loop = {kConst8, 0,    kConst8, 10,    kDup,    kIfGoto, 0,    10,    kPop, kEnd,
                  kDup,    kRot, kAdd,    kSwap, kConst8, 1,       kSub, kGoto, 0,    4};
    EXPECT_TRUE(run(loop, {.max_stack = 64, .max_steps = 100}));
    EXPECT_FALSE(run(loop, {.max_stack = 64, .max_steps = 50}));
}

TEST(AgentExpr, RefusesMalformedBytecode) {
    EXPECT_EQ(refusal({}), "empty expression");
    EXPECT_NE(refusal({0x00, kEnd}).find("unknown opcode 0x00"), std::string::npos);
    EXPECT_NE(refusal({0x31, kEnd}).find("unknown opcode 0x31"), std::string::npos);
    EXPECT_NE(refusal({kConst8, 1, 0x99}).find("unknown opcode 0x99"), std::string::npos);
    // Incomplete operands.
    for (Bytes b :
         {Bytes{kConst8}, Bytes{kConst16, 1}, Bytes{kConst32, 1, 2, 3},
          Bytes{kConst64, 1, 2, 3, 4, 5, 6, 7}, Bytes{kReg, 0}, Bytes{kGoto, 0},
          Bytes{kConst8, 1, kIfGoto, 0}, Bytes{kConst8, 1, kExt}, Bytes{kConst8, 1, kPick}})
        EXPECT_NE(refusal(b).find("lacks its operand"), std::string::npos) << refusal(b);
    // Control running off the end.
    EXPECT_EQ(refusal({kConst8, 1}), "the last instruction is neither end nor goto");
    // Jumps outside the expression or into an operand.
    EXPECT_NE(refusal({kGoto, 0, 3}).find("not to an instruction"), std::string::npos);
    EXPECT_NE(refusal({kGoto, 0xff, 0xff}).find("not to an instruction"), std::string::npos);
    EXPECT_NE(refusal({kConst8, 1, kIfGoto, 0, 1, kConst8, 2, kEnd}).find("not to an instruction"),
              std::string::npos);
    // Underflow found statically.
    EXPECT_NE(refusal({kAdd, kEnd}).find("stack underflow at offset 0"), std::string::npos);
    EXPECT_NE(refusal({kConst8, 1, kPick, 1, kEnd}).find("underflow"), std::string::npos);
    EXPECT_NE(refusal({kEnd}).find("no value at end"), std::string::npos);
    EXPECT_NE(refusal({kConst8, 1, kExt, 0, kEnd}).find("0 bits"), std::string::npos);
}

TEST(AgentExpr, RefusesTraceFloatAndStateVariableBytecodes) {
    for (uint8_t op : {0x01, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f})
        EXPECT_NE(refusal({op, kEnd}).find("floating-point"), std::string::npos) << int(op);
    for (uint8_t op : {0x2c, 0x2d, 0x2e})
        EXPECT_NE(refusal({op, 0, 0, kEnd}).find("trace state variables"), std::string::npos);
    for (uint8_t op : {0x0c, 0x0d, 0x2f, 0x30})
        EXPECT_NE(refusal({op, kEnd}).find("trace bytecodes"), std::string::npos) << int(op);
    EXPECT_NE(refusal({0x34, kEnd}).find("printf"), std::string::npos);
}

TEST(AgentExpr, RunTimeUnderflowAfterAJoinIsAnError) {
    // Two paths reach offset 8 with depths 1 and 0 (no static depth); the second underflows.
    Bytes code = {kReg, 0, 0, kIfGoto, 0, 8, kConst8, 1, kConst8, 1, kAdd, kEnd};
    auto expr = AgentExpr::create(code);
    ASSERT_TRUE(expr) << expr.error();
    FakeContext context;
    EXPECT_FALSE(expr->static_max_depth());
    auto result = expr->evaluate(context);  // rax = 5: jumps, one value short
    ASSERT_FALSE(result);
    EXPECT_NE(result.error().find("stack underflow at offset 10"), std::string::npos);
    context.regs[0] = 0;
    EXPECT_EQ(expr->evaluate(context), 2u);
}

TEST(BreakpointOptions, ParsesConditionLists) {
    auto none = parse_breakpoint_options("");
    ASSERT_TRUE(none);
    EXPECT_TRUE(none->conditions.empty());
    // gdb's remote.c sends the conditions run together; gdbserver also accepts ';' between them.
    auto two = parse_breakpoint_options("X3,220527X7,26000022051327;cmds:0,X3,220127");
    ASSERT_TRUE(two) << two.error();
    ASSERT_EQ(two->conditions.size(), 2u);
    EXPECT_EQ(two->conditions[0].bytecode().size(), 3u);
    EXPECT_TRUE(two->has_commands);
    auto separated = parse_breakpoint_options("X3,220527;X3,220627");
    ASSERT_TRUE(separated);
    EXPECT_EQ(separated->conditions.size(), 2u);
    for (const char* bad : {"X", "X3", "X3,2205", "X3,22052", "X3,2205zz", "X0,", "Xzz,00",
                            "Y3,220527", "X1,27", "X2,ab27"}) {
        EXPECT_FALSE(parse_breakpoint_options(bad)) << bad;
    }
    // A length far beyond the text allocates nothing.
    EXPECT_FALSE(parse_breakpoint_options("Xffffffffffffffff,00"));
}

}  // namespace
}  // namespace svm::gdb::protocol
