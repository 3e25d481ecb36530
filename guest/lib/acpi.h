/*
 * Finding and reading the ACPI tables svm provides (RSDP, XSDT, RSDT, MADT). Layouts: ACPI 6.5,
 * 5.2.5 (RSDP), 5.2.6 (system description table header), 5.2.7 (RSDT), 5.2.8 (XSDT) and 5.2.12
 * (MADT and its interrupt controller structures).
 *
 * Addresses in the tables are guest-physical; svm's identity map makes them directly usable.
 */
#ifndef GUEST_LIB_ACPI_H
#define GUEST_LIB_ACPI_H

#include <stddef.h>
#include <stdint.h>

struct acpi_rsdp {
    char signature[8]; /* "RSD PTR " */
    uint8_t checksum;  /* the first 20 bytes sum to 0 */
    char oem_id[6];
    uint8_t revision; /* 0 for ACPI 1.0 (20-byte RSDP), 2 for ACPI 2.0+ */
    uint32_t rsdt_address;
    uint32_t length; /* revision >= 2: the whole structure, 36 */
    uint64_t xsdt_address;
    uint8_t extended_checksum; /* the whole structure sums to 0 */
    uint8_t reserved[3];
} __attribute__((packed));

struct acpi_sdt_header {
    char signature[4];
    uint32_t length; /* header plus body */
    uint8_t revision;
    uint8_t checksum; /* the whole table sums to 0 */
    char oem_id[6];
    char oem_table_id[8];
    uint32_t oem_revision;
    uint32_t creator_id;
    uint32_t creator_revision;
} __attribute__((packed));

struct acpi_madt {
    struct acpi_sdt_header header; /* "APIC" */
    uint32_t lapic_address;
    uint32_t flags; /* bit 0: PC-AT compatible dual 8259s present */
} __attribute__((packed));

/* MADT interrupt controller structure types (ACPI 6.5, table 5.21). */
#define MADT_LOCAL_APIC 0u
#define MADT_IO_APIC 1u
#define MADT_INTERRUPT_OVERRIDE 2u
#define MADT_LOCAL_X2APIC 9u

#define MADT_CPU_ENABLED 1u

struct madt_cpu {
    uint32_t apic_id;
    uint32_t processor_uid;
    uint32_t flags; /* MADT_CPU_ENABLED, ... */
};

struct madt_info {
    uint32_t lapic_address;
    uint32_t cpu_count; /* Local APIC and Local x2APIC entries, enabled or not */
    struct madt_cpu cpus[64];
    uint32_t ioapic_count;
    uint32_t ioapic_id;       /* of the first I/O APIC */
    uint32_t ioapic_address;  /* of the first I/O APIC */
    uint32_t ioapic_gsi_base; /* of the first I/O APIC */
    uint32_t override_count;  /* interrupt source overrides */
};

/* Returns the 8-bit sum of n bytes at p. */
uint8_t acpi_sum(const void* p, size_t n);

/* Returns NULL if `rsdp` has the signature "RSD PTR ", a valid checksum over its first 20 bytes
 * and, for revision >= 2, a length of at least 36 and a valid extended checksum; otherwise a short
 * description of the first problem ("bad signature", "bad checksum", ...). */
const char* acpi_rsdp_validate(const struct acpi_rsdp* rsdp);

/* Returns NULL if `table` has signature `sig` (4 characters), a length of at least the header
 * and a valid checksum; otherwise a short description of the first problem. */
const char* acpi_table_validate(const struct acpi_sdt_header* table, const char* sig);

/* Finds the table with signature `sig` through the XSDT (use_xsdt != 0; needs RSDP revision >= 2)
 * or the RSDT. Returns the first entry whose table has that signature and a valid checksum, or
 * NULL if the root table is missing or invalid or no entry matches. */
const struct acpi_sdt_header* acpi_find_table(const struct acpi_rsdp* rsdp, const char* sig,
                                              int use_xsdt);

/* Reads a validated MADT into *info (at most 64 CPUs are recorded; cpu_count still counts all).
 * Returns 0 on success, -1 if an entry's length is below 2 or runs past the table's end. */
int acpi_parse_madt(const struct acpi_madt* madt, struct madt_info* info);

#endif /* GUEST_LIB_ACPI_H */
