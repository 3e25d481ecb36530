// Hex and number helpers for packet payloads (GDB manual E.1 "Overview": numbers and memory are
// hex-encoded, most significant digit first for numbers, byte by byte for data).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace svm::gdb::protocol {

// Returns 0-15 for a hex digit (either case), -1 otherwise.
int hex_digit(char c);

// Returns the number in `text` (1-16 hex digits, nothing else), std::nullopt otherwise.
std::optional<uint64_t> parse_hex(std::string_view text);

// Returns the bytes of `text` (an even number of hex digits), std::nullopt otherwise.
std::optional<std::vector<uint8_t>> decode_hex(std::string_view text);

// Returns `bytes` as lowercase hex, two digits a byte.
std::string encode_hex(std::span<const uint8_t> bytes);
std::string encode_hex(std::string_view text);

// Splits `text` at the first `separator`: {before, after}; std::nullopt if it does not occur.
std::optional<std::pair<std::string_view, std::string_view>> split_once(std::string_view text,
                                                                        char separator);

}  // namespace svm::gdb::protocol
