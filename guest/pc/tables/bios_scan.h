/*
 * Finding the firmware tables the way kernels written for PCs do, without the machine table:
 * the ACPI RSDP by the scan of ACPI 6.5 5.2.5.1 (the first KiB of the EBDA, whose segment is the
 * BIOS data area word at 0x40E, then 0xE0000-0xFFFFF, on 16-byte boundaries), and the Intel MP
 * 1.4 floating pointer by the scan of MP section 4 (EBDA first KiB, the last KiB of base memory
 * from the BDA word at 0x413, then 0xF0000-0xFFFFF). Works in 32-bit and 64-bit guests with
 * guest-physical = virtual addresses (svm's identity map; QEMU's -kernel with paging off).
 */
#ifndef GUEST_PC_TABLES_BIOS_SCAN_H
#define GUEST_PC_TABLES_BIOS_SCAN_H

#include <stdint.h>

#include "lib/acpi.h"

/* The RSDP found by the scan (checksum of the first 20 bytes valid), or NULL. */
const struct acpi_rsdp* scan_rsdp(void);

/* The table with `signature` listed in the XSDT (revision >= 2 and an XSDT) or else the RSDT,
 * checksum valid; NULL if none. */
const struct acpi_sdt_header* scan_find_table(const struct acpi_rsdp* rsdp, const char* signature);

/* Number of processor local APIC entries (type 0) in the MADT. */
uint32_t madt_cpu_count(const struct acpi_sdt_header* madt);

/* The MP configuration table's processor entry count, or -1 if no valid floating pointer and
 * configuration table are found. */
int mp_cpu_count(void);

/* SLP_TYPa of \_S5 found in the DSDT's AML the way OSDev's "Shutdown" code does, or -1. */
int dsdt_s5_slp_typa(const struct acpi_sdt_header* dsdt);

/* Leaves through isa-debug-exit (port 0xF4): svm and QEMU exit with (value << 1) | 1. */
__attribute__((noreturn)) void debug_exit(uint8_t value);

#endif /* GUEST_PC_TABLES_BIOS_SCAN_H */
