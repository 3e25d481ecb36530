/*
 * The RSDP response and the ACPI tables behind it (PROTOCOL.md "RSDP Feature"; ACPI 6.5, 5.2.5
 * RSDP, 5.2.7 RSDT, 5.2.8 XSDT, 5.2.9 FADT, 5.2.10 FACS, 5.2.12 MADT) and the I/O APICs the MADT
 * lists, whose redirection entries must all be masked (82093AA data sheet, 3.2.4).
 * The response is a physical address for base revision 3 only, an HHDM address otherwise. Tables
 * are read through the HHDM except in revision 3, which does not map ACPI memory there; it reads
 * them through svm's identity map of the low 4 GiB.
 */
#include "lib/console.h"
#include "lib/mem.h"
#include "limine/limine_guest.h"

#define ACPI_TYPES                                                                     \
    ((1u << SVM_LIMINE_MEMMAP_ACPI_RECLAIMABLE) | (1u << SVM_LIMINE_MEMMAP_ACPI_NVS) | \
     (1u << SVM_LIMINE_MEMMAP_RESERVED_MAPPED))

static const uint8_t* acpi_ptr(uint64_t phys) {
    return (const uint8_t*)(uintptr_t)(BASE_REVISION == 3 ? phys : guest.hhdm + phys);
}

static unsigned tables, misplaced;

/* Counts one table at `phys` of `len` bytes and, from revision 4 on, checks it lies in ACPI
 * memory (the contract's "ACPI tables ... lie in type 2/3/8 regions"). */
static void note_table(const char* sig, uint64_t phys, uint64_t len) {
    ++tables;
    if (BASE_REVISION >= 4 && !memmap_covers(phys, len, ACPI_TYPES) && misplaced++ == 0) {
        char name[5] = {sig[0], sig[1], sig[2], sig[3], 0};
        kprintf("  %s at 0x%llx+0x%llx is not in an ACPI memory map entry\n", name,
                (unsigned long long)phys, (unsigned long long)len);
    }
}

static void note_ioapics(const uint8_t* madt) {
    uint32_t len = rd32(madt + 4);
    for (uint32_t at = 44; at + 2 <= len;) {
        uint8_t type = madt[at], elen = madt[at + 1];
        if (elen < 2) break;
        if (type == 1 && elen >= 12 && guest.ioapic_count < 4)
            guest.ioapic[guest.ioapic_count++] = rd32(madt + at + 4);
        at += elen;
    }
}

static void walk_table(uint64_t phys) {
    const uint8_t* t = acpi_ptr(phys);
    uint32_t len = rd32(t + 4);
    note_table((const char*)t, phys, len);
    if (memcmp(t, "APIC", 4) == 0) note_ioapics(t);
    if (memcmp(t, "FACP", 4) != 0) return;
    uint64_t facs = rd32(t + 36), dsdt = rd32(t + 40);
    if (len >= 148) {
        if (rd64(t + 132)) facs = rd64(t + 132);
        if (rd64(t + 140)) dsdt = rd64(t + 140);
    }
    if (facs) note_table("FACS", facs, rd32(acpi_ptr(facs) + 4));
    if (dsdt) note_table("DSDT", dsdt, rd32(acpi_ptr(dsdt) + 4));
}

void check_acpi(void) {
    const struct svm_limine_rsdp_response* r = RESPONSE(struct svm_limine_rsdp_response, req_rsdp);
    if (!check(r != 0, "rsdp response present")) return;
    uint64_t phys;
    if (BASE_REVISION == 3) {
        check(r->address < guest.hhdm, "rsdp: physical address 0x%llx (base revision 3)",
              (unsigned long long)r->address);
        phys = r->address;
    } else {
        check(r->address >= guest.hhdm, "rsdp: HHDM address 0x%llx",
              (unsigned long long)r->address);
        phys = r->address - guest.hhdm;
    }
    /* Read through the address as given: the HHDM (or, for revision 3, the identity map). */
    const uint8_t* rsdp = (const uint8_t*)(uintptr_t)r->address;
    if (!check(memcmp(rsdp, "RSD PTR ", 8) == 0, "rsdp: signature \"RSD PTR \" read through %s",
               BASE_REVISION == 3 ? "the identity map" : "the HHDM"))
        return;
    uint8_t sum = 0;
    for (int i = 0; i < 20; ++i) sum = (uint8_t)(sum + rsdp[i]);
    check(sum == 0, "rsdp: checksum of the first 20 bytes is 0");

    tables = misplaced = 0;
    note_table("RSD ", phys, rsdp[15] >= 2 ? rd32(rsdp + 20) : 20);
    uint64_t xsdt = rsdp[15] >= 2 ? rd64(rsdp + 24) : 0;
    uint64_t root = xsdt ? xsdt : rd32(rsdp + 16);
    unsigned width = xsdt ? 8 : 4;
    const uint8_t* rt = acpi_ptr(root);
    check(memcmp(rt, xsdt ? "XSDT" : "RSDT", 4) == 0, "acpi: %s at 0x%llx", xsdt ? "XSDT" : "RSDT",
          (unsigned long long)root);
    uint32_t len = rd32(rt + 4);
    note_table((const char*)rt, root, len);
    for (uint32_t at = 36; at + width <= len; at += width)
        walk_table(width == 8 ? rd64(rt + at) : rd32(rt + at));
    if (BASE_REVISION >= 4)
        check(misplaced == 0,
              "acpi: %u of %u tables (RSDP, root, tables, FACS, DSDT) lie in ACPI "
              "reclaimable/NVS/reserved-mapped entries",
              tables - misplaced, tables);
    else
        check(tables > 2, "acpi: %u tables found", tables);
}

void check_ioapics(void) {
    if (!check(guest.ioapic_count > 0, "ioapic: %u listed in the MADT", guest.ioapic_count)) return;
    for (unsigned i = 0; i < guest.ioapic_count; ++i) {
        volatile uint32_t* sel = (volatile uint32_t*)(uintptr_t)guest.ioapic[i];
        volatile uint32_t* win = (volatile uint32_t*)(uintptr_t)(guest.ioapic[i] + 0x10);
        *sel = 1;
        unsigned entries = ((*win >> 16) & 0xFF) + 1, unmasked = 0;
        for (unsigned e = 0; e < entries; ++e) {
            *sel = 0x10 + 2 * e;
            if (!((*win >> 16) & 1)) ++unmasked;
        }
        check(unmasked == 0, "ioapic 0x%llx: %u of %u redirection entries masked",
              (unsigned long long)guest.ioapic[i], entries - unmasked, entries);
    }
}
