#include "core/debug/bios_step_over.h"

namespace svm {

std::optional<uint64_t> bios_call_return_address(const CpuState& state,
                                                 const PhysicalReader& read) {
    if (state.cr0 & x86::CR0_PE) return std::nullopt;
    const uint16_t ip = static_cast<uint16_t>(state.rip);
    uint8_t insn[2];
    // The two bytes may straddle the segment's end (IP = 0xFFFF): read them one by one.
    for (int i = 0; i < 2; ++i)
        if (!read(state.cs.base + static_cast<uint16_t>(ip + i), std::span(&insn[i], 1)))
            return std::nullopt;
    if (insn[0] != 0xcd) return std::nullopt;
    uint8_t entry[4];
    if (!read(uint64_t{insn[1]} * 4, entry)) return std::nullopt;
    const uint16_t segment = static_cast<uint16_t>(entry[2] | entry[3] << 8);
    if (segment != kBiosRomSegment) return std::nullopt;
    return state.cs.base + static_cast<uint16_t>(ip + 2);
}

}  // namespace svm
