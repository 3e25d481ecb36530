#include "core/bios/bios_keyboard_buffer.h"

#include "core/bios/bios_data_area.h"

namespace svm {

namespace {

struct Ring {
    uint16_t start, end;  // offsets from 0x400
};

// The buffer's bounds from 0x480/0x482; the default 0x1E-0x3E if the guest left them unusable
// (odd, reversed, or outside the BDA's 256 bytes), as a BIOS that never reads them would.
Ring ring(const GuestMemory& m) {
    uint16_t start = bda::read16(m, bda::kKbdBufferStart);
    uint16_t end = bda::read16(m, bda::kKbdBufferEnd);
    if (start < 0x1e || end > 0x100 || start + 4 > end || (start | end) & 1) return {0x1e, 0x3e};
    return {start, end};
}

// The slot after `offset`, wrapping; an offset outside the ring restarts at its start.
uint16_t next(Ring r, uint16_t offset) {
    if (offset < r.start || offset + 2 >= r.end) return r.start;
    return static_cast<uint16_t>(offset + 2);
}

bool inside(Ring r, uint16_t offset) {
    return offset >= r.start && offset < r.end && !(offset & 1);
}

}  // namespace

bool keyboard_buffer_push(GuestMemory& memory, uint16_t key) {
    Ring r = ring(memory);
    uint16_t head = bda::read16(memory, bda::kKbdHead);
    uint16_t tail = bda::read16(memory, bda::kKbdTail);
    if (!inside(r, tail)) tail = head = r.start;  // a broken pointer: start over, empty
    uint16_t after = next(r, tail);
    if (after == head) return false;
    bda::write16(memory, 0x400 + tail, key);
    bda::write16(memory, bda::kKbdHead, head);
    bda::write16(memory, bda::kKbdTail, after);
    return true;
}

std::optional<uint16_t> keyboard_buffer_peek(const GuestMemory& memory) {
    Ring r = ring(memory);
    uint16_t head = bda::read16(memory, bda::kKbdHead);
    uint16_t tail = bda::read16(memory, bda::kKbdTail);
    if (head == tail || !inside(r, head)) return std::nullopt;
    return bda::read16(memory, 0x400 + head);
}

std::optional<uint16_t> keyboard_buffer_pop(GuestMemory& memory) {
    auto key = keyboard_buffer_peek(memory);
    if (key) {
        Ring r = ring(memory);
        bda::write16(memory, bda::kKbdHead, next(r, bda::read16(memory, bda::kKbdHead)));
    }
    return key;
}

}  // namespace svm
