#include "core/x86_64/debug_registers.h"

#include <cstddef>

namespace svm {

std::array<uint64_t, 8> debug_register_values(const std::array<DebugRegisterSlot, 4>& slots) {
    std::array<uint64_t, 8> dr{};
    uint64_t dr7 = 0;
    for (std::size_t i = 0; i < slots.size(); ++i) {
        const DebugRegisterSlot& slot = slots[i];
        if (!slot.used) continue;
        dr[i] = slot.addr;
        dr7 |= 1ull << (2 * i);  // Ln
        uint64_t rw = slot.kind == DebugRegisterSlot::Kind::Write    ? 1
                      : slot.kind == DebugRegisterSlot::Kind::Access ? 3
                                                                     : 0;
        uint64_t len = slot.length == 2 ? 1 : slot.length == 4 ? 3 : slot.length == 8 ? 2 : 0;
        if (rw) dr7 |= (rw | len << 2) << (16 + 4 * i);
    }
    dr[7] = dr7;
    return dr;
}

}  // namespace svm
