// The virtio-mmio register map (OASIS virtio 1.2, 4.2.2, table "MMIO Device Register Layout"):
// each register's name and direction, for the checks VirtioMmio applies to every access before
// it looks at the register (4.2.2.2) and for log lines that name the register.
#pragma once

#include <cstdint>
#include <string>

namespace svm::virtio::mmio {

// "QueueNum (0x038)" for an offset inside a register, or "offset 0x018" where no register is.
std::string describe(uint64_t offset);

// Why a driver may not make this aligned 32-bit access, or nullptr if it may: a write to a
// read-only register, a read of a write-only one (4.2.2.2), a legacy register (4.2.4), or an
// offset where no register is. Offsets from 0x100 (the configuration space) are not registers.
const char* misuse(uint64_t offset, bool is_write);

}  // namespace svm::virtio::mmio
