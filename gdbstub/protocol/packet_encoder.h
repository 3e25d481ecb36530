// Frames replies (GDB manual E.1 "Overview"): `$payload#xx` with `#`, `$`, `}` and `*` escaped
// as `}` + (c ^ 0x20), so binary replies (qXfer) survive; gdb's read loop undoes escapes for
// binary replies and those bytes never occur in the others. Optional run-length encoding.
#pragma once

#include <string>
#include <string_view>

namespace svm::gdb::protocol {

// Returns `$` + escaped (and, if `rle`, run-length encoded) payload + `#` + checksum.
std::string frame_packet(std::string_view payload, bool rle = false);

// Returns `payload` with `#$}*` escaped.
std::string escape_binary(std::string_view payload);

// Returns `escaped` run-length encoded: runs of 4+ equal characters become `c*n` with
// n = extra copies + 29, never producing `#` or `$` as the count (GDB manual E.1).
std::string run_length_encode(std::string_view escaped);

}  // namespace svm::gdb::protocol
