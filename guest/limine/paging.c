/*
 * A 4- or 5-level page walk from CR3 (Intel SDM Vol. 3A, 4.5 "4-Level Paging and 5-Level
 * Paging"; CR4.LA57 selects 5-level, whose CR3 points at a PML5): the guest checks where
 * the loader mapped things instead of trusting the responses. The tables are read through the
 * HHDM: they lie in bootloader-reclaimable memory (PROTOCOL.md "Memory Layout at Entry"), which
 * every base revision maps there.
 */
#include "limine/limine_guest.h"

#define PTE_P 1ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000ffffffffff000ull

uint64_t translate(uint64_t virt) {
    uint64_t table = guest.cr3 & PTE_ADDR;
    for (int level = guest.cr4 & CR4_LA57 ? 5 : 4; level >= 1; --level) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t entry = rd64(hhdm_ptr(table + ((virt >> shift) & 511) * 8));
        if (!(entry & PTE_P)) return LIMINE_UNMAPPED;
        /* PS is reserved in PML4 and PML5 entries: only 1 GiB and 2 MiB pages (SDM 4.5.4). */
        if (level == 1 || ((level == 2 || level == 3) && (entry & PTE_PS))) {
            uint64_t size = 1ull << shift;
            return (entry & PTE_ADDR & ~(size - 1)) | (virt & (size - 1));
        }
        table = entry & PTE_ADDR;
    }
    return LIMINE_UNMAPPED;
}

int64_t maps_linearly(uint64_t virt, uint64_t phys, uint64_t len) {
    for (uint64_t off = 0; off < len; off += 4096)
        if (translate(virt + off) != phys + off) return (int64_t)off;
    return -1;
}
