/*
 * Finding the machine's pieces: the CPUs, the I/O APIC, COM1's interrupt pin and the ACPI
 * power-off registers.
 *
 * Under svm the machine table says where the I/O APIC is and where the ACPI RSDP is
 * (docs/machine.md). Elsewhere the RSDP is found the PC way: a 16-byte-aligned "RSD PTR "
 * signature in the first KiB of the EBDA or in 0xE0000-0xFFFFF (ACPI 6.5, 5.2.5.1; OSDev wiki
 * "RSDP"). From there (lib/acpi.c walks the RSDT/XSDT):
 *   - the MADT ("APIC", ACPI 6.5, 5.2.12) gives the CPUs (one Processor Local APIC or Local
 *     x2APIC entry each, 5.2.12.2 and 5.2.12.12: its APIC ID, and whether it is enabled), the
 *     I/O APIC address and the interrupt source overrides that move an ISA IRQ to another I/O
 *     APIC pin (5.2.12.5);
 *   - the FADT ("FACP", 5.2.9) gives the PM1a/PM1b control ports and the DSDT, whose \_S5
 *     object holds the SLP_TYP value for soft-off (7.4.2; OSDev wiki "Shutdown").
 */
#include "lib/acpi.h"
#include "lib/apic.h"
#include "lib/machine_table.h"
#include "lib/mem.h"
#include "os/kernel.h"

struct platform platform = {
    .ioapic_address = SVM_IOAPIC_ADDR, /* the PC's usual place */
    .com1_gsi = 4,
    .keyboard_gsi = 1,
    .source = "defaults",
};

/* Returns a valid RSDP in [start, start + length), 16-byte aligned, or NULL. */
static const struct acpi_rsdp* scan_rsdp(uintptr_t start, uintptr_t length) {
    for (uintptr_t p = start; p + 20 <= start + length; p += 16)
        if (acpi_rsdp_validate((const struct acpi_rsdp*)p) == NULL) return (const void*)p;
    return NULL;
}

/* Reads the 16-bit word at physical address a. (Through asm: GCC warns about dereferencing a
 * constant address as if it were an array of size 0.) */
static uint16_t read_phys16(uintptr_t a) {
    uint16_t v;
    __asm__ volatile("movw (%1), %0" : "=r"(v) : "r"(a) : "memory");
    return v;
}

static const struct acpi_rsdp* find_rsdp(void) {
    if (boot_machine && boot_machine->acpi_rsdp)
        return (const struct acpi_rsdp*)(uintptr_t)boot_machine->acpi_rsdp;
    uintptr_t ebda = (uintptr_t)read_phys16(0x40E) << 4; /* the EBDA segment, in the BIOS data area */
    const struct acpi_rsdp* r = ebda ? scan_rsdp(ebda, 1024) : NULL;
    return r ? r : scan_rsdp(0xE0000, 0x20000);
}

static const struct acpi_sdt_header* find_table(const struct acpi_rsdp* rsdp, const char* sig) {
    const struct acpi_sdt_header* t = acpi_find_table(rsdp, sig, 1); /* XSDT first */
    return t ? t : acpi_find_table(rsdp, sig, 0);
}

/* Adds a CPU to platform.cpu_apic_ids, unless it is already there or the list is full. */
static void add_cpu(uint32_t apic_id) {
    for (uint32_t i = 0; i < platform.cpu_count; i++)
        if (platform.cpu_apic_ids[i] == apic_id) return;
    if (platform.cpu_count < MAX_CPUS) platform.cpu_apic_ids[platform.cpu_count++] = apic_id;
}

/* MADT: the enabled CPUs, the first I/O APIC, and where ISA IRQ 4 (COM1) and IRQ 1 (keyboard)
 * really arrive. */
static void read_madt(const struct acpi_madt* madt) {
    static struct madt_info info; /* 800 bytes: not on the boot stack */
    if (acpi_parse_madt(madt, &info) != 0) return;
    for (uint32_t i = 0; i < info.cpu_count && i < 64; i++)
        if (info.cpus[i].flags & MADT_CPU_ENABLED) add_cpu(info.cpus[i].apic_id);
    if (info.ioapic_count) platform.ioapic_address = info.ioapic_address;
    const uint8_t* p = (const uint8_t*)(madt + 1);
    const uint8_t* end = (const uint8_t*)madt + madt->header.length;
    for (; p + 2 <= end && p[1] >= 2; p += p[1]) {
        /* Interrupt source override: type 2, length 10, bus 0, source IRQ, GSI (4 bytes). */
        if (p[0] == MADT_INTERRUPT_OVERRIDE && p[1] >= 10 && p[3] == 4)
            memcpy(&platform.com1_gsi, p + 4, 4);
        if (p[0] == MADT_INTERRUPT_OVERRIDE && p[1] >= 10 && p[3] == 1)
            memcpy(&platform.keyboard_gsi, p + 4, 4);
    }
}

/* DSDT: finds `Name(_S5, Package() { SLP_TYPa, ... })` in the AML byte code without an AML
 * interpreter, as OSDev's "Shutdown" article does: NameOp 0x08, "_S5_", PackageOp 0x12, a
 * PkgLength (1-4 bytes, bits 7:6 of the first say how many follow), NumElements, then the first
 * element: BytePrefix 0x0A and a byte, or ZeroOp 0x00 / OneOp 0x01 (ACPI 6.5, 20.2). */
static void read_s5(const struct acpi_sdt_header* dsdt) {
    const uint8_t* p = (const uint8_t*)(dsdt + 1);
    const uint8_t* end = (const uint8_t*)dsdt + dsdt->length;
    for (; p + 12 < end; p++) {
        if (memcmp(p, "_S5_", 4) != 0 || p[4] != 0x12) continue;
        if (p[-1] != 0x08 && !(p[-2] == 0x08 && p[-1] == '\\')) continue;
        const uint8_t* e = p + 5;
        e += 1 + (e[0] >> 6); /* PkgLength */
        e += 1;               /* NumElements */
        platform.slp_typ_s5 = e[0] == 0x0A ? e[1] : (e[0] == 0x01 ? 1 : 0);
        return;
    }
}

/* FADT fields used here (ACPI 6.5, table 5.9): DSDT at 40, SMI_CMD at 48, ACPI_ENABLE at 52,
 * PM1a_CNT_BLK at 64, PM1b_CNT_BLK at 68, X_DSDT at 140. */
static void read_fadt(const struct acpi_sdt_header* fadt) {
    const uint8_t* f = (const uint8_t*)fadt;
    uint32_t dsdt32, smi, pm1a, pm1b;
    uint64_t dsdt = 0;
    memcpy(&dsdt32, f + 40, 4);
    memcpy(&smi, f + 48, 4);
    memcpy(&pm1a, f + 64, 4);
    memcpy(&pm1b, f + 68, 4);
    if (fadt->length >= 148) memcpy(&dsdt, f + 140, 8);
    if (!dsdt) dsdt = dsdt32;
    platform.smi_cmd = (uint16_t)smi;
    platform.acpi_enable = f[52];
    platform.pm1a_cnt = (uint16_t)pm1a;
    platform.pm1b_cnt = (uint16_t)pm1b;
    const struct acpi_sdt_header* d = (const void*)(uintptr_t)dsdt;
    if (dsdt && dsdt < 0x100000000ull && acpi_table_validate(d, "DSDT") == NULL) read_s5(d);
}

void platform_init(void) {
    platform.bsp_apic_id = lapic_id();
    add_cpu(platform.bsp_apic_id); /* first: whatever the tables say, the BSP is there */
    const struct acpi_rsdp* rsdp = find_rsdp();
    if (rsdp && acpi_rsdp_validate(rsdp) == NULL) {
        platform.source = "ACPI";
        const struct acpi_sdt_header* madt = find_table(rsdp, "APIC");
        if (madt) read_madt((const struct acpi_madt*)madt);
        const struct acpi_sdt_header* fadt = find_table(rsdp, "FACP");
        if (fadt) read_fadt(fadt);
    }
    if (boot_machine) {
        /* svm's own word wins over the tables for the I/O APIC. */
        platform.source = "svm machine table + ACPI";
        const struct svm_device* io = machine_find_device(boot_machine, SVM_DEV_IOAPIC, 0);
        if (io) platform.ioapic_address = io->mmio_base;
        /* And for the CPUs: its table lists every vCPU of --cpus (docs/machine.md). */
        platform.cpu_count = 0;
        add_cpu(platform.bsp_apic_id);
        for (uint32_t i = 0; i < boot_machine->cpu_count; i++)
            add_cpu(machine_cpu(boot_machine, i)->apic_id);
    }
    kprintf("svm-os: platform from %s: %u CPU%s, I/O APIC 0x%llx, COM1 on pin %u, "
            "PM1a_CNT 0x%x, S5 SLP_TYP %u\n",
            platform.source, platform.cpu_count, platform.cpu_count == 1 ? "" : "s",
            (unsigned long long)platform.ioapic_address, platform.com1_gsi, platform.pm1a_cnt,
            platform.slp_typ_s5);
}
