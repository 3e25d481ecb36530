// The host bridge at 00:00.0: an Intel 82441FX (i440FX) PCI and Memory Controller, the host
// bridge of QEMU's default "pc" machine, so a kernel's PCI scan finds the device it would find
// there. Only the standard type 0 header is modelled (Intel 440FX PCIset datasheet, 3.2 "PCI
// Configuration Registers": VID 8086, DID 1237, RID 02, class 060000, PCICMD 0006, PCISTS 0280);
// the chipset registers from 0x40 (DRAM, PAM, SMRAM) read as 0 and ignore writes, since svm's
// memory map is fixed and there is no BIOS shadowing to control.
#pragma once

#include "devices/legacy/pci_function.h"

namespace svm {

class PciHostBridge final : public PciFunction {
public:
    static constexpr uint16_t kVendorIntel = 0x8086;
    static constexpr uint16_t kDevice82441 = 0x1237;
    static constexpr uint8_t kRevision = 0x02;
    static constexpr uint32_t kClassHostBridge = 0x060000;  // class 06 (bridge), subclass 00 (host)

    PciHostBridge();
};

}  // namespace svm
