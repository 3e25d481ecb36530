// int 0x11 (equipment list) and int 0x12 (conventional memory size): both return a BDA word,
// as the IBM PC BIOS does (RBIL INT 11 and INT 12; OSDev wiki "BIOS Data Area").
#include "core/bios/bios_data_area.h"
#include "core/bios/bios_registers.h"
#include "core/bios/bios_services.h"

namespace svm {

// Returns AX = the equipment word at BDA 0x410.
BiosOutcome bios_equipment(CpuState& regs, BiosContext& ctx) {
    bios::set_lo16(regs.rax, bda::read16(ctx.memory, bda::kEquipment));
    return BiosOutcome::Done;
}

// Returns AX = KiB of conventional memory (below the EBDA) from BDA 0x413.
BiosOutcome bios_memory_size(CpuState& regs, BiosContext& ctx) {
    bios::set_lo16(regs.rax, bda::read16(ctx.memory, bda::kBaseMemoryKib));
    return BiosOutcome::Done;
}

}  // namespace svm
