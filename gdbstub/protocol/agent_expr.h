// Agent expressions: the bytecode gdb compiles breakpoint conditions into and sends with Z0/Z1
// (GDB manual, appendix "The GDB Agent Expression Mechanism": "General Bytecode Design",
// "Bytecode Descriptions"; E.2 "Packets", Z0 cond_list).
//
// An expression is validated once, when the breakpoint is inserted (AgentExpr::create), and run
// every time the breakpoint is hit (AgentExpr::evaluate). Validation guarantees that evaluation
// never leaves the bytecode: every instruction is complete, every jump lands on the start of an
// instruction, and the last instruction is `end` or `goto`, so control cannot run off the end.
// The stack is bounded (checked statically where the depth at each instruction is fixed, and at
// run time anyway) and so is the number of instructions one evaluation may execute (goto can
// loop).
//
// The stub implements the integer bytecodes: arithmetic, comparisons, logic, ext/zero_ext,
// ref8..ref64, const8..const64, reg, if_goto/goto, dup/pop/swap/pick/rot and end. It refuses, at
// validation, what makes no sense for a breakpoint condition in svm: the floating-point
// bytecodes (the manual leaves them unspecified), trace state variables (getv/setv/tracev), the
// trace bytecodes (trace, trace_quick, trace16, tracenz) and printf.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace svm::gdb::protocol {

// What an expression reads while it runs: the registers and memory of the thread that hit the
// breakpoint. The evaluator reads nothing else.
class AgentContext {
public:
    virtual ~AgentContext() = default;
    // The value of register `regno` in gdb's numbering (the target description's order),
    // zero-extended to 64 bits; std::nullopt if there is no such register.
    virtual std::optional<uint64_t> read_register(int regno) = 0;
    // Fills `out` with the bytes at `addr`; false if any of them cannot be read.
    virtual bool read_memory(uint64_t addr, std::span<uint8_t> out) = 0;
};

struct AgentLimits {
    size_t max_stack = 64;       // values on the stack at once
    size_t max_steps = 100'000;  // instructions executed by one evaluation
};

class AgentExpr {
public:
    // Validates `bytecode` (the manual's "Bytecode Descriptions") and returns the expression, or
    // a one-line reason it is refused: an unknown or refused opcode, an incomplete operand, a
    // jump outside the expression or into an operand, a last instruction other than end/goto, a
    // static stack underflow or a static stack depth above limits.max_stack.
    static std::expected<AgentExpr, std::string> create(std::span<const uint8_t> bytecode,
                                                        AgentLimits limits = {});

    // Runs the expression with `context`; returns the value on top of the stack at `end`, or a
    // one-line error: a failed register or memory read, division by zero, stack underflow or
    // overflow, no value at `end`, or the step budget spent.
    std::expected<uint64_t, std::string> evaluate(AgentContext& context) const;

    std::span<const uint8_t> bytecode() const { return code_; }
    // The deepest the stack can get, if the depth at each instruction does not depend on the
    // path taken to it (true of everything gdb generates); std::nullopt otherwise.
    std::optional<size_t> static_max_depth() const { return static_depth_; }

private:
    AgentExpr(std::vector<uint8_t> code, AgentLimits limits, std::optional<size_t> depth)
        : code_(std::move(code)), limits_(limits), static_depth_(depth) {}

    std::vector<uint8_t> code_;
    AgentLimits limits_;
    std::optional<size_t> static_depth_;
};

// A breakpoint's options: the text after "Z0,addr,kind" in a Z0/Z1 packet (GDB manual E.2,
// "Z0": ";cond_list...;cmds:persist,cmd_list..."). cond_list is one or more "X len,bytecode"
// (len in hex, the bytecode as len hex-encoded bytes), run together or separated by ';'.
struct BreakpointOptions {
    std::vector<AgentExpr> conditions;  // report the hit if any is true (none: always)
    bool has_commands = false;          // ";cmds:" was present (svm ignores it)
};

// Parses `text` (empty, or starting with ';'); returns the options, or a one-line reason they are
// malformed (bad hex, a length that does not match, an unknown option, an invalid expression).
std::expected<BreakpointOptions, std::string> parse_breakpoint_options(std::string_view text,
                                                                       AgentLimits limits = {});

}  // namespace svm::gdb::protocol
