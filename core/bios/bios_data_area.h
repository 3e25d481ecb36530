// The BIOS data area fields the services read and keep up to date, as guest-physical addresses
// (OSDev wiki "BIOS Data Area"; IBM PC/AT Technical Reference, "BIOS data area"). svm writes the
// initial values (core/machine/bios_tables.h, build_bios_data_area). Every access goes through
// GuestMemory; RAM always holds [0x400, 0x500) (it is at least one page), so the accessors
// cannot fail and read 0 / drop the write if it ever did.
#pragma once

#include <cstdint>

#include "core/guest_memory.h"

namespace svm::bda {

constexpr uint64_t kEquipment = 0x410;         // word: equipment list (int 0x11)
constexpr uint64_t kBaseMemoryKib = 0x413;     // word: conventional memory in KiB (int 0x12)
constexpr uint64_t kShiftFlags = 0x417;        // byte: shift/ctrl/alt/lock state (int 0x16 AH=2)
constexpr uint64_t kShiftFlags2 = 0x418;       // byte: left ctrl/alt, lock keys held down
constexpr uint64_t kKbdHead = 0x41a;           // word: offset from 0x400 of the next key to read
constexpr uint64_t kKbdTail = 0x41c;           // word: offset from 0x400 of the next free slot
constexpr uint64_t kKbdBuffer = 0x41e;         // 16 words: the default keyboard buffer
constexpr uint64_t kFloppyLastStatus = 0x441;  // byte: int 0x13 status of the last floppy call
constexpr uint64_t kVideoMode = 0x449;         // byte: current video mode
constexpr uint64_t kVideoColumns = 0x44a;      // word: text columns
constexpr uint64_t kVideoPageSize = 0x44c;     // word: bytes per page
constexpr uint64_t kVideoPageStart = 0x44e;    // word: offset of the active page in video RAM
constexpr uint64_t kCursorPos = 0x450;         // 8 words, one per page: column (low), row (high)
constexpr uint64_t kCursorShape = 0x460;       // word: end scan line (low), start (high)
constexpr uint64_t kActivePage = 0x462;        // byte
constexpr uint64_t kTicks = 0x46c;             // dword: timer ticks since midnight
constexpr uint64_t kMidnight = 0x470;          // byte: non-zero once the tick count passed 24 h
constexpr uint64_t kDiskLastStatus = 0x474;    // byte: int 0x13 status of the last hard disk call
constexpr uint64_t kHardDiskCount = 0x475;     // byte
constexpr uint64_t kKbdBufferStart = 0x480;    // word: offset from 0x400 of the keyboard buffer
constexpr uint64_t kKbdBufferEnd = 0x482;      // word: offset from 0x400 one past its end
constexpr uint64_t kVideoRowsMinus1 = 0x484;   // byte
constexpr uint64_t kKbdStatus3 = 0x496;        // byte: bit 1 last code E0, bit 0 in an E1 code,
                                               // bit 2 right ctrl, bit 3 right alt, bit 4 101-key

// Shift flag bits at 0x417 (the value int 0x16 AH=0x02 returns).
constexpr uint8_t kRightShift = 0x01, kLeftShift = 0x02, kCtrl = 0x04, kAlt = 0x08;
constexpr uint8_t kScrollLock = 0x10, kNumLock = 0x20, kCapsLock = 0x40, kInsert = 0x80;
// Bits at 0x418: keys held down.
constexpr uint8_t kLeftCtrlDown = 0x01, kLeftAltDown = 0x02, kScrollDown = 0x10;
constexpr uint8_t kNumDown = 0x20, kCapsDown = 0x40, kInsertDown = 0x80;
// Bits at 0x496.
constexpr uint8_t kInE1 = 0x01, kLastE0 = 0x02, kRightCtrlDown = 0x04, kRightAltDown = 0x08;

inline uint8_t read8(const GuestMemory& m, uint64_t gpa) {
    return m.read_obj<uint8_t>(gpa).value_or(0);
}
inline uint16_t read16(const GuestMemory& m, uint64_t gpa) {
    return m.read_obj<uint16_t>(gpa).value_or(0);
}
inline uint32_t read32(const GuestMemory& m, uint64_t gpa) {
    return m.read_obj<uint32_t>(gpa).value_or(0);
}
inline void write8(GuestMemory& m, uint64_t gpa, uint8_t v) {
    (void)m.write_obj(gpa, v);
}
inline void write16(GuestMemory& m, uint64_t gpa, uint16_t v) {
    (void)m.write_obj(gpa, v);
}
inline void write32(GuestMemory& m, uint64_t gpa, uint32_t v) {
    (void)m.write_obj(gpa, v);
}

}  // namespace svm::bda
