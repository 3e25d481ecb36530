// The 4-level (or, for a Limine executable that asks, 5-level) page tables svm builds for long-mode starts (ELF64 kernels): an identity map of the
// low 4 GiB plus the kernel's own virtual mappings (a higher-half kernel at 0xFFFFFFFF80000000).
// The tables live in a pool svm reserves (BootLayout::page_tables) and are replaced
// by the guest as soon as it loads its own CR3.
#pragma once

#include <svm/machine.h>

#include <cstdint>
#include <span>

#include "core/guest_memory.h"
#include "core/result.h"
#include "core/x86_64/virtual_mapping.h"

namespace svm {

// Pages in the default boot page-table pool: 0x91000 up to the EBDA's page 0x9F000.
constexpr uint64_t kBootPageTablePoolPages = 14;

// Writes 4-level page tables into the pool [pool, pool + pool_pages * 4 KiB) (page-aligned;
// BootLayout::page_tables, default SVM_PAGE_TABLES_ADDR) that identity-map
// [0, 4 GiB) with 2 MiB pages (present, writable, supervisor), then add every mapping in `mappings`
// (vaddr -> paddr, size), overriding the identity map where they overlap: 2 MiB pages where vaddr
// and paddr are 2 MiB aligned and the mapping covers the whole 2 MiB, 4 KiB pages elsewhere
// (splitting a 2 MiB page into a page table when needed). A mapping is widened to whole 4 KiB
// pages; vaddr and paddr must therefore have the same offset within a page. Zero-size mappings are
// skipped. The pages used are written whole (zeroes included); the rest of the pool is untouched.
// Returns the CR3 value on success, or an error naming the mapping that is non-canonical, overflows
// or is misaligned, or saying how many pages the tables need if the pool is too small.
// With `levels` 5 the root is a PML5 (for CR4.LA57, SDM Vol. 3A, 4.5) and mappings may use 57-bit
// canonical addresses.
Result<uint64_t> build_boot_page_tables(GuestMemory& mem, std::span<const VirtualMapping> mappings,
                                        uint64_t pool = SVM_PAGE_TABLES_ADDR,
                                        uint64_t pool_pages = kBootPageTablePoolPages,
                                        int levels = 4);

}  // namespace svm
