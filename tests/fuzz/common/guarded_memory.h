// Guest RAM for fuzz targets. AddressSanitizer does not watch mmap'd memory, so each GuestMemory
// here has an inaccessible guard region right below and right above it: a write that escapes the
// bounds-checked accessor (core/guest_memory.h) faults at once instead of landing in whatever is
// mapped next to guest RAM. One memory per size lives for the whole process and is zeroed again
// (MADV_DONTNEED: only the pages an input touched cost anything) for every input.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "core/guest_memory.h"

namespace svm::fuzz {

// Bytes of PROT_NONE memory on each side of guest RAM.
constexpr uint64_t kGuardSize = 1ull << 20;

// The guarded guest memory of `size` bytes (a multiple of 4 KiB), all zeroes. Aborts if the
// guards cannot be placed (they can on any Linux since 4.17).
GuestMemory& fresh_memory(uint64_t size);

// A guest-physical range [base, base + size).
struct GpaRange {
    uint64_t base = 0;
    uint64_t size = 0;
    bool contains(uint64_t gpa) const { return gpa >= base && gpa - base < size; }
};

// The first guest-physical address holding a non-zero byte outside every range in `allowed`, or
// nullopt. Pages never touched since fresh_memory() are skipped without being read.
std::optional<uint64_t> first_nonzero_outside(const GuestMemory& memory,
                                              std::span<const GpaRange> allowed);

}  // namespace svm::fuzz
