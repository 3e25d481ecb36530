/*
 * acpi_poweroff.elf (Multiboot 1, svm and QEMU): shuts the machine down the way OSDev's
 * "Shutdown" and "ACPI" pages do it: the RSDP by the BIOS-area scan, the FADT ("FACP"), the
 * DSDT it points to, \_S5's SLP_TYPa from the AML, then PM1a_CNT <- SLP_TYPa << 10 | SLP_EN
 * (ACPI 6.5, 4.8.3.2.1 PM1 control register: SLP_TYP bits 12:10, SLP_EN bit 13). If the write
 * returns, leaves through isa-debug-exit with 1 (exit code 3).
 */
#include "lib/console.h"
#include "pc/tables/bios_scan.h"

static inline void outw16(uint16_t port, uint16_t v) {
    __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port) : "memory");
}

static void run(void) {
    console_use(CONSOLE_COM1);
    const struct acpi_rsdp* rsdp = scan_rsdp();
    const struct acpi_sdt_header* fadt = rsdp ? scan_find_table(rsdp, "FACP") : 0;
    if (!fadt) {
        kputs("poweroff: no FADT\n");
        debug_exit(1);
    }
    const uint8_t* f = (const uint8_t*)fadt;
    uint32_t dsdt_addr, pm1a_cnt;
    __builtin_memcpy(&dsdt_addr, f + 40, 4);
    __builtin_memcpy(&pm1a_cnt, f + 64, 4);
    const struct acpi_sdt_header* dsdt = (const struct acpi_sdt_header*)(uintptr_t)dsdt_addr;
    int slp_typa = dsdt ? dsdt_s5_slp_typa(dsdt) : -1;
    if (slp_typa < 0) {
        kputs("poweroff: no \\_S5 in the DSDT\n");
        debug_exit(1);
    }
    kprintf("poweroff: pm1a_cnt 0x%x slp_typa %d\n", pm1a_cnt, slp_typa);
    outw16((uint16_t)pm1a_cnt, (uint16_t)((slp_typa & 7) << 10 | 1u << 13));
    kputs("poweroff: still running\n");
    debug_exit(1);
}

void kernel_main(uint32_t magic, uint32_t info) {
    (void)magic, (void)info;
    run();
}
