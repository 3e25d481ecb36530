// i440FX host bridge header (Intel 440FX PCIset datasheet, 3.2; PCI Local Bus Specification 3.0,
// 6.2 for the meaning of each field).
#include "devices/legacy/pci_host_bridge.h"

namespace svm {

PciHostBridge::PciHostBridge() {
    set16(kVendorId, kVendorIntel);
    set16(kDeviceId, kDevice82441);
    // PCICMD: memory space (bit 1) and bus master (bit 2) are hard-wired on for a host bridge;
    // parity error response (bit 6) and SERR# enable (bit 8) are the guest's to set.
    set16(kCommand, 0x0006);
    set_writable16(kCommand, 0x0140);
    // PCISTS: fast back-to-back capable (bit 7), medium DEVSEL timing (bits 10:9 = 01). The error
    // bits 15:11 are write-1-to-clear (PCI 3.0, 6.2.3); svm never sets them.
    set16(kStatus, 0x0280);
    set_clear_on_write16(kStatus, 0xf800);
    set8(kRevisionId, kRevision);
    set8(kClassCode, static_cast<uint8_t>(kClassHostBridge));
    set8(kClassCode + 1, static_cast<uint8_t>(kClassHostBridge >> 8));
    set8(kClassCode + 2, static_cast<uint8_t>(kClassHostBridge >> 16));
    set8(kLatencyTimer, 0);  // MLT: a read/write register in the datasheet
    set_writable8(kLatencyTimer, 0xf8);
    set8(kHeaderType, 0x00);  // type 0, single function
}

}  // namespace svm
