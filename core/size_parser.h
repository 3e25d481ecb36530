// Parsers for command-line sizes ("128M") and addresses ("0x100000").
#pragma once

#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace svm {

// Parses a byte count: a decimal or 0x-hex number with an optional K, M or G suffix (powers of
// 1024; "KiB"/"MiB"/"GiB" and "B" accepted too). Returns an error for anything else or overflow.
Result<uint64_t> parse_size(std::string_view text);

// Parses an address: decimal, or hex with a 0x prefix. Returns an error for anything else.
Result<uint64_t> parse_address(std::string_view text);

}  // namespace svm
