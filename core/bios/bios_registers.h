// The register conventions of the BIOS services (bios_call.h): 8- and 16-bit views of the
// 64-bit registers of a CpuState, the carry and zero flags, and real-mode segment:offset
// addresses. Writes to a narrow view keep the other bits of the register, as the CPU does for
// AL/AH/AX/EAX in real mode (Intel SDM Vol. 1, 3.4.1 "General-Purpose Registers").
#pragma once

#include <cstdint>

#include "core/x86_64/cpu_state.h"

namespace svm::bios {

constexpr uint64_t kCarryFlag = 1ull << 0;  // CF: the service failed, AH = status
constexpr uint64_t kZeroFlag = 1ull << 6;   // ZF: int 0x16 AH=0x01 "no key"

inline uint8_t lo8(uint64_t reg) {
    return static_cast<uint8_t>(reg);
}
inline uint8_t hi8(uint64_t reg) {
    return static_cast<uint8_t>(reg >> 8);
}
inline uint16_t lo16(uint64_t reg) {
    return static_cast<uint16_t>(reg);
}
inline uint32_t lo32(uint64_t reg) {
    return static_cast<uint32_t>(reg);
}

inline void set_lo8(uint64_t& reg, uint8_t v) {
    reg = (reg & ~0xffull) | v;
}
inline void set_hi8(uint64_t& reg, uint8_t v) {
    reg = (reg & ~0xff00ull) | (uint64_t{v} << 8);
}
inline void set_lo16(uint64_t& reg, uint16_t v) {
    reg = (reg & ~0xffffull) | v;
}
inline void set_lo32(uint64_t& reg, uint32_t v) {
    reg = (reg & ~0xffffffffull) | v;
}

inline void set_flag(CpuState& regs, uint64_t flag, bool on) {
    regs.rflags = on ? (regs.rflags | flag) : (regs.rflags & ~flag);
}
inline void set_carry(CpuState& regs, bool on) {
    set_flag(regs, kCarryFlag, on);
}
inline bool carry(const CpuState& regs) {
    return regs.rflags & kCarryFlag;
}
inline bool zero(const CpuState& regs) {
    return regs.rflags & kZeroFlag;
}

// Clears CF and sets AH = 0: the "success" return of the disk and system services.
inline void succeed(CpuState& regs) {
    set_hi8(regs.rax, 0);
    set_carry(regs, false);
}
// Sets CF and AH = `status`: the "error" return (RBIL's status codes).
inline void fail(CpuState& regs, uint8_t status) {
    set_hi8(regs.rax, status);
    set_carry(regs, true);
}

// The guest-physical address of real-mode `segment`:`offset` (segment * 16 + offset, up to
// 0x10FFEF). Services take the segment register's selector, as a real-mode BIOS does: svm's
// BIOS is for real-mode callers, and the selector is what the caller loaded.
inline uint64_t real_address(uint16_t segment, uint16_t offset) {
    return uint64_t{segment} * 16 + offset;
}
inline uint64_t real_address(const Segment& segment, uint16_t offset) {
    return real_address(segment.selector, offset);
}

}  // namespace svm::bios
