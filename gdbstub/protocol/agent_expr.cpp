// Agent expressions: validation and evaluation (GDB manual, "Bytecode Descriptions").
#include "gdbstub/protocol/agent_expr.h"

#include <fmt/format.h>

#include <array>
#include <limits>

#include "gdbstub/protocol/hex.h"

namespace svm::gdb::protocol {

namespace {

// Opcodes as "Bytecode Descriptions" numbers them.
enum Op : uint8_t {
    kFloat = 0x01,
    kAdd = 0x02,
    kSub = 0x03,
    kMul = 0x04,
    kDivSigned = 0x05,
    kDivUnsigned = 0x06,
    kRemSigned = 0x07,
    kRemUnsigned = 0x08,
    kLsh = 0x09,
    kRshSigned = 0x0a,
    kRshUnsigned = 0x0b,
    kTrace = 0x0c,
    kTraceQuick = 0x0d,
    kLogNot = 0x0e,
    kBitAnd = 0x0f,
    kBitOr = 0x10,
    kBitXor = 0x11,
    kBitNot = 0x12,
    kEqual = 0x13,
    kLessSigned = 0x14,
    kLessUnsigned = 0x15,
    kExt = 0x16,
    kRef8 = 0x17,
    kRef16 = 0x18,
    kRef32 = 0x19,
    kRef64 = 0x1a,
    kRefFloat = 0x1b,
    kRefDouble = 0x1c,
    kRefLongDouble = 0x1d,
    kLToD = 0x1e,
    kDToL = 0x1f,
    kIfGoto = 0x20,
    kGoto = 0x21,
    kConst8 = 0x22,
    kConst16 = 0x23,
    kConst32 = 0x24,
    kConst64 = 0x25,
    kReg = 0x26,
    kEnd = 0x27,
    kDup = 0x28,
    kPop = 0x29,
    kZeroExt = 0x2a,
    kSwap = 0x2b,
    kGetv = 0x2c,
    kSetv = 0x2d,
    kTracev = 0x2e,
    kTracenz = 0x2f,
    kTrace16 = 0x30,
    kPick = 0x32,
    kRot = 0x33,
    kPrintf = 0x34,
};

// One opcode's shape: operand bytes, values popped and pushed (pick's depend on its operand),
// or why svm refuses it.
struct OpInfo {
    bool known = false;
    uint8_t operand_bytes = 0;
    uint8_t pops = 0;
    uint8_t pushes = 0;
    const char* refused = nullptr;
};

constexpr std::array<OpInfo, 256> make_op_table() {
    std::array<OpInfo, 256> t{};
    auto op = [&](uint8_t code, uint8_t operand, uint8_t pops, uint8_t pushes) {
        t[code] = {true, operand, pops, pushes, nullptr};
    };
    auto refuse = [&](uint8_t code, const char* why) { t[code] = {true, 0, 0, 0, why}; };
    for (uint8_t code :
         {kAdd, kSub, kMul, kDivSigned, kDivUnsigned, kRemSigned, kRemUnsigned, kLsh, kRshSigned,
          kRshUnsigned, kBitAnd, kBitOr, kBitXor, kEqual, kLessSigned, kLessUnsigned})
        op(code, 0, 2, 1);
    for (uint8_t code : {kLogNot, kBitNot, kRef8, kRef16, kRef32, kRef64}) op(code, 0, 1, 1);
    op(kExt, 1, 1, 1);
    op(kZeroExt, 1, 1, 1);
    op(kIfGoto, 2, 1, 0);
    op(kGoto, 2, 0, 0);
    op(kConst8, 1, 0, 1);
    op(kConst16, 2, 0, 1);
    op(kConst32, 4, 0, 1);
    op(kConst64, 8, 0, 1);
    op(kReg, 2, 0, 1);
    op(kEnd, 0, 1, 1);  // needs the result on the stack
    op(kDup, 0, 1, 2);
    op(kPop, 0, 1, 0);
    op(kSwap, 0, 2, 2);
    op(kPick, 1, 0, 0);  // n: needs n + 1 values, pushes one more (special-cased)
    op(kRot, 0, 3, 3);
    for (uint8_t code : {kFloat, kRefFloat, kRefDouble, kRefLongDouble, kLToD, kDToL})
        refuse(code, "floating-point bytecodes are not supported");
    for (uint8_t code : {kGetv, kSetv, kTracev})
        refuse(code, "trace state variables are not supported");
    for (uint8_t code : {kTrace, kTraceQuick, kTracenz, kTrace16})
        refuse(code, "trace bytecodes are not supported in breakpoint conditions");
    refuse(kPrintf, "printf is not supported");
    return t;
}

constexpr std::array<OpInfo, 256> kOps = make_op_table();

// The big-endian operand of `size` bytes at code[at] (the manual stores operands most
// significant byte first).
uint64_t operand(std::span<const uint8_t> code, size_t at, size_t size) {
    uint64_t value = 0;
    for (size_t i = 0; i < size; ++i) value = value << 8 | code[at + i];
    return value;
}

// Values popped and pushed by the instruction at `pc`.
std::pair<size_t, size_t> stack_effect(std::span<const uint8_t> code, size_t pc) {
    if (code[pc] == kPick) return {size_t{code[pc + 1]} + 1, size_t{code[pc + 1]} + 2};
    return {kOps[code[pc]].pops, kOps[code[pc]].pushes};
}

// The static depth analysis: walks every path from offset 0 with the stack depth on entry to
// each instruction. Returns the deepest the stack gets (std::nullopt if some instruction can be
// reached with two different depths: left to the run-time checks), or a reason to refuse.
std::expected<std::optional<size_t>, std::string> static_depth(std::span<const uint8_t> code,
                                                               size_t max_stack) {
    constexpr size_t kUnseen = SIZE_MAX;
    std::vector<size_t> depth_at(code.size(), kUnseen);
    std::vector<size_t> work{0};
    depth_at[0] = 0;
    size_t deepest = 0;
    auto reach = [&](size_t pc, size_t depth) {
        if (depth_at[pc] == kUnseen) {
            depth_at[pc] = depth;
            work.push_back(pc);
            return true;
        }
        return depth_at[pc] == depth;
    };
    while (!work.empty()) {
        size_t pc = work.back();
        work.pop_back();
        size_t depth = depth_at[pc];
        auto [pops, pushes] = stack_effect(code, pc);
        if (depth < pops) {
            if (code[pc] == kEnd)
                return std::unexpected(fmt::format("no value at end (offset {})", pc));
            return std::unexpected(fmt::format("stack underflow at offset {}", pc));
        }
        size_t after = depth - pops + pushes;
        if (after > max_stack)
            return std::unexpected(fmt::format("stack deeper than {} at offset {}", max_stack, pc));
        deepest = std::max(deepest, after);
        uint8_t op = code[pc];
        if (op == kEnd) continue;
        size_t next = pc + 1 + kOps[op].operand_bytes;
        bool consistent = true;
        if (op == kGoto || op == kIfGoto) consistent = reach(operand(code, pc + 1, 2), after);
        if (op != kGoto && consistent) consistent = reach(next, after);
        if (!consistent) return std::optional<size_t>{};
    }
    return std::optional<size_t>{deepest};
}

// Sign-extends the low `bits` bits of `value` (bits < 64).
uint64_t sign_extend(uint64_t value, unsigned bits) {
    if (bits >= 64) return value;
    uint64_t mask = (uint64_t{1} << bits) - 1;
    uint64_t sign = uint64_t{1} << (bits - 1);
    value &= mask;
    return (value ^ sign) - sign;
}

uint64_t zero_extend(uint64_t value, unsigned bits) {
    return bits >= 64 ? value : value & ((uint64_t{1} << bits) - 1);
}

// The two-operand bytecodes: a b => a op b. std::nullopt for a division by zero.
std::optional<uint64_t> binary(uint8_t op, uint64_t a, uint64_t b) {
    auto sa = static_cast<int64_t>(a), sb = static_cast<int64_t>(b);
    constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
    switch (op) {
        case kAdd:
            return a + b;
        case kSub:
            return a - b;
        case kMul:
            return a * b;
        case kDivSigned:
        case kRemSigned:
            if (b == 0) return std::nullopt;
            // INT64_MIN / -1 overflows (idiv would fault): it wraps to INT64_MIN, remainder 0.
            if (sa == kMin && sb == -1) return op == kDivSigned ? a : 0;
            return static_cast<uint64_t>(op == kDivSigned ? sa / sb : sa % sb);
        case kDivUnsigned:
            return b == 0 ? std::nullopt : std::optional(a / b);
        case kRemUnsigned:
            return b == 0 ? std::nullopt : std::optional(a % b);
        // Shifts by 64 or more give what shifting one bit at a time would.
        case kLsh:
            return b >= 64 ? 0 : a << b;
        case kRshSigned:
            return static_cast<uint64_t>(b >= 64 ? (sa < 0 ? -1 : 0) : sa >> b);
        case kRshUnsigned:
            return b >= 64 ? 0 : a >> b;
        case kBitAnd:
            return a & b;
        case kBitOr:
            return a | b;
        case kBitXor:
            return a ^ b;
        case kEqual:
            return a == b;
        case kLessSigned:
            return sa < sb;
        default:
            return a < b;  // kLessUnsigned
    }
}

}  // namespace

std::expected<AgentExpr, std::string> AgentExpr::create(std::span<const uint8_t> bytecode,
                                                        AgentLimits limits) {
    if (bytecode.empty()) return std::unexpected(std::string("empty expression"));
    if (bytecode.size() > 0x10000)
        return std::unexpected(std::string("expression longer than 64 KiB"));
    if (limits.max_stack == 0) return std::unexpected(std::string("no stack"));
    // Pass 1: decode linearly; every instruction must be known, allowed and complete.
    std::vector<bool> starts(bytecode.size(), false);
    size_t pc = 0, last = 0;
    while (pc < bytecode.size()) {
        uint8_t op = bytecode[pc];
        const OpInfo& info = kOps[op];
        if (!info.known)
            return std::unexpected(fmt::format("unknown opcode {:#04x} at offset {}", op, pc));
        if (info.refused)
            return std::unexpected(
                fmt::format("{} (opcode {:#04x} at offset {})", info.refused, op, pc));
        if (bytecode.size() - pc - 1 < info.operand_bytes)
            return std::unexpected(
                fmt::format("opcode {:#04x} at offset {} lacks its operand", op, pc));
        if ((op == kExt || op == kZeroExt) && bytecode[pc + 1] == 0)
            return std::unexpected(fmt::format("extension from 0 bits at offset {}", pc));
        starts[pc] = true;
        last = pc;
        pc += 1 + info.operand_bytes;
    }
    // Control must not run off the end, and jumps must land on instructions.
    if (bytecode[last] != kEnd && bytecode[last] != kGoto)
        return std::unexpected(std::string("the last instruction is neither end nor goto"));
    for (pc = 0; pc < bytecode.size(); pc += 1 + kOps[bytecode[pc]].operand_bytes) {
        if (bytecode[pc] != kGoto && bytecode[pc] != kIfGoto) continue;
        uint64_t target = operand(bytecode, pc + 1, 2);
        if (target >= bytecode.size() || !starts[target])
            return std::unexpected(
                fmt::format("jump at offset {} to {} is not to an instruction", pc, target));
    }
    auto depth = static_depth(bytecode, limits.max_stack);
    if (!depth) return std::unexpected(std::move(depth.error()));
    return AgentExpr(std::vector<uint8_t>(bytecode.begin(), bytecode.end()), limits, *depth);
}

std::expected<uint64_t, std::string> AgentExpr::evaluate(AgentContext& context) const {
    using Error = std::unexpected<std::string>;
    std::vector<uint64_t> stack;
    stack.reserve(std::min<size_t>(limits_.max_stack, 64));
    std::span<const uint8_t> code = code_;
    size_t pc = 0;
    for (size_t steps = 0;; ++steps) {
        if (steps == limits_.max_steps)
            return Error(fmt::format("step budget of {} spent", limits_.max_steps));
        // create() guarantees pc is the start of a complete instruction.
        uint8_t op = code[pc];
        auto [pops, pushes] = stack_effect(code, pc);
        if (stack.size() < pops) {
            if (op == kEnd) return Error(std::string("no value at end"));
            return Error(fmt::format("stack underflow at offset {}", pc));
        }
        if (stack.size() - pops + pushes > limits_.max_stack)
            return Error(fmt::format("stack overflow at offset {}", pc));
        size_t next = pc + 1 + kOps[op].operand_bytes;
        uint64_t arg = operand(code, pc + 1, kOps[op].operand_bytes);
        auto pop = [&] {
            uint64_t v = stack.back();
            stack.pop_back();
            return v;
        };
        uint64_t& top = stack.empty() ? arg : stack.back();  // only read where pops > 0
        switch (op) {
            case kAdd:
            case kSub:
            case kMul:
            case kDivSigned:
            case kDivUnsigned:
            case kRemSigned:
            case kRemUnsigned:
            case kLsh:
            case kRshSigned:
            case kRshUnsigned:
            case kBitAnd:
            case kBitOr:
            case kBitXor:
            case kEqual:
            case kLessSigned:
            case kLessUnsigned: {
                uint64_t b = pop();
                uint64_t a = pop();
                auto r = binary(op, a, b);
                if (!r) return Error(fmt::format("division by zero at offset {}", pc));
                stack.push_back(*r);
                break;
            }
            case kLogNot:
                top = top == 0;
                break;
            case kBitNot:
                top = ~top;
                break;
            case kExt:
                top = sign_extend(top, unsigned(arg));
                break;
            case kZeroExt:
                top = zero_extend(top, unsigned(arg));
                break;
            case kRef8:
            case kRef16:
            case kRef32:
            case kRef64: {
                size_t size = size_t{1} << (op - kRef8);
                std::array<uint8_t, 8> bytes{};
                if (!context.read_memory(top, std::span(bytes).first(size)))
                    return Error(fmt::format("cannot read {} bytes at {:#x}", size, top));
                uint64_t value = 0;
                for (size_t i = size; i-- > 0;) value = value << 8 | bytes[i];  // little-endian
                top = value;
                break;
            }
            case kIfGoto:
                if (pop() != 0) next = arg;
                break;
            case kGoto:
                next = arg;
                break;
            case kConst8:
            case kConst16:
            case kConst32:
            case kConst64:
                stack.push_back(arg);
                break;
            case kReg: {
                auto value = context.read_register(int(arg));
                if (!value) return Error(fmt::format("cannot read register {}", arg));
                stack.push_back(*value);
                break;
            }
            case kEnd:
                return top;
            case kDup: {
                uint64_t copy = top;
                stack.push_back(copy);
                break;
            }
            case kPop:
                stack.pop_back();
                break;
            case kSwap:
                std::swap(stack[stack.size() - 1], stack[stack.size() - 2]);
                break;
            case kPick: {
                uint64_t copy = stack[stack.size() - 1 - arg];
                stack.push_back(copy);
                break;
            }
            case kRot: {
                // a b c => c a b: the top goes third, the others move up (the manual's "rot").
                uint64_t c = stack[stack.size() - 1];
                stack[stack.size() - 1] = stack[stack.size() - 2];
                stack[stack.size() - 2] = stack[stack.size() - 3];
                stack[stack.size() - 3] = c;
                break;
            }
            default:
                // create() admits no other opcode.
                return Error(fmt::format("opcode {:#04x} not implemented", op));
        }
        pc = next;
    }
}

std::expected<BreakpointOptions, std::string> parse_breakpoint_options(std::string_view text,
                                                                       AgentLimits limits) {
    BreakpointOptions options;
    while (!text.empty()) {
        if (text[0] == ';') {
            text.remove_prefix(1);
            continue;
        }
        if (text.substr(0, 5) == "cmds:") {
            // ";cmds:persist,cmd_list" comes last (gdb's remote.c sends it after the
            // conditions); svm does not advertise BreakpointCommands and ignores it.
            options.has_commands = true;
            break;
        }
        if (text[0] != 'X')
            return std::unexpected(fmt::format("unknown breakpoint option '{:.16}'", text));
        auto parts = split_once(text.substr(1), ',');
        auto length = parts ? parse_hex(parts->first) : std::nullopt;
        if (!length || *length == 0) return std::unexpected(std::string("bad condition length"));
        std::string_view rest = parts->second;
        // Checked before anything is sized from it: the bytes must be there, two digits each.
        if (*length > rest.size() / 2)
            return std::unexpected(std::string("condition shorter than its length"));
        auto bytes = decode_hex(rest.substr(0, 2 * *length));
        if (!bytes) return std::unexpected(std::string("bad hex in condition"));
        auto expr = AgentExpr::create(*bytes, limits);
        if (!expr) return std::unexpected("invalid condition: " + expr.error());
        options.conditions.push_back(std::move(*expr));
        text = rest.substr(2 * *length);
    }
    return options;
}

}  // namespace svm::gdb::protocol
