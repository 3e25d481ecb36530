/*
 * Leaving: exit with a code, power off, reset.
 *
 * - svm: the SVM_HC_EXIT hypercall (<svm/hypercall.h>). Only when svm booted us: elsewhere
 *   port 0x500 may belong to some device.
 * - QEMU: the isa-debug-exit device (`-device isa-debug-exit,iobase=0xf4,iosize=4`); writing v
 *   ends QEMU with status (v << 1) | 1. svm has one at 0xF4 too (SVM_DEV_EXIT).
 * - Soft off: ACPI 6.5, 4.8.3.2.1 and 16.1.7: write SLP_TYPa | SLP_EN to PM1a_CNT (and
 *   SLP_TYPb to PM1b_CNT), SLP_TYP in bits 12:10, SLP_EN bit 13; if SCI_EN (bit 0) is clear, ACPI
 *   mode must first be enabled by writing ACPI_ENABLE to SMI_CMD (4.8.2.1; OSDev wiki "Shutdown").
 * - Reset: the PCI reset control register 0xCF9 (write 0x06: full reset, ICH/PIIX data sheets),
 *   then the 8042's pulse-reset command 0xFE (OSDev wiki "Reboot").
 */
#include <svm/hypercall.h>

#include "lib/io.h"
#include "os/kernel.h"

void power_exit(unsigned code) {
    if (boot_machine) svm_hypercall(SVM_HC_EXIT, code, 0, 0, 0);
    outb(0xF4, (uint8_t)code);
}

void power_shutdown(void) {
    if (!platform.pm1a_cnt) return;
    if (!(inw(platform.pm1a_cnt) & 1) && platform.smi_cmd && platform.acpi_enable) {
        outb(platform.smi_cmd, platform.acpi_enable);
        for (int i = 0; i < 1000000 && !(inw(platform.pm1a_cnt) & 1); i++) {
        }
    }
    uint16_t value = (uint16_t)(platform.slp_typ_s5 << 10 | 1u << 13);
    outw(platform.pm1a_cnt, value);
    if (platform.pm1b_cnt) outw(platform.pm1b_cnt, value);
}

void power_reboot(void) {
    outb(0xCF9, 0x02); /* prepare a hard reset... */
    outb(0xCF9, 0x06); /* ...and do it */
    for (int i = 0; i < 100000 && (inb(0x64) & 0x02); i++) {
    }
    outb(0x64, 0xFE);
}
