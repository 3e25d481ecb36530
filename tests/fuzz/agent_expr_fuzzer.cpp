// libFuzzer target: agent expressions (gdbstub/protocol/agent_expr.h), the bytecode of
// target-side breakpoint conditions that a debugger sends in Z0/Z1 packets.
//
// Input: one mode byte, then the rest. Mode bit 0 clear: the rest is bytecode, validated by
// AgentExpr::create and, if accepted, evaluated against a context with 64 bytes of memory at
// 0x1000 and registers 0-99 (register n reads n * 0x100 + 0x1000). Mode bit 0 set: the rest is the
// text of a Z0 packet's options (";X len,hex...;cmds:..."), parsed by parse_breakpoint_options and
// every condition evaluated. Bits 1-2 pick a small step budget and stack so the limits are hit.
// ASan catches any read outside the bytecode or the stack; the checks below catch the rest.
#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "gdbstub/protocol/agent_expr.h"
#include "tests/fuzz/common/check.h"

using namespace svm::gdb::protocol;

namespace {

class Context : public AgentContext {
public:
    std::optional<uint64_t> read_register(int regno) override {
        FUZZ_CHECK(regno >= 0 && regno <= 0xffff, "register {} outside reg's operand", regno);
        if (regno >= 100) return std::nullopt;
        return uint64_t(regno) * 0x100 + 0x1000;
    }
    bool read_memory(uint64_t addr, std::span<uint8_t> out) override {
        FUZZ_CHECK(out.size() == 1 || out.size() == 2 || out.size() == 4 || out.size() == 8,
                   "read of {} bytes", out.size());
        if (addr < 0x1000 || addr - 0x1000 > memory.size() - out.size()) return false;
        std::memcpy(out.data(), memory.data() + (addr - 0x1000), out.size());
        return true;
    }

    std::array<uint8_t, 64> memory{};
};

void evaluate(const AgentExpr& expr, const AgentLimits& limits) {
    if (auto depth = expr.static_max_depth())
        FUZZ_CHECK(*depth <= limits.max_stack, "static depth {} above {}", *depth,
                   limits.max_stack);
    Context context;
    for (size_t i = 0; i < context.memory.size(); ++i) context.memory[i] = uint8_t(i * 37);
    auto first = expr.evaluate(context);
    auto second = expr.evaluate(context);
    // Evaluation depends only on the bytecode and what it reads.
    FUZZ_CHECK(bool(first) == bool(second), "evaluation is not deterministic");
    if (first) FUZZ_CHECK(*first == *second, "{:#x} then {:#x}", *first, *second);
    if (!first) FUZZ_CHECK(!first.error().empty(), "an error without a reason");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) return 0;
    uint8_t mode = data[0];
    std::span<const uint8_t> rest(data + 1, size - 1);
    AgentLimits limits;
    if (mode & 2) limits.max_steps = 50;
    if (mode & 4) limits.max_stack = 3;
    if (mode & 1) {
        std::string_view text(reinterpret_cast<const char*>(rest.data()), rest.size());
        auto options = parse_breakpoint_options(text, limits);
        if (!options) {
            FUZZ_CHECK(!options.error().empty(), "a refusal without a reason");
            return 0;
        }
        for (const auto& condition : options->conditions) evaluate(condition, limits);
        return 0;
    }
    auto expr = AgentExpr::create(rest, limits);
    if (!expr) {
        FUZZ_CHECK(!expr.error().empty(), "a refusal without a reason");
        return 0;
    }
    FUZZ_CHECK(expr->bytecode().size() == rest.size(), "the bytecode was not kept whole");
    evaluate(*expr, limits);
    return 0;
}
