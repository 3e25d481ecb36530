// Every present mapping of a vCPU's page tables, in ascending linear order: what `monitor info
// mem` and `monitor info tlb` print. Walks the whole paging hierarchy (Intel SDM Vol. 3A, 4.3
// 32-bit paging, 4.4 PAE paging, 4.5 4-level and 5-level paging), skipping non-present entries at
// every level, so an empty 256 TiB half of the address space costs one read per empty entry of
// the top table, never one per 4 KiB page.
#pragma once

#include <cstdint>
#include <functional>

#include "core/guest_memory.h"
#include "core/x86_64/page_walker.h"

namespace svm {

// One leaf of the walk: a 4 KiB page, or a 2 MiB, 4 MiB or 1 GiB large page.
struct PageMapping {
    uint64_t linear = 0;  // guest-virtual, canonical (sign-extended) in 4- and 5-level paging
    uint64_t size = 0;    // bytes: 4 KiB, 2 MiB, 4 MiB or 1 GiB
    uint64_t gpa = 0;     // guest-physical address of the page frame
    uint64_t entry = 0;   // the leaf entry as read (4-byte entries zero-extended)
    bool large = false;   // the leaf is a PDE/PDPTE with PS = 1
    // Rights accumulated over every level (SDM Vol. 3A, 4.6): R/W and U/S are ANDed, XD is ORed
    // (XD only counts with EFER.NXE; PAE PDPTEs carry none of these bits).
    bool writable = false, user = false, nx = false;
};

// Calls `fn` for every present leaf of the tables `regs` selects, in ascending linear order,
// until it returns false. Entries of tables that lie outside guest RAM count as not present.
// Returns the paging mode walked; PagingMode::None (paging off) calls `fn` never.
PagingMode for_each_mapping(const GuestMemory& mem, const PagingRegs& regs,
                            const std::function<bool(const PageMapping&)>& fn);

}  // namespace svm
