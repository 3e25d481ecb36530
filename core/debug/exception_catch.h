// `monitor catch VECTOR`: where an exception's handler starts and what the CPU pushed for it, so
// svm can stop at the handler's first instruction with the vector, error code and faulting
// address. KVM has no way to intercept arbitrary guest exceptions (KVM_SET_GUEST_DEBUG traps only
// #DB and #BP), so svm breaks at the handler the guest's IDT names.
//
// Intel SDM Vol. 3A: 6.3.1 Table 6-1 (vectors, which push an error code), 6.11 "IDT Descriptors",
// 6.12.1 "Exception- or Interrupt-Handler Procedures" (the stack frame), 6.14.1-2 (64-bit IDT
// gates and stack frame), 20.1.4 (real-mode interrupt vector table).
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "core/debug/monitor/memory_dump.h"
#include "core/result.h"
#include "core/x86_64/cpu_state.h"

namespace svm {

// True for the exceptions that push an error code: #DF, #TS, #NP, #SS, #GP, #PF, #AC, #CP (8,
// 10-14, 17, 21), and #VC/#SX (29, 30).
bool exception_has_error_code(int vector);

// The short name of exception `vector` ("#PF"), or "vector N" past the architectural ones.
std::string exception_name(int vector);

// Parses `monitor catch` arguments: "14,13", "PF,GP", "#PF #UD", "all" (vectors 0-31), or
// "off". Returns the vectors (empty for "off"); an error naming the bad word otherwise.
Result<std::set<int>> parse_catch_vectors(std::string_view args);

// The guest-virtual (linear) address of the first instruction of the handler for `vector` as
// `state`'s IDTR describes it, reading memory through `read` (guest-virtual addresses, as the
// vCPU sees them): real mode, the IVT's segment:offset; protected mode, the interrupt or trap
// gate's selector base (from the GDT) plus offset; long mode, the 64-bit gate's offset. Nothing
// for a vector past the limit, a gate that is not present, a task gate or an unreadable table.
std::optional<uint64_t> exception_handler_address(const CpuState& state, int vector,
                                                  const DumpReader& read);

// What the CPU left on the stack for `vector` when `state` stands at the handler's first
// instruction: the error code (for vectors that push one) and the address of the instruction
// that faulted (or, for traps, the next one). Nothing if the stack cannot be read.
struct ExceptionFrame {
    std::optional<uint32_t> error_code;
    uint64_t return_address = 0;
};
std::optional<ExceptionFrame> read_exception_frame(const CpuState& state, int vector,
                                                   const DumpReader& read);

}  // namespace svm
