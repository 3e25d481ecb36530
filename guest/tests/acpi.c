/* acpi.elf: finds the ACPI tables svm provides through the machine table's acpi_rsdp, validates
 * the RSDP (signature, checksum, extended checksum), finds the MADT through both the XSDT and the
 * RSDT, and compares what the MADT says with the machine table: the number of CPUs, the local
 * APIC address and the I/O APIC address (ACPI 6.5, 5.2.5-5.2.8 and 5.2.12). */
#include "lib/acpi.h"

#include <svm/machine.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/machine_table.h"

static struct madt_info madt_info;

void kmain(const struct svm_machine* m) {
    const char* bad = machine_table_validate(m);
    if (!check_that("machine table valid", bad == NULL, bad ? bad : "", "valid")) check_finish(0);
    if (!check_that("acpi rsdp present", m->acpi_rsdp != 0, "0", "an address")) check_finish(0);
    kprintf("acpi: rsdp at 0x%llx\n", (unsigned long long)m->acpi_rsdp);

    const struct acpi_rsdp* rsdp = (const struct acpi_rsdp*)(uintptr_t)m->acpi_rsdp;
    bad = acpi_rsdp_validate(rsdp);
    check_that("rsdp valid", bad == NULL, bad ? bad : "", "valid");
    check_that("rsdp revision 2", rsdp->revision >= 2, "revision < 2", "an XSDT");
    if (check_failures()) check_finish(0);
    kprintf("acpi: rsdt at 0x%x, xsdt at 0x%llx\n", rsdp->rsdt_address,
            (unsigned long long)rsdp->xsdt_address);

    const struct acpi_sdt_header* via_xsdt = acpi_find_table(rsdp, "APIC", 1);
    const struct acpi_sdt_header* via_rsdt = acpi_find_table(rsdp, "APIC", 0);
    check_that("madt via xsdt", via_xsdt != NULL, "not found", "a valid MADT");
    check_that("madt via rsdt", via_rsdt != NULL, "not found", "a valid MADT");
    check_that("madt same table", via_xsdt == via_rsdt, "different tables", "the same MADT");
    if (check_failures()) check_finish(0);

    const struct acpi_madt* madt = (const struct acpi_madt*)via_xsdt;
    if (!check_that("madt entries", acpi_parse_madt(madt, &madt_info) == 0, "malformed entry",
                    "well-formed")) {
        check_finish(0);
    }
    for (uint32_t i = 0; i < madt_info.cpu_count && i < 64; i++) {
        kprintf("madt: cpu %u%s\n", madt_info.cpus[i].apic_id,
                (madt_info.cpus[i].flags & MADT_CPU_ENABLED) ? "" : " (disabled)");
    }
    if (madt_info.ioapic_count > 0) {
        kprintf("madt: ioapic at 0x%x gsi base %u\n", madt_info.ioapic_address,
                madt_info.ioapic_gsi_base);
    }

    check_eq_dec("madt cpus", madt_info.cpu_count, m->cpu_count);
    /* Every machine-table CPU's APIC id appears, enabled, in the MADT (in any order). */
    int ids_match = madt_info.cpu_count == m->cpu_count;
    for (uint32_t i = 0; ids_match && i < m->cpu_count && i < 64; i++) {
        int found = 0;
        for (uint32_t j = 0; j < madt_info.cpu_count && j < 64; j++) {
            found |= madt_info.cpus[j].apic_id == machine_cpu(m, i)->apic_id &&
                     (madt_info.cpus[j].flags & MADT_CPU_ENABLED);
        }
        ids_match = found;
    }
    check_that("madt apic ids", ids_match, "different", "the machine table's");
    check_eq("madt lapic address", madt_info.lapic_address, SVM_LAPIC_ADDR);
    const struct svm_device* ioapic = machine_find_device(m, SVM_DEV_IOAPIC, 0);
    check_eq_dec("madt ioapic count", madt_info.ioapic_count, 1);
    check_eq("madt ioapic", madt_info.ioapic_address, ioapic ? ioapic->mmio_base : 0);
    check_finish(0);
}
