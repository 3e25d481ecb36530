/*
 * A 4-level page walk from CR3 (Intel SDM Vol. 3A, 4.5 "4-Level Paging"): the guest checks where
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
    for (int level = 4; level >= 1; --level) {
        unsigned shift = 12 + 9 * (level - 1);
        uint64_t entry = rd64(hhdm_ptr(table + ((virt >> shift) & 511) * 8));
        if (!(entry & PTE_P)) return LIMINE_UNMAPPED;
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
