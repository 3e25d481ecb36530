#include "core/x86_64/boot_page_tables.h"

#include <array>
#include <vector>

#include "svm/machine.h"

namespace svm {

namespace {

// Entry bits (SDM Vol. 3A, 4.5, Tables 4-15 to 4-20).
constexpr uint64_t P = 1ull << 0;
constexpr uint64_t RW = 1ull << 1;
constexpr uint64_t PS = 1ull << 7;
constexpr uint64_t ADDR_MASK = 0x000F'FFFF'FFFF'F000ull;
constexpr uint64_t PAGE = 4096;
constexpr uint64_t LARGE = 2ull << 20;

// Builds the tables in host memory first, with unlimited pages at the addresses they will have in
// the pool, so that running out of pool can report how many pages the mappings really need.
class TableBuilder {
public:
    // `levels`: 4 (the root is a PML4) or 5 (a PML5; SDM Vol. 3A, 4.5.1).
    TableBuilder(uint64_t pool, int levels) : pool_(pool), levels_(levels) { allocate(); }

    size_t page_count() const { return pages_.size(); }
    const std::array<uint64_t, 512>& page(size_t i) const { return pages_[i]; }

    void map_2m(uint64_t vaddr, uint64_t paddr) {
        size_t pd = table_for(vaddr, 2);
        pages_[pd][(vaddr >> 21) & 0x1ff] = paddr | P | RW | PS;
    }

    void map_4k(uint64_t vaddr, uint64_t paddr) {
        size_t pt = table_for(vaddr, 1);
        pages_[pt][(vaddr >> 12) & 0x1ff] = paddr | P | RW;
    }

private:
    uint64_t address(size_t index) const { return pool_ + index * PAGE; }

    size_t allocate() {
        pages_.emplace_back();
        pages_.back().fill(0);
        return pages_.size() - 1;
    }

    // Returns the index of the table at `level` (4 = PML4, 3 = PDPT, 2 = PD, 1 = PT) that maps
    // `vaddr`,
    // creating missing tables and splitting a large page that is in the way.
    size_t table_for(uint64_t vaddr, int level) {
        size_t table = 0;
        for (int parent = levels_; parent > level; --parent)
            table = child(table, (vaddr >> (12 + 9 * (parent - 1))) & 0x1ff, parent);
        return table;
    }

    // Returns the index of the table that entry `slot` of `table` (at `level`) points to. Pages are
    // addressed by index, not reference: allocate() may move them.
    size_t child(size_t table, size_t slot, int level) {
        const uint64_t entry = pages_[table][slot];
        if ((entry & P) && !(entry & PS)) return ((entry & ADDR_MASK) - pool_) / PAGE;
        const size_t fresh = allocate();
        if (entry & PS) {
            // Split a large page into the next level's pages with the same physical range and
            // flags (SDM Vol. 3A, 4.5.4: PS is the page-size bit at levels 3 and 2 only).
            const uint64_t size = 1ull << (12 + 9 * (level - 1));
            const uint64_t sub = size / 512;
            const uint64_t base = entry & ADDR_MASK & ~(size - 1);
            const uint64_t flags = (entry & 0xfff & ~PS) | (level - 1 > 1 ? PS : 0);
            for (uint64_t i = 0; i < 512; ++i) pages_[fresh][i] = (base + i * sub) | flags;
        }
        pages_[table][slot] = address(fresh) | P | RW;
        return fresh;
    }

    uint64_t pool_;
    int levels_;
    std::vector<std::array<uint64_t, 512>> pages_;
};

// SDM Vol. 1, 3.3.7.1: bits 63 down to the top implemented bit (47, or 56 with 5-level paging)
// are all equal.
bool canonical(uint64_t vaddr, int levels) {
    const int unused = levels == 5 ? 7 : 16;
    return static_cast<uint64_t>(static_cast<int64_t>(vaddr << unused) >> unused) == vaddr;
}

Result<void> check_mapping(const VirtualMapping& m, int levels) {
    if (m.size - 1 > ~0ull - m.vaddr)
        return error("mapping {:#x} -> {:#x} ({:#x} bytes) overflows the virtual address space",
                     m.vaddr, m.paddr, m.size);
    uint64_t last = m.vaddr + (m.size - 1);
    // Both ends canonical and in the same half: the range does not cross the non-canonical hole.
    if (!canonical(m.vaddr, levels) || !canonical(last, levels) || (m.vaddr >> 63) != (last >> 63))
        return error("mapping {:#x}-{:#x} is not canonical ({}-level paging: bits 63:{} must be "
                     "equal)",
                     m.vaddr, last, levels, levels == 5 ? 56 : 47);
    if (m.paddr >= (1ull << 52) || m.size > (1ull << 52) - m.paddr)
        return error(
            "mapping {:#x} -> {:#x} ({:#x} bytes) overflows the 52-bit physical "
            "address space",
            m.vaddr, m.paddr, m.size);
    if ((m.vaddr ^ m.paddr) & (PAGE - 1))
        return error(
            "mapping {:#x} -> {:#x} cannot be paged: virtual and physical addresses have "
            "different offsets within a 4 KiB page",
            m.vaddr, m.paddr);
    return {};
}

}  // namespace

Result<uint64_t> build_boot_page_tables(GuestMemory& mem, std::span<const VirtualMapping> mappings,
                                        uint64_t pool, uint64_t pool_pages, int levels) {
    if (levels != 4 && levels != 5) return error("{}-level paging does not exist", levels);
    for (const auto& m : mappings)
        if (m.size != 0) TRY(check_mapping(m, levels));

    TableBuilder tables(pool, levels);
    for (uint64_t addr = 0; addr < (4ull << 30); addr += LARGE) tables.map_2m(addr, addr);

    for (const auto& m : mappings) {
        if (m.size == 0) continue;
        uint64_t vstart = m.vaddr & ~(PAGE - 1);
        uint64_t pstart = m.paddr & ~(PAGE - 1);
        // One past the last byte, rounded up; 0 when the range ends at the top of the space.
        uint64_t vend = (m.vaddr + (m.size - 1)) | (PAGE - 1);
        for (uint64_t v = vstart;;) {
            uint64_t p = pstart + (v - vstart);
            bool whole_large = (v % LARGE) == 0 && (p % LARGE) == 0 && vend - v >= LARGE - 1;
            uint64_t step = whole_large ? LARGE : PAGE;
            if (whole_large)
                tables.map_2m(v, p);
            else
                tables.map_4k(v, p);
            if (vend - v <= step - 1) break;  // v + step - 1 reached the last page's last byte
            v += step;
        }
    }

    const size_t used = tables.page_count();
    if (used > pool_pages)
        return error(
            "boot page tables need {} pages, but svm's pool at {:#x}-{:#x} holds {}: map "
            "fewer or 2 MiB-aligned kernel segments",
            used, pool, pool + pool_pages * PAGE, pool_pages);
    if (!mem.contains(pool, used * PAGE))
        return error("guest RAM ({:#x} bytes) does not hold the boot page tables at {:#x}",
                     mem.size(), pool);
    for (size_t i = 0; i < used; ++i) {
        const auto& page = tables.page(i);
        TRY(mem.write(pool + i * PAGE,
                      std::span(reinterpret_cast<const uint8_t*>(page.data()), PAGE)));
    }
    return pool;
}

}  // namespace svm
