/*
 * The memory map (PROTOCOL.md "Memory Map Feature") and what the HHDM maps per base revision
 * ("Memory Layout at Entry"; the contract's "Mapped in the HHDM per revision").
 */
#include "lib/console.h"
#include "limine/limine_guest.h"

#define TYPE(t) (1u << (t))
#define PAGE 4096ull
#define GIB4 0x100000000ull

const struct svm_limine_memmap_entry* memmap_entry(uint64_t i) {
    const uint64_t* list = (const uint64_t*)(uintptr_t)guest.memmap->entries;
    return (const struct svm_limine_memmap_entry*)(uintptr_t)list[i];
}

int memmap_covers(uint64_t base, uint64_t len, uint32_t type_mask) {
    if (!guest.memmap) return 0;
    uint64_t at = base, end = base + len;
    while (at < end) {
        const struct svm_limine_memmap_entry* hit = 0;
        for (uint64_t i = 0; i < guest.memmap->entry_count && !hit; ++i) {
            const struct svm_limine_memmap_entry* e = memmap_entry(i);
            if (e->type < 32 && (type_mask & TYPE(e->type)) && e->base <= at &&
                at - e->base < e->length)
                hit = e;
        }
        if (!hit) return 0;
        at = hit->base + hit->length;
    }
    return 1;
}

static int reclaimable_or_usable(uint64_t type) {
    return type == SVM_LIMINE_MEMMAP_USABLE || type == SVM_LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE;
}

void check_memmap(void) {
    const struct svm_limine_memmap_response* r =
        RESPONSE(struct svm_limine_memmap_response, req_memmap);
    if (!check(r != 0, "memmap response present")) return;
    guest.memmap = r;
    uint64_t n = r->entry_count;
    check(n > 0 && r->entries >= guest.hhdm, "memmap: %llu entries, array in the HHDM",
          (unsigned long long)n);
    int sorted = 1, aligned = 1, disjoint = 1, low_page_free = 1, types_known = 1;
    for (uint64_t i = 0; i < n; ++i) {
        const struct svm_limine_memmap_entry* e = memmap_entry(i);
        kprintf("  memmap[%llu] 0x%llx+0x%llx type %llu\n", (unsigned long long)i,
                (unsigned long long)e->base, (unsigned long long)e->length,
                (unsigned long long)e->type);
        if (e->type > (BASE_REVISION >= 4 ? 8u : 7u)) types_known = 0;
        if (i > 0 && memmap_entry(i - 1)->base >= e->base) sorted = 0;
        if (!reclaimable_or_usable(e->type)) continue;
        if ((e->base | e->length) % PAGE || e->length == 0) aligned = 0;
        if (e->type == SVM_LIMINE_MEMMAP_USABLE && e->base < 0x1000) low_page_free = 0;
        for (uint64_t j = 0; j < n; ++j) {
            const struct svm_limine_memmap_entry* o = memmap_entry(j);
            if (j != i && o->base < e->base + e->length && e->base < o->base + o->length)
                disjoint = 0;
        }
    }
    check(sorted, "memmap: sorted by base");
    check(types_known, "memmap: every type is one base revision %d defines", BASE_REVISION);
    check(aligned, "memmap: usable and bootloader-reclaimable entries are 4 KiB aligned");
    check(disjoint, "memmap: usable and bootloader-reclaimable entries overlap nothing");
    if (BASE_REVISION <= 2) check(low_page_free, "memmap: [0, 0x1000) is not usable");
}

/* Whether base revision BASE_REVISION maps an entry of `type` into the HHDM (wholly, at any
 * address; rev 1 and 2 map [0, 4 GiB) whatever the type, checked separately). */
static int hhdm_maps_type(uint64_t type) {
    if (BASE_REVISION == 0) return 1;
    if (BASE_REVISION <= 2)
        return type != SVM_LIMINE_MEMMAP_RESERVED && type != SVM_LIMINE_MEMMAP_BAD_MEMORY;
    uint32_t mask =
        TYPE(SVM_LIMINE_MEMMAP_USABLE) | TYPE(SVM_LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE) |
        TYPE(SVM_LIMINE_MEMMAP_EXECUTABLE_AND_MODULES) | TYPE(SVM_LIMINE_MEMMAP_FRAMEBUFFER);
    if (BASE_REVISION >= 4)
        mask |= TYPE(SVM_LIMINE_MEMMAP_RESERVED_MAPPED) | TYPE(SVM_LIMINE_MEMMAP_ACPI_RECLAIMABLE) |
                TYPE(SVM_LIMINE_MEMMAP_ACPI_NVS);
    return type < 32 && (mask & TYPE(type));
}

/* Samples the first, middle and last page of [base, base + len) (the HHDM maps whole pages,
 * overshooting unaligned ends); counts pages whose HHDM (or identity) address does not map to
 * them, printing the first. */
static unsigned sample_region(uint64_t base, uint64_t len, uint64_t virt_offset,
                              unsigned* samples) {
    uint64_t first = base & ~(PAGE - 1), last = (base + len - 1) & ~(PAGE - 1);
    uint64_t pages[3] = {first, (first + (last - first) / 2) & ~(PAGE - 1), last};
    unsigned bad = 0;
    for (int k = 0; k < 3; ++k) {
        ++*samples;
        uint64_t got = translate(virt_offset + pages[k]);
        if (got != pages[k] && bad++ == 0)
            kprintf("  0x%llx (phys 0x%llx) maps to 0x%llx\n",
                    (unsigned long long)(virt_offset + pages[k]), (unsigned long long)pages[k],
                    (unsigned long long)got);
    }
    return bad;
}

void check_hhdm_mappings(void) {
    if (!guest.memmap) return;
    unsigned samples = 0, bad = 0, regions = 0;
    for (uint64_t i = 0; i < guest.memmap->entry_count; ++i) {
        const struct svm_limine_memmap_entry* e = memmap_entry(i);
        if (e->length == 0 || !hhdm_maps_type(e->type)) continue;
        ++regions;
        bad += sample_region(e->base, e->length, guest.hhdm, &samples);
    }
    check(bad == 0,
          "hhdm: %u regions of the types base revision %d maps: %u of %u sampled pages "
          "map to HHDM + phys",
          regions, BASE_REVISION, samples - bad, samples);
    if (BASE_REVISION <= 2) {
        /* [0, 4 GiB) every 64 MiB, and the LAPIC, I/O APIC and top pages. */
        unsigned s = 0, b = 0;
        for (uint64_t p = 0; p < GIB4; p += 64ull << 20)
            b += sample_region(p, PAGE, guest.hhdm, &s);
        b += sample_region(0xFEC00000ull, PAGE, guest.hhdm, &s);
        b += sample_region(0xFEE00000ull, PAGE, guest.hhdm, &s);
        b += sample_region(GIB4 - PAGE, PAGE, guest.hhdm, &s);
        check(b == 0, "hhdm: [0, 4 GiB) mapped (%u of %u sampled pages)", s - b, s);
    }
    if (BASE_REVISION == 0) {
        unsigned s = 0, b = 0;
        for (uint64_t p = 0x1000; p < GIB4; p += 64ull << 20) b += sample_region(p, PAGE, 0, &s);
        b += sample_region(GIB4 - PAGE, PAGE, 0, &s);
        for (uint64_t i = 0; i < guest.memmap->entry_count; ++i) {
            const struct svm_limine_memmap_entry* e = memmap_entry(i);
            if (e->length && e->base + e->length > 0x1000) {
                uint64_t base = e->base < 0x1000 ? 0x1000 : e->base;
                b += sample_region(base, e->base + e->length - base, 0, &s);
            }
        }
        check(b == 0, "identity map: [0x1000, 4 GiB) and every region (%u of %u sampled pages)",
              s - b, s);
    }
}
