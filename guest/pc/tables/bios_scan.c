/* See bios_scan.h. */
#include "pc/tables/bios_scan.h"

#include "lib/io.h"

static uint8_t sum(const volatile uint8_t* p, uint32_t n) {
    uint8_t s = 0;
    for (uint32_t i = 0; i < n; i++) s = (uint8_t)(s + p[i]);
    return s;
}

static int same(const volatile uint8_t* p, const char* s, uint32_t n) {
    for (uint32_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)s[i]) return 0;
    return 1;
}

static const volatile uint8_t* scan(uintptr_t from, uint32_t len, const char* sig, uint32_t sig_len,
                                    uint32_t sum_len) {
    for (uintptr_t p = from; p + sum_len <= from + len; p += 16) {
        const volatile uint8_t* b = (const volatile uint8_t*)p;
        if (same(b, sig, sig_len) && sum(b, sum_len) == 0) return b;
    }
    return 0;
}

static uintptr_t bda_word(uintptr_t offset) {
    uintptr_t addr = 0x400 + offset;
    __asm__("" : "+r"(addr)); /* a real address, not a null-page constant GCC warns about */
    return *(const volatile uint16_t*)addr;
}

const struct acpi_rsdp* scan_rsdp(void) {
    uintptr_t ebda = bda_word(0x0E) << 4;
    const volatile uint8_t* p = 0;
    if (ebda) p = scan(ebda, 1024, "RSD PTR ", 8, 20);
    if (!p) p = scan(0xE0000, 0x20000, "RSD PTR ", 8, 20);
    return (const struct acpi_rsdp*)p;
}

static const struct acpi_sdt_header* valid(uintptr_t addr, const char* signature) {
    const struct acpi_sdt_header* h = (const struct acpi_sdt_header*)addr;
    if (!h || !same((const volatile uint8_t*)h->signature, signature, 4)) return 0;
    if (sum((const volatile uint8_t*)h, h->length) != 0) return 0;
    return h;
}

const struct acpi_sdt_header* scan_find_table(const struct acpi_rsdp* rsdp, const char* signature) {
    if (rsdp->revision >= 2 && rsdp->xsdt_address) {
        const struct acpi_sdt_header* xsdt = valid((uintptr_t)rsdp->xsdt_address, "XSDT");
        if (xsdt) {
            uint32_t n = (xsdt->length - sizeof *xsdt) / 8;
            const uint8_t* entries = (const uint8_t*)(xsdt + 1);
            for (uint32_t i = 0; i < n; i++) {
                uint64_t a;
                __builtin_memcpy(&a, entries + 8 * i, 8);
                const struct acpi_sdt_header* t = valid((uintptr_t)a, signature);
                if (t) return t;
            }
            return 0;
        }
    }
    const struct acpi_sdt_header* rsdt = valid(rsdp->rsdt_address, "RSDT");
    if (!rsdt) return 0;
    uint32_t n = (rsdt->length - sizeof *rsdt) / 4;
    const uint32_t* entries = (const uint32_t*)(rsdt + 1);
    for (uint32_t i = 0; i < n; i++) {
        const struct acpi_sdt_header* t = valid(entries[i], signature);
        if (t) return t;
    }
    return 0;
}

uint32_t madt_cpu_count(const struct acpi_sdt_header* madt) {
    const uint8_t* p = (const uint8_t*)madt + 44;
    const uint8_t* end = (const uint8_t*)madt + madt->length;
    uint32_t cpus = 0;
    while (p + 2 <= end && p[1] >= 2) {
        if (p[0] == 0 && (p[4] & 1)) cpus++; /* processor local APIC, enabled */
        p += p[1];
    }
    return cpus;
}

int mp_cpu_count(void) {
    uintptr_t ebda = bda_word(0x0E) << 4;
    const volatile uint8_t* fp = 0;
    if (ebda) fp = scan(ebda, 1024, "_MP_", 4, 16);
    if (!fp) fp = scan(bda_word(0x13) * 1024 - 1024, 1024, "_MP_", 4, 16);
    if (!fp) fp = scan(0xF0000, 0x10000, "_MP_", 4, 16);
    if (!fp) return -1;
    uint32_t table_addr = *(const volatile uint32_t*)(fp + 4);
    const volatile uint8_t* t = (const volatile uint8_t*)(uintptr_t)table_addr;
    if (!table_addr || !same(t, "PCMP", 4)) return -1;
    uint16_t length = *(const volatile uint16_t*)(t + 4);
    if (sum(t, length) != 0) return -1;
    uint16_t count = *(const volatile uint16_t*)(t + 34);
    const volatile uint8_t* p = t + 44;
    int cpus = 0;
    for (uint16_t i = 0; i < count && p < t + length; i++) {
        if (p[0] == 0) {
            if (p[3] & 1) cpus++;
            p += 20;
        } else {
            p += 8;
        }
    }
    return cpus;
}

int dsdt_s5_slp_typa(const struct acpi_sdt_header* dsdt) {
    const uint8_t* p = (const uint8_t*)(dsdt + 1);
    const uint8_t* end = (const uint8_t*)dsdt + dsdt->length;
    for (; p + 4 < end; p++) {
        if (!same(p, "_S5_", 4)) continue;
        /* NameOp (optionally with the root prefix) before, PackageOp after. */
        if (!(p[-1] == 0x08 || (p[-2] == 0x08 && p[-1] == '\\')) || p[4] != 0x12) continue;
        const uint8_t* q = p + 5;
        q += ((q[0] & 0xC0) >> 6) + 2; /* PkgLength bytes and NumElements */
        if (*q == 0x0A) q++;           /* BytePrefix */
        return *q;
    }
    return -1;
}

void debug_exit(uint8_t value) {
    outb(0xF4, value);
    halt_forever();
}
