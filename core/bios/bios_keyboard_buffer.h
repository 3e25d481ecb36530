// The BIOS keyboard buffer in the BDA: a ring of 16-bit keys (scan code << 8 | ASCII) between
// the offsets at 0x480 and 0x482 (normally 0x1E-0x3E, the 16 words at 0x41E), read at the head
// (0x41A) and written at the tail (0x41C), offsets from 0x400. Empty when head == tail; one slot
// stays free, so it holds 15 keys. Source: OSDev wiki "BIOS Data Area"; IBM PC/AT Technical
// Reference, keyboard buffer.
#pragma once

#include <cstdint>
#include <optional>

#include "core/guest_memory.h"

namespace svm {

// Appends `key` at the tail. Returns false (and stores nothing) if the buffer is full.
bool keyboard_buffer_push(GuestMemory& memory, uint16_t key);
// Returns the key at the head without removing it, or nullopt if the buffer is empty.
std::optional<uint16_t> keyboard_buffer_peek(const GuestMemory& memory);
// Removes and returns the key at the head, or nullopt if the buffer is empty.
std::optional<uint16_t> keyboard_buffer_pop(GuestMemory& memory);

}  // namespace svm
