// The x86 debug registers DR0-DR3 and DR7 (Intel SDM Vol. 3B, 17.2 "Debug Registers").
#pragma once

#include <array>
#include <cstdint>

namespace svm {

struct DebugRegisterSlot {
    enum class Kind { Execute, Write, Access };
    uint64_t addr = 0;
    bool used = false;
    bool from_software = false;  // a software breakpoint svm placed here (address not mapped yet)
    Kind kind = Kind::Execute;
    uint8_t length = 1;  // data breakpoints: 1, 2, 4 or 8 bytes, naturally aligned
};

// DR0-DR7 for the four slots: the addresses in DR0-DR3 and DR7 with L0-L3 enabled and each
// slot's R/W (00 execute, 01 write, 11 read or write) and LEN (00 1, 01 2, 11 4, 10 8 bytes).
std::array<uint64_t, 8> debug_register_values(const std::array<DebugRegisterSlot, 4>& slots);

}  // namespace svm
