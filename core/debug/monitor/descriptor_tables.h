// `monitor gdt` and `monitor idt`: the current vCPU's descriptor tables, decoded.
// Formats: Intel SDM Vol. 3A, 3.4.5 "Segment Descriptors" (Table 3-1 code/data types, Table 3-2
// system types), 3.5 "System Descriptor Types", 7.2.3 TSS descriptor in 64-bit mode, 5.8.3.1
// call gates in IA-32e mode, 6.11 "IDT Descriptors" and 6.14.1 64-bit mode IDT gates; 20.1.4 the
// real-mode interrupt vector table.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "core/debug/monitor/memory_dump.h"
#include "core/x86_64/cpu_state.h"

namespace svm {

// Returns "<name+0xoff>" for a guest-virtual code address, or "" when no symbol covers it.
using Symbolizer = std::function<std::string(uint64_t address)>;

// One decoded segment or system descriptor (8 bytes, or 16 for IA-32e system descriptors).
struct DecodedDescriptor {
    uint64_t base = 0;      // segment base; for gates, the target offset
    uint32_t limit = 0;     // effective limit in bytes (scaled by G)
    uint16_t selector = 0;  // gates only: the target code segment selector
    uint8_t type = 0;       // the 4-bit type field
    uint8_t dpl = 0;
    bool s = false;  // code/data (1) or system (0)
    bool present = false, l = false, db = false, g = false;
    uint8_t ist = 0;        // 64-bit interrupt/trap gates: the IST index
    bool wide = false;      // a 16-byte IA-32e system descriptor
    std::string type_name;  // "code execute/read", "TSS64-busy", "IntGate64", ...
};

// Decodes the descriptor at the start of `bytes` (8 bytes; 16 for a system descriptor when
// `long_mode`, if there are 16). `long_mode` selects the IA-32e meaning of system types.
DecodedDescriptor decode_descriptor(std::span<const uint8_t> bytes, bool long_mode);

// Formats the GDT that `state.gdt` points at (a guest-virtual base, read through `read`): one line
// per non-empty entry with index, selector, base, effective limit, type, DPL and the P, L, D/B
// and G bits. Empty entries are counted, not listed. A table that cannot be read says so.
std::string format_gdt(const CpuState& state, const DumpReader& read);

// Formats the IDT of `state`: in protected and long mode one line per present gate with the
// vector, type, target selector:offset, DPL, IST and, when `symbolize` knows the handler, its
// symbol; non-present gates are counted. In real mode the interrupt vector table at IDTR.base
// (segment:offset pairs) is listed instead.
std::string format_idt(const CpuState& state, const DumpReader& read, const Symbolizer& symbolize);

}  // namespace svm
