// svm's BIOS services for boot sectors (docs/bios.md): the interrupt vector table points at tiny
// stubs in the BIOS ROM segment (F000) that trap to svm; svm performs the service on the vCPU's
// registers and guest memory, the way a PC BIOS would, and the stub returns to the caller with
// `iret`. This header is the boundary between the trap (core/machine: reads and writes the vCPU's
// registers, the stacked FLAGS) and the services (core/bios/int*.cpp), which know no KVM and are
// unit-tested on a CpuState and a GuestMemory.
//
// Conventions every service follows (Ralf Brown's Interrupt List, the IBM PC BIOS references):
// inputs and outputs in the 16-bit registers of `regs` (AX = regs.rax & 0xFFFF, AH = bits 15:8,
// ...; buffers as segment:offset, guest-physical = segment * 16 + offset in real mode); the
// carry flag (regs.rflags bit 0) set on error with the error code in AH; ZF (bit 6) where a
// service reports with it (int 0x16 AH=0x01). Registers a service does not document stay as
// they were. Guest memory is touched only through GuestMemory's checked accessors: a buffer that
// wraps its segment or runs past RAM fails the call with an error status, never a host access
// out of bounds.
#pragma once

#include <svm/machine.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/x86_64/cpu_state.h"

namespace svm {

class BiosDisk;
class VgaRegisters;

// What the services reach besides the registers. Members may be null/empty where a test does
// not need them; a service that needs a missing one fails the call (CF set, AH = 0x86
// "function not supported").
struct BiosContext {
    GuestMemory& memory;
    // int 0x10: the VGA registers (cursor position CRTC 0x0E/0x0F, cursor shape 0x0A/0x0B); the
    // text buffer is guest RAM at 0xB8000.
    VgaRegisters* vga = nullptr;
    // int 0x13: the drives by BIOS number (0x00, 0x01 floppies; 0x80, 0x81... hard disks).
    std::map<uint8_t, std::shared_ptr<BiosDisk>> disks{};
    // int 0x15 E820/E801/0x88 and int 0x12: the memory map svm hands the guest (the machine
    // table's, <svm/machine.h>).
    std::function<std::vector<svm_mem_range>()> memory_map{};
    // Port I/O as the guest does it (the i8042 data port for the keyboard interrupt, the PIC's
    // EOI, port 0x92 for A20); through svm's I/O bus.
    std::function<uint8_t(uint16_t port)> inb{};
    std::function<void(uint16_t port, uint8_t value)> outb{};
    // int 0x1A: the host's wall clock (for the RTC functions) and the time since boot (the tick
    // count at 18.2065 Hz is derived from it, so it advances whether or not the guest takes
    // timer interrupts).
    std::function<std::chrono::system_clock::time_point()> wall_clock{};
    std::function<std::chrono::steady_clock::duration()> since_boot{};
    bool rtc_localtime = false;
    // int 0x1A: the services' own clock state, kept between calls (the machine leaves both at 0).
    // The tick count is (ticks since boot + tick_offset) modulo one day (0x1800B0 ticks);
    // AH=0x01 sets tick_offset. `days_reported` counts the midnights the guest has been told of
    // through AL of AH=0x00, so each midnight is reported once.
    int64_t tick_offset = 0;
    uint64_t days_reported = 0;
};

enum class BiosOutcome {
    Done,         // the service ran; return to the caller
    WaitForKey,   // int 0x16 AH=0x00/0x10 with the keyboard buffer empty: the stub waits for an
                  // interrupt (sti; hlt) and calls again
    Reboot,       // int 0x19: boot from the boot drive again
    Unsupported,  // not provided by svm: CF set, AH = 0x86 (or the service's own "invalid
                  // function" code); the caller reports it once
};

// Runs BIOS interrupt `vector` (0x08, 0x09, 0x10, 0x11, 0x12, 0x13, 0x15, 0x16, 0x19, 0x1A) on
// `regs` (real mode; CS:IP is the caller's return address as the `int` pushed it). Returns what
// the stub must do next. Never throws; any guest-supplied address goes through ctx.memory.
BiosOutcome bios_call(uint8_t vector, CpuState& regs, BiosContext& ctx);

// A short name for vector/AH, for the "not provided" report and -v logging: "int 0x10 AH=0x4F
// (VESA)".
std::string bios_function_name(uint8_t vector, uint8_t ah);

}  // namespace svm
