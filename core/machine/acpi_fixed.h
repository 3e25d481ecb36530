// The ACPI tables that describe svm's fixed hardware: the FADT with its FACS and DSDT (ACPI 6.5
// 5.2.9, 5.2.10, 5.2.11.1) and the HPET description table (IA-PC HPET specification 1.0a, 3.2.4).
// The ports and addresses come from core/machine/pc/pc_layout.h, the devices' own list.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace svm::acpi {

// The FADT (revision 6, 276 bytes) pointing at the FACS and DSDT at the given guest-physical
// addresses: PM1a event/control blocks and the PM timer at pc::kAcpiPm*, SCI_INT pc::kIrqSci,
// CENTURY pc::kCmosCentury, IAPC_BOOT_ARCH "legacy devices + 8042", reset register 0xCF9 <- 6,
// no SMI command port (ACPI is always enabled, as on hardware-reduced-free virtual machines).
std::vector<uint8_t> build_fadt(uint64_t facs, uint64_t dsdt);

// The 64-byte FACS (must be 64-byte aligned in memory).
std::vector<uint8_t> build_facs();

// A virtio-mmio transport the DSDT describes (virtio 1.2, 4.2; Linux's virtio_mmio driver binds
// to ACPI devices with _HID "LNRO0005").
struct MmioDevice {
    uint64_t base = 0;  // guest-physical, below 4 GiB
    uint32_t size = 0;
    uint32_t irq = 0;   // ISA IRQ / GSI
};
// The DSDT: its AML body defines \_S5 as Package () {SLP_TYP, SLP_TYP, 0, 0} with SLP_TYP =
// pc::kAcpiSlpTypS5, the object ACPI shutdown code (OSDev wiki "Shutdown") reads, and, in \_SB,
// one Device (VRnn) per entry of `virtio_mmio`: _HID "LNRO0005", _UID n, _CCA 1
// and a _CRS of Memory32Fixed (base, size) and an Extended Interrupt (level, active-high,
// exclusive) on its IRQ, as QEMU's microvm machine describes its transports (ACPI 6.5, 6.1.5,
// 6.4.3.4, 6.4.3.6, 19.6).
std::vector<uint8_t> build_dsdt(std::span<const MmioDevice> virtio_mmio = {});

// The AML of `Name (\_S5, Package () {v, v, 0, 0})` (ACPI 6.5, 20.2.5.1 NameOp, 20.2.5.4
// PackageOp, 20.2.4 PkgLength, 20.2.3 data objects).
std::vector<uint8_t> s5_aml(uint8_t slp_typ);

// The HPET table for the HPET at pc::kHpetBase: 3 comparators, 64-bit counter, legacy
// replacement capable, vendor 0x8086.
std::vector<uint8_t> build_hpet_table();

// The Event Timer Block ID of that HPET (HPET 1.0a, 3.2.4 table 3): vendor 31:16, legacy route
// capable 15, 64-bit 13, comparators - 1 in 12:8, revision 7:0.
uint32_t hpet_event_timer_block_id();

}  // namespace svm::acpi
