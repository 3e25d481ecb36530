// Bits of a paging-structure entry (Intel SDM Vol. 3A, 4.3 Tables 4-4..4-6 for 32-bit paging,
// 4.5 Tables 4-15..4-20 for 4- and 5-level paging; PAE entries use the same low bits and XD).
#pragma once

#include <cstdint>

namespace svm::pte {

constexpr uint64_t kPresent = 1ull << 0;
constexpr uint64_t kWritable = 1ull << 1;
constexpr uint64_t kUser = 1ull << 2;
constexpr uint64_t kWriteThrough = 1ull << 3;
constexpr uint64_t kCacheDisable = 1ull << 4;
constexpr uint64_t kAccessed = 1ull << 5;
constexpr uint64_t kDirty = 1ull << 6;
constexpr uint64_t kPageSize = 1ull << 7;  // in a PDE or PDPTE: maps a large page
constexpr uint64_t kGlobal = 1ull << 8;
constexpr uint64_t kNoExecute = 1ull << 63;
// Physical-address bits of an entry with MAXPHYADDR 52: bits 51:12. Bits 62:52 are ignored or
// protection keys, bit 63 is XD; none of them is part of the address.
constexpr uint64_t kAddressMask = 0x000F'FFFF'FFFF'F000ull;

}  // namespace svm::pte
