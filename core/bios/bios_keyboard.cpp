// int 0x16 (the keyboard services) and int 0x09 (the keyboard interrupt handler that fills the
// buffer they read). Sources: Ralf Brown's Interrupt List, INT 16 and INT 09; OSDev wiki "BIOS
// Data Area" (0x417, 0x418, 0x496, the buffer) and "PS/2 Keyboard"; IBM PC/AT Technical
// Reference, keyboard BIOS.
//
// Not provided: AH=0x03 (typematic rate), AH=0x12 (extended shift flags), the keyboard LEDs (the
// lock keys change the BDA flags but no command goes to the keyboard), Ctrl+Alt+Del, Ctrl+Break,
// Pause and SysRq (their codes are consumed and store no key), and the int 0x15 AH=0x4F
// keyboard intercept.
#include "core/bios/bios_data_area.h"
#include "core/bios/bios_key_translation.h"
#include "core/bios/bios_keyboard_buffer.h"
#include "core/bios/bios_registers.h"
#include "core/bios/bios_services.h"
#include "core/machine/pc/pc_layout.h"

namespace svm {

namespace {

using namespace bios;

// The key as the non-extended functions (AH=0x00/0x01) return it: the E0 marker of the
// enhanced keys becomes 0 (arrows: ASCII 0xE0 -> 0; keypad Enter and '/': scan code 0xE0 ->
// their own scan codes 0x1C and 0x35), as RBIL INT 16/AH=00h describes.
uint16_t standard_key(uint16_t key) {
    uint8_t scan = static_cast<uint8_t>(key >> 8);
    uint8_t ascii = static_cast<uint8_t>(key);
    if (scan == 0xe0)
        scan = ascii == '/' ? 0x35 : 0x1c;
    else if (ascii == 0xe0 && scan != 0)
        ascii = 0;
    return static_cast<uint16_t>(scan << 8 | ascii);
}

void set_bits(GuestMemory& m, uint64_t gpa, uint8_t bits, bool on) {
    uint8_t v = bda::read8(m, gpa);
    bda::write8(m, gpa, on ? (v | bits) : (v & ~bits));
}

// Updates the BDA shift state for a modifier or lock key; returns true if `code` was one.
bool track_modifier(GuestMemory& m, uint8_t code, bool extended) {
    bool release = code & 0x80;
    uint8_t make = code & 0x7f;
    switch (make) {
        case 0x2a:  // left shift (E0 2A: the fake shift of extended keys, ignored)
        case 0x36:  // right shift
            if (!extended)
                set_bits(m, bda::kShiftFlags, make == 0x2a ? bda::kLeftShift : bda::kRightShift,
                         !release);
            return true;
        case 0x1d:    // Ctrl (E0: right Ctrl)
        case 0x38: {  // Alt (E0: right Alt)
            bool ctrl = make == 0x1d;
            if (extended)
                set_bits(m, bda::kKbdStatus3, ctrl ? bda::kRightCtrlDown : bda::kRightAltDown,
                         !release);
            else
                set_bits(m, bda::kShiftFlags2, ctrl ? bda::kLeftCtrlDown : bda::kLeftAltDown,
                         !release);
            // 0x417's Ctrl/Alt bit: either side held.
            uint8_t left = bda::read8(m, bda::kShiftFlags2);
            uint8_t right = bda::read8(m, bda::kKbdStatus3);
            bool held = ctrl ? (left & bda::kLeftCtrlDown) || (right & bda::kRightCtrlDown)
                             : (left & bda::kLeftAltDown) || (right & bda::kRightAltDown);
            set_bits(m, bda::kShiftFlags, ctrl ? bda::kCtrl : bda::kAlt, held);
            return true;
        }
        case 0x3a:  // Caps Lock, Num Lock, Scroll Lock: toggle on the first make of a press
        case 0x45:
        case 0x46: {
            if (extended) return false;
            uint8_t down = make == 0x3a   ? bda::kCapsDown
                           : make == 0x45 ? bda::kNumDown
                                          : bda::kScrollDown;
            uint8_t lock = make == 0x3a   ? bda::kCapsLock
                           : make == 0x45 ? bda::kNumLock
                                          : bda::kScrollLock;
            bool was_down = bda::read8(m, bda::kShiftFlags2) & down;
            if (!release && !was_down)
                bda::write8(m, bda::kShiftFlags, bda::read8(m, bda::kShiftFlags) ^ lock);
            set_bits(m, bda::kShiftFlags2, down, !release);
            return true;
        }
        default:
            return false;
    }
}

}  // namespace

BiosOutcome bios_keyboard(CpuState& regs, BiosContext& ctx) {
    GuestMemory& m = ctx.memory;
    uint8_t function = hi8(regs.rax);
    switch (function) {
        case 0x00:
        case 0x10: {  // AX = the next key, removed; an empty buffer waits for one
            auto key = keyboard_buffer_pop(m);
            if (!key) return BiosOutcome::WaitForKey;
            set_lo16(regs.rax, function == 0x00 ? standard_key(*key) : *key);
            return BiosOutcome::Done;
        }
        case 0x01:
        case 0x11: {  // ZF = 1: no key; ZF = 0: AX = the next key, left in the buffer
            auto key = keyboard_buffer_peek(m);
            set_flag(regs, kZeroFlag, !key);
            if (key) set_lo16(regs.rax, function == 0x01 ? standard_key(*key) : *key);
            return BiosOutcome::Done;
        }
        case 0x02:
            set_lo8(regs.rax, bda::read8(m, bda::kShiftFlags));
            return BiosOutcome::Done;
        case 0x05:  // store CX as a key: AL = 0 stored, 1 buffer full
            set_lo8(regs.rax, keyboard_buffer_push(m, lo16(regs.rcx)) ? 0 : 1);
            return BiosOutcome::Done;
        default:
            set_carry(regs, true);
            return BiosOutcome::Unsupported;
    }
}

// int 0x09: one byte from the i8042 (port 0x60). E0 and E1 prefixes are remembered in BDA 0x496
// across interrupts; modifiers and lock keys update 0x417/0x418/0x496; other make codes are
// translated (bios_key_for_scancode) and stored, dropped when the buffer is full (a BIOS beeps;
// svm has no speaker). Insert also toggles 0x417 bit 7. Ends with a non-specific EOI to the
// master PIC (port 0x20).
BiosOutcome bios_keyboard_irq(CpuState& /*regs*/, BiosContext& ctx) {
    GuestMemory& m = ctx.memory;
    auto eoi = [&] {
        if (ctx.outb) ctx.outb(0x20, 0x20);
        return BiosOutcome::Done;
    };
    if (!ctx.inb) return eoi();
    uint8_t code = ctx.inb(pc::kI8042Data);
    uint8_t status3 = bda::read8(m, bda::kKbdStatus3);
    if (code == 0xe0) {
        bda::write8(m, bda::kKbdStatus3, status3 | bda::kLastE0);
        return eoi();
    }
    if (code == 0xe1) {
        bda::write8(m, bda::kKbdStatus3, status3 | bda::kInE1);
        return eoi();
    }
    bool extended = status3 & bda::kLastE0;
    bda::write8(m, bda::kKbdStatus3, status3 & ~bda::kLastE0);
    if (status3 & bda::kInE1) {  // Pause: E1 1D 45 E1 9D C5; the 45/C5 ends each half
        if ((code & 0x7f) == 0x45)
            bda::write8(m, bda::kKbdStatus3, status3 & ~(bda::kInE1 | bda::kLastE0));
        return eoi();
    }
    // Overrun, ACK, resend: not keys. (0xAA, "self-test passed", is also the left Shift break
    // code; it is taken as the latter, as the IBM BIOS does.)
    if (code == 0x00 || code == 0xff || code == 0xfa || code == 0xfe) return eoi();
    if (track_modifier(m, code, extended)) return eoi();
    if (code & 0x80) {  // the release of an ordinary key
        if ((code & 0x7f) == 0x52) set_bits(m, bda::kShiftFlags2, bda::kInsertDown, false);
        return eoi();
    }
    uint8_t flags = bda::read8(m, bda::kShiftFlags);
    auto key = bios_key_for_scancode(code, extended, flags);
    if (key && code == 0x52 && static_cast<uint8_t>(*key) != '0') {
        if (!(bda::read8(m, bda::kShiftFlags2) & bda::kInsertDown))
            bda::write8(m, bda::kShiftFlags, flags ^ bda::kInsert);
        set_bits(m, bda::kShiftFlags2, bda::kInsertDown, true);
    }
    if (key) (void)keyboard_buffer_push(m, *key);
    return eoi();
}

}  // namespace svm
