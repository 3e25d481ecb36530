// The guest's own page tables, walked in software: linear -> guest-physical translation for the
// debugger (`monitor translate`, memory reads at virtual addresses), hypercall pointers and crash
// reports. Follows Intel SDM Vol. 3A, chapter 4 "Paging" (4.3 32-bit, 4.4 PAE, 4.5 4-level and
// 5-level). Every table entry is read through GuestMemory: a table outside RAM is an error, never a
// crash.
//
// This is a debugger's view, not a CPU model: reserved bits are masked off rather than faulted on
// (4.5.4 would raise #PF with RSVD), accessed/dirty bits are never set, and protection keys, SMEP,
// SMAP and CR0.WP are not applied. Permissions are reported so a caller can apply them.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/result.h"
#include "core/x86_64/cpu_state.h"

namespace svm {

// The registers that select and root the paging structures (SDM Vol. 3A, 4.1.1).
struct PagingRegs {
    uint64_t cr0 = 0, cr3 = 0, cr4 = 0, efer = 0;
    static PagingRegs from(const CpuState& state);
};

// SDM Vol. 3A, Table 4-1: none (CR0.PG = 0), 32-bit, PAE, 4-level and 5-level paging.
enum class PagingMode { None, Bits32, Pae, Level4, Level5 };

// Returns the paging mode CR0.PG, CR4.PAE, CR4.LA57 and EFER.LMA select.
PagingMode paging_mode(const PagingRegs& regs);

// Returns "off", "32-bit", "PAE", "4-level" or "5-level".
const char* to_string(PagingMode mode);

// One paging-structure entry the walk read. `level` is 5 (PML5E), 4 (PML4E), 3 (PDPTE), 2 (PDE) or
// 1 (PTE); `index` is the entry's index in its table; 32-bit paging entries are 4 bytes wide.
struct PageWalkStep {
    int level = 0;
    uint64_t entry_gpa = 0;
    uint64_t entry = 0;
    uint32_t index = 0;
};

struct Translation {
    uint64_t gpa = 0;
    uint64_t page_size = 0;  // 4 KiB, 2 MiB, 4 MiB or 1 GiB (4 KiB when paging is off)
    bool writable = true, user = true, executable = true;
    std::vector<PageWalkStep> steps;  // top level first; empty when paging is off
    PagingMode mode = PagingMode::None;
    uint64_t linear = 0;  // the (truncated, in 32-bit modes) linear address translated
};

// Returns the name of a paging-structure entry at `level` (5..1): "PML5E" ... "PTE".
const char* entry_name(int level);

// Returns the translation of `linear`, or an error naming the level and entry that is not present,
// the table that lies outside RAM, or the non-canonical address. Outside 4- and 5-level paging the
// linear address is truncated to 32 bits, as the CPU does (SDM Vol. 3A, 4.1.1).
Result<Translation> translate(const GuestMemory& mem, const PagingRegs& regs, uint64_t linear);

// Reads `out.size()` bytes at linear address `linear`, translating each page separately. Returns
// the number of bytes read before the first unmapped page (or page outside RAM); if not even the
// first byte can be read, returns that page's translation error instead. An empty `out` reads 0.
Result<size_t> read_linear(const GuestMemory& mem, const PagingRegs& regs, uint64_t linear,
                           std::span<uint8_t> out);

// Writes `in` at linear address `linear`, like read_linear. Ignores the R/W bit: this is the
// debugger or the hypervisor writing. Returns the number of bytes written, or the first page's
// error if nothing could be written.
Result<size_t> write_linear(GuestMemory& mem, const PagingRegs& regs, uint64_t linear,
                            std::span<const uint8_t> in);

// Returns one line per paging-structure entry ("PML4E[0x1ff] @0x91ff8 = 0x92003 P W") and a last
// line with the result ("=> 4 KiB page, linear 0x... -> physical 0x... (W U X)").
std::string describe_walk(const Translation& translation);

}  // namespace svm
