/*
 * tables_scan.elf (64-bit ELF, svm) and tables_scan32.elf (Multiboot 1, svm and QEMU): find the
 * ACPI tables and the MP table only by the BIOS-area scans (bios_scan.h), never through svm's
 * machine table, and print what they describe: the MADT's and the MP table's CPU counts, the
 * FADT's PM1a_CNT_BLK and PM_TMR_BLK, and the HPET table's base. Ends through isa-debug-exit
 * with 0 (exit code 1) when everything was found, 1 (exit code 3) otherwise.
 */
#include "lib/console.h"
#include "pc/tables/bios_scan.h"

static void run(void) {
    console_use(CONSOLE_COM1);
    int ok = 1;
    const struct acpi_rsdp* rsdp = scan_rsdp();
    if (!rsdp) {
        kputs("tables: no RSDP in the EBDA or 0xE0000-0xFFFFF\n");
        debug_exit(1);
    }
    kprintf("tables: rsdp at 0x%x revision %u\n", (unsigned)(uintptr_t)rsdp, rsdp->revision);
    const struct acpi_sdt_header* madt = scan_find_table(rsdp, "APIC");
    if (madt)
        kprintf("tables: madt cpus %u\n", madt_cpu_count(madt));
    else
        ok = 0, kputs("tables: no MADT\n");
    int mp = mp_cpu_count();
    if (mp >= 0)
        kprintf("tables: mp cpus %d\n", mp);
    else
        ok = 0, kputs("tables: no MP table\n");
    const struct acpi_sdt_header* fadt = scan_find_table(rsdp, "FACP");
    if (fadt) {
        const uint8_t* f = (const uint8_t*)fadt;
        uint32_t pm1a_cnt, pm_tmr;
        __builtin_memcpy(&pm1a_cnt, f + 64, 4);
        __builtin_memcpy(&pm_tmr, f + 76, 4);
        kprintf("tables: fadt pm1a_cnt 0x%x pm_tmr 0x%x sci %u\n", pm1a_cnt, pm_tmr,
                (unsigned)(f[46] | f[47] << 8));
    } else {
        ok = 0, kputs("tables: no FADT\n");
    }
    const struct acpi_sdt_header* hpet = scan_find_table(rsdp, "HPET");
    if (hpet) {
        uint32_t base;
        __builtin_memcpy(&base, (const uint8_t*)hpet + 44, 4);
        kprintf("tables: hpet at 0x%x\n", base);
    }
    kputs(ok ? "tables: done\n" : "tables: FAILURE\n");
    debug_exit(ok ? 0 : 1);
}

/* start64.S (ELF64 under svm). */
void kmain(const void* machine) {
    (void)machine;
    run();
}

/* multiboot1/boot.S (Multiboot 1 under svm or QEMU). */
void kernel_main(uint32_t magic, uint32_t info) {
    (void)magic, (void)info;
    run();
}
