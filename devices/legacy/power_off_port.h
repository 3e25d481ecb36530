// An ACPI PM1 control register (PM1_CNT, ACPI 6.4, 4.8.3.2.1 "PM1 Control Registers", Table
// 4.13) reduced to what ends a run: a 16-bit register where writing SLP_EN (bit 13) with the
// soft-off sleep type in SLP_TYP (bits 12:10) powers the machine off (ACPI 6.4, 16.1.7
// "Transitioning to the G2/S5 state": OSPM writes SLP_TYPa from \_S5 together with SLP_EN).
//
// svm puts one at each port kernels use to switch a PC off:
//   0x604  the FADT's PM1a control block (svm's own ACPI tables, \_S5 = 0), as on QEMU q35;
//   0xB004 the PIIX4 PM1a control block of QEMU's i440fx "pc" machine (\_S5 = 0, so 0x2000);
//   0x4004 the Bochs/VirtualBox PIIX4 block. VirtualBox's DSDT has \_S5 = 5 (kernels write
//          0x3400); tutorials copy either 0x2000 or 0x3400 there, so any sleep type is accepted.
// Reads return the last written SLP_TYP and the other stored control bits, with SCI_EN (bit 0)
// always 1: svm's machine is always in ACPI mode (ACPI 6.4, 4.8.2.5: SCI_EN reads 1 when there is
// no SMI_CMD handshake). SLP_EN is write-only and reads 0. Sleep states other than S5 are not
// modelled: such a write is stored and otherwise ignored.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>

#include "devices/bus_device.h"

namespace svm {

class PowerOffPort final : public BusDevice {
public:
    static constexpr uint64_t kSize = 2;
    static constexpr uint16_t kSciEn = 0x0001;
    static constexpr uint16_t kSlpTypMask = 0x1c00;
    static constexpr unsigned kSlpTypShift = 10;
    static constexpr uint16_t kSlpEn = 0x2000;

    // `s5_type`: the SLP_TYP value that means soft-off; std::nullopt accepts any. `power_off` is
    // called (without the device lock) on every write that requests soft-off; it may be empty.
    PowerOffPort(std::optional<uint8_t> s5_type, std::function<void()> power_off);

    // ^BusDevice
    // Offsets 0-1 are the register (little-endian); a byte access at offset 1 writes the high
    // byte alone, merged with the stored low byte. Offsets past 1 read 0xFF and ignore writes.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    // Applies a 16-bit write of the whole register. Returns true if it requests soft-off (and
    // calls power_off).
    bool write_value(uint16_t value);
    // The register as the guest reads it.
    uint16_t value() const;

private:
    const std::optional<uint8_t> s5_type_;
    const std::function<void()> power_off_;

    mutable std::mutex mutex_;   // a leaf lock; guards control_
    uint16_t control_ = kSciEn;  // stored bits, SLP_EN never stored
};

}  // namespace svm
