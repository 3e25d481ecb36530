// The BIOS services, one function per interrupt vector, that bios_call() dispatches to. Each takes
// the caller's registers and the context (bios_call.h) and returns what the ROM stub does next.
#pragma once

#include "core/bios/bios_call.h"

namespace svm {

BiosOutcome bios_timer_irq(CpuState& regs, BiosContext& ctx);     // int 0x08, bios_time.cpp
BiosOutcome bios_keyboard_irq(CpuState& regs, BiosContext& ctx);  // int 0x09, bios_keyboard.cpp
BiosOutcome bios_video(CpuState& regs, BiosContext& ctx);         // int 0x10, bios_video.cpp
BiosOutcome bios_equipment(CpuState& regs, BiosContext& ctx);     // int 0x11, bios_equipment.cpp
BiosOutcome bios_memory_size(CpuState& regs, BiosContext& ctx);   // int 0x12, bios_equipment.cpp
BiosOutcome bios_disk(CpuState& regs, BiosContext& ctx);          // int 0x13, bios_disk.cpp
BiosOutcome bios_system(CpuState& regs, BiosContext& ctx);        // int 0x15, bios_system.cpp
BiosOutcome bios_keyboard(CpuState& regs, BiosContext& ctx);      // int 0x16, bios_keyboard.cpp
BiosOutcome bios_time(CpuState& regs, BiosContext& ctx);          // int 0x1A, bios_time.cpp

}  // namespace svm
