// Where the PC devices sit: the I/O ports, MMIO addresses and ISA IRQs that svm's PC device
// families register and that the ACPI tables, the MP table and the machine table describe. One
// list, so the tables and the devices cannot disagree. The values are those of QEMU's PC machines
// and real chipsets, which is what kernels written on QEMU expect.
#pragma once

#include <cstdint>

namespace svm::pc {

// ISA IRQs (also the I/O APIC pins, identity-mapped (KVM's default routing; no MADT override, the
// MP table says the same)).
constexpr uint32_t kIrqTimer = 0;
constexpr uint32_t kIrqKeyboard = 1;
constexpr uint32_t kIrqCom1 = 4;
constexpr uint32_t kIrqRtc = 8;
constexpr uint32_t kIrqSci = 9;  // ACPI system control interrupt (FADT SCI_INT)
constexpr uint32_t kIrqMouse = 12;

// i8042 PS/2 controller.
constexpr uint16_t kI8042Data = 0x60;
constexpr uint16_t kI8042Command = 0x64;  // status on read
// CMOS/RTC: index (bit 7 = NMI disable) and data.
constexpr uint16_t kCmosIndex = 0x70;
constexpr uint16_t kCmosData = 0x71;
constexpr uint8_t kCmosCentury = 0x32;  // FADT CENTURY
// POST code port and System Control Port A (fast A20, bit 0 = fast reset).
constexpr uint16_t kPostPort = 0x80;
constexpr uint16_t kPort92 = 0x92;
// VGA: attribute/sequencer/graphics/CRTC registers 0x3C0-0x3DF; text buffer.
constexpr uint16_t kVgaPortsBase = 0x3c0;
constexpr uint16_t kVgaPortsSize = 0x20;
constexpr uint64_t kVgaTextBase = 0xb8000;
constexpr uint64_t kVgaTextSize = 80 * 25 * 2;
// Bochs VBE (DISPI) index/data registers, 16-bit ports (devices/display/bochs_vbe.h).
constexpr uint16_t kBochsVbeIndex = 0x1ce;
constexpr uint16_t kBochsVbeData = 0x1cf;
constexpr uint16_t kBochsVbePortsSize = 3;  // 0x1D0 is the data register again (QEMU)
// The std VGA's linear framebuffer (its PCI BAR0, 32-bit prefetchable): where SeaBIOS places it
// under QEMU's i440fx machine, so kernels see the address they see there. 16 MiB of VRAM, QEMU's
// default vgamem_mb. Below the compat window, I/O APIC, HPET and local APIC (0xFEB00000 and up).
constexpr uint64_t kLfbBase = 0xfd000000;
constexpr uint64_t kLfbSize = 16ull << 20;
// svm's BIOS trap (boot-sector boots only, core/machine/pc/bios.cpp): the ROM's stubs write it with
// `out imm8, al`, so it must be below 0x100; nothing on a PC or QEMU decodes 0x5F. (Not 0x7E:
// KVM's fast PIO path treats that port specially.) Must match BIOS_TRAP_PORT in
// core/bios/rom/bios_rom.asm.
constexpr uint16_t kBiosTrapPort = 0x5f;
// QEMU firmware configuration interface.
constexpr uint16_t kFwCfgSelector = 0x510;
constexpr uint16_t kFwCfgData = 0x511;
constexpr uint16_t kFwCfgDma = 0x514;  // 8 bytes, big-endian address of a FWCfgDmaAccess
// PCI configuration mechanism #1.
constexpr uint16_t kPciConfigAddress = 0xcf8;
constexpr uint16_t kPciConfigData = 0xcfc;
constexpr uint16_t kResetControl = 0xcf9;  // byte register inside the 0xCF8 dword
// ACPI fixed hardware (FADT): PM1a event block (status, enable), control block, PM timer.
constexpr uint16_t kAcpiPmBase = 0x600;
constexpr uint16_t kAcpiPm1aEvent = kAcpiPmBase;        // 4 bytes: PM1_STS, PM1_EN
constexpr uint16_t kAcpiPm1aControl = kAcpiPmBase + 4;  // 2 bytes: PM1_CNT
constexpr uint16_t kAcpiPmTimer = kAcpiPmBase + 8;      // 4 bytes, 24-bit counter
constexpr uint32_t kAcpiPmTimerHz = 3579545;
constexpr uint8_t kAcpiSlpTypS5 = 0;  // \_S5 package value; PM1_CNT.SLP_TYP for soft-off
// Other power-off ports kernels use: PIIX4 PM1a control (QEMU i440fx) and the Bochs/VirtualBox one.
constexpr uint16_t kPiix4Pm1aControl = 0xb004;
constexpr uint16_t kBochsPowerOff = 0x4004;
// HPET.
constexpr uint64_t kHpetBase = 0xfed00000;
constexpr uint64_t kHpetSize = 0x400;
constexpr int kHpetTimers = 3;
constexpr uint64_t kHpetPeriodFs = 10000000;  // 100 MHz main counter (period in femtoseconds)
// --compat symphony: the read-only window where svm publishes the "exit counts by type" string
// (port 0xED) instead of writing guest RAM. In the MMIO hole below the I/O APIC, which svm's boot
// page tables identity-map.
constexpr uint64_t kCompatStringWindow = 0xfeb00000;
constexpr uint64_t kCompatStringWindowSize = 0x1000;

// The PCI memory window: where PCI memory BARs may be decoded (PciMemoryWindow), from the top of
// RAM (Machine::kMaxMemory, 3 GiB) up to the linear framebuffer. svm assigns the virtio-pci
// functions' 32 KiB BARs from kVirtioPciBarBase upwards, as firmware would (SeaBIOS also assigns
// from the top of the hole down), each aligned to its size.
constexpr uint64_t kPciMemoryWindowBase = 0xc0000000;
constexpr uint64_t kPciMemoryWindowSize = kLfbBase - kPciMemoryWindowBase;
constexpr uint64_t kVirtioPciBarBase = 0xfc000000;
// PCI device numbers on bus 0: 0 the host bridge, 2 the display (QEMU's slots), virtio from 3 on.
constexpr uint8_t kPciDisplayDevice = 2;
constexpr uint8_t kFirstVirtioPciDevice = 3;

static_assert(kLfbBase % kLfbSize == 0, "a BAR is aligned to its size (PCI 3.0, 6.2.5.1)");
static_assert(kLfbBase + kLfbSize <= kCompatStringWindow && kLfbBase + kLfbSize <= kHpetBase,
              "the linear framebuffer overlaps another MMIO range");

}  // namespace svm::pc
