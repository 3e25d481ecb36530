#include "lib/acpi.h"

#include "lib/mem.h"

uint8_t acpi_sum(const void* p, size_t n) {
    const uint8_t* b = p;
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++) sum = (uint8_t)(sum + b[i]);
    return sum;
}

const char* acpi_rsdp_validate(const struct acpi_rsdp* rsdp) {
    if (memcmp(rsdp->signature, "RSD PTR ", 8) != 0) return "bad signature";
    if (acpi_sum(rsdp, 20) != 0) return "bad checksum";
    if (rsdp->revision >= 2) {
        if (rsdp->length < sizeof(struct acpi_rsdp)) return "bad length";
        if (acpi_sum(rsdp, rsdp->length) != 0) return "bad extended checksum";
    }
    return NULL;
}

const char* acpi_table_validate(const struct acpi_sdt_header* table, const char* sig) {
    if (memcmp(table->signature, sig, 4) != 0) return "bad signature";
    if (table->length < sizeof(struct acpi_sdt_header)) return "bad length";
    if (acpi_sum(table, table->length) != 0) return "bad checksum";
    return NULL;
}

const struct acpi_sdt_header* acpi_find_table(const struct acpi_rsdp* rsdp, const char* sig,
                                              int use_xsdt) {
    const struct acpi_sdt_header* root;
    size_t entry_size;
    if (use_xsdt) {
        if (rsdp->revision < 2 || rsdp->xsdt_address == 0) return NULL;
        root = (const struct acpi_sdt_header*)(uintptr_t)rsdp->xsdt_address;
        if (acpi_table_validate(root, "XSDT")) return NULL;
        entry_size = 8;
    } else {
        if (rsdp->rsdt_address == 0) return NULL;
        root = (const struct acpi_sdt_header*)(uintptr_t)rsdp->rsdt_address;
        if (acpi_table_validate(root, "RSDT")) return NULL;
        entry_size = 4;
    }
    const uint8_t* entries = (const uint8_t*)(root + 1);
    size_t count = (root->length - sizeof(*root)) / entry_size;
    for (size_t i = 0; i < count; i++) {
        uint64_t addr = 0;
        /* XSDT entries are 8-byte values at 4-byte alignment: copy, do not dereference. */
        memcpy(&addr, entries + i * entry_size, entry_size);
        const struct acpi_sdt_header* t = (const struct acpi_sdt_header*)(uintptr_t)addr;
        if (addr != 0 && acpi_table_validate(t, sig) == NULL) return t;
    }
    return NULL;
}

static void add_cpu(struct madt_info* info, uint32_t apic_id, uint32_t uid, uint32_t flags) {
    if (info->cpu_count < sizeof(info->cpus) / sizeof(info->cpus[0])) {
        info->cpus[info->cpu_count].apic_id = apic_id;
        info->cpus[info->cpu_count].processor_uid = uid;
        info->cpus[info->cpu_count].flags = flags;
    }
    info->cpu_count++;
}

static uint32_t read_u32(const uint8_t* p) {
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

int acpi_parse_madt(const struct acpi_madt* madt, struct madt_info* info) {
    memset(info, 0, sizeof(*info));
    info->lapic_address = madt->lapic_address;
    const uint8_t* p = (const uint8_t*)(madt + 1);
    const uint8_t* end = (const uint8_t*)madt + madt->header.length;
    while (p + 2 <= end) {
        uint8_t type = p[0], len = p[1];
        if (len < 2 || p + len > end) return -1;
        if (type == MADT_LOCAL_APIC && len >= 8) {
            /* type, length, ACPI processor UID, APIC id, flags (ACPI 6.5, 5.2.12.2) */
            add_cpu(info, p[3], p[2], read_u32(p + 4));
        } else if (type == MADT_LOCAL_X2APIC && len >= 16) {
            /* type, length, reserved[2], x2APIC id, flags, UID (ACPI 6.5, 5.2.12.12) */
            add_cpu(info, read_u32(p + 4), read_u32(p + 12), read_u32(p + 8));
        } else if (type == MADT_IO_APIC && len >= 12) {
            /* type, length, I/O APIC id, reserved, address, GSI base (ACPI 6.5, 5.2.12.3) */
            if (info->ioapic_count == 0) {
                info->ioapic_id = p[2];
                info->ioapic_address = read_u32(p + 4);
                info->ioapic_gsi_base = read_u32(p + 8);
            }
            info->ioapic_count++;
        } else if (type == MADT_INTERRUPT_OVERRIDE) {
            info->override_count++;
        }
        p += len;
    }
    return 0;
}
