// The BIOS trap without KVM (docs/bios.md, "How the BIOS is built"): what svm does when a stub of
// its BIOS ROM executes `out kBiosTrapPort, al`, as a function of the vCPU state at that `out`,
// guest memory and the services' context, so it is unit-tested on a CpuState. The bios family
// (bios.cpp) reads and writes the vCPU around it.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/bios/bios_call.h"
#include "core/guest_memory.h"
#include "core/result.h"
#include "core/x86_64/cpu_state.h"

namespace svm {

constexpr uint16_t kBiosRomSegment = 0xF000;

// The header at the start of the ROM (core/bios/rom/bios_rom.asm, `header`). Offsets are within
// segment F000.
struct BiosRomLayout {
    uint16_t entry = 0;
    uint16_t boot_drive = 0;
    uint16_t stubs = 0;
    uint16_t stub_size = 0;
    uint16_t stub_continue = 0;
    uint16_t stub_wait = 0;
    uint16_t default_iret = 0;
    uint16_t default_irq_master = 0;
    uint16_t default_irq_slave = 0;
    std::vector<uint8_t> vectors;  // the vector of each stub, in order
};

// Parses and checks the header of `rom` (kBiosRomSize bytes, loaded at kBiosRomBase): every
// offset must lie inside the ROM. Returns an error if it does not (svm was built wrongly).
Result<BiosRomLayout> parse_bios_rom(std::span<const uint8_t> rom);

// The real-mode IVT (256 far pointers, 1 KiB at address 0): every vector at the ROM's default
// `iret`, the IRQ vectors (0x08-0x0F, 0x70-0x77) at handlers that also send the EOI, the served
// vectors at their stubs. int 0x1C stays a plain `iret`.
std::vector<uint8_t> build_bios_ivt(const BiosRomLayout& rom);

struct BiosTrapResult {
    uint8_t vector = 0;
    uint8_t ah = 0;          // AH at the call: the function asked for
    uint16_t caller_cs = 0;  // where the call came from: the `int` instruction (return address
    uint16_t caller_ip = 0;  // - 2), or for IRQ vectors the interrupted instruction
    BiosOutcome outcome = BiosOutcome::Done;
    bool segments_changed = false;  // DS or ES changed: the segment registers must be written
};

// Runs the trap on `state`, the vCPU at (or just past) the `out` of a stub: finds the vector from
// IP, calls bios_call() with the caller's registers (CS:IP, FLAGS and SP as the `int` pushed
// them at SS:SP), and updates `state`: the general registers and DS/ES from the service, IP at the
// stub's continuation (its wait loop for WaitForKey). CF and ZF go into the stacked FLAGS for
// the services (not for the IRQ vectors 0x08 and 0x09). SP, CS and the live FLAGS are not
// changed. Returns an error, leaving `state` and memory untouched, if the vCPU is not in real
// mode in a stub of the ROM or the interrupt frame is not RAM.
Result<BiosTrapResult> run_bios_trap(const BiosRomLayout& rom, CpuState& state, GuestMemory& memory,
                                     BiosContext& ctx);

}  // namespace svm
