// `monitor xp /FMT ADDR` (guest-physical) and `monitor x /FMT ADDR` (guest-virtual), in the shape
// of QEMU's HMP memory_dump (QEMU monitor/hmp-cmds-target.c).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace svm {

// QEMU's /FMT: a count, a format letter (x hex, d signed, u unsigned, o octal, c character,
// i instruction) and a unit size letter (b 1, h 2, w 4, g 8 bytes), in any order after '/'.
struct DumpFormat {
    uint64_t count = 1;
    char format = 'x';
    size_t size = 4;          // bytes per unit
    bool size_given = false;  // for 'i': h = 16-bit, w = 32-bit, g = 64-bit code
};

struct DumpRequest {
    DumpFormat format;
    uint64_t address = 0;
};

// Parses "ADDR" or "/FMT ADDR" (ADDR decimal or 0x-hex). Returns an error naming the problem:
// an unknown letter, a missing or malformed address, a zero count.
Result<DumpRequest> parse_dump_request(std::string_view args);

// Reads up to out.size() bytes at `address` into `out`; returns how many leading bytes it could
// read (0 if none): the rest lies outside RAM or in an unmapped page.
using DumpReader = std::function<size_t(uint64_t address, std::span<uint8_t> out)>;

// The most bytes one dump shows; a larger count is cut, with a note.
constexpr uint64_t kMaxDumpBytes = 64 * 1024;

// Formats the dump as QEMU does: lines of 16 bytes (8 for byte units), each "ADDR:" (16 hex digits)
// then the units (" 0x%0Nx", signed/unsigned decimal or octal padded to the unit's widest value,
// or 'c' quoted characters); 'i' prints "0xADDR:  instruction" per instruction, decoded as
// `code_bits`-bit code unless the size letter chose (h 16, w 32, g 64). Where the reader stops
// short, a last line "ADDR: `unreadable`" says why the dump ended.
std::string format_memory_dump(const DumpRequest& request, const DumpReader& read, int code_bits,
                               std::string_view unreadable);

}  // namespace svm
