// QEMU std VGA PCI header (QEMU hw/display/vga-pci.c; PCI Local Bus Specification 3.0, 6.2).
#include "devices/display/vga_pci_function.h"

#include <utility>

namespace svm {

VgaPciFunction::VgaPciFunction(uint32_t bar0_address, Bar0Changed on_bar0_change)
    : on_bar0_change_(std::move(on_bar0_change)),
      reported_address_(bar0_address & ~(kBar0Size - 1)) {
    set16(kVendorId, kVendorQemu);
    set16(kDeviceId, kDeviceStdVga);
    set16(kCommand, kCommandIo | kCommandMemory);
    set_writable16(kCommand, kCommandIo | kCommandMemory);
    set16(kStatus, 0x0000);
    // Status bits 15:11 and 8 (parity/abort/SERR reports, master data parity error) are RW1C.
    set_clear_on_write16(kStatus, 0xf900);
    set8(kRevisionId, kRevision);
    set8(kClassCode, static_cast<uint8_t>(kClassVga));
    set8(kClassCode + 1, static_cast<uint8_t>(kClassVga >> 8));
    set8(kClassCode + 2, static_cast<uint8_t>(kClassVga >> 16));
    set8(kHeaderType, 0x00);  // type 0, single function

    // BAR0: the address bits below the size are hard-wired to 0 and the flags are read-only, so
    // only bits 31:24 are writable (6.2.5.1: "the device returns 0 in all don't-care address
    // bits").
    set32(kBar0, reported_address_ | kBar0Flags);
    constexpr uint32_t address_mask = ~(kBar0Size - 1);
    for (uint8_t i = 0; i < 4; ++i) {
        set_writable8(static_cast<uint8_t>(kBar0 + i),
                      static_cast<uint8_t>(address_mask >> (8 * i)));
    }

    set16(kSubsystemVendorId, kSubsystemVendor);
    set16(kSubsystemId, kSubsystem);
    set_writable8(kInterruptLine, 0xff);
}

void VgaPciFunction::write_config(uint8_t offset, uint8_t value) {
    std::lock_guard lock(report_mutex_);
    PciFunction::write_config(offset, value);
    const uint32_t address = bar0_address();
    const bool decoding = memory_decoding();
    if (address == reported_address_ && decoding == reported_decoding_) return;
    reported_address_ = address;
    reported_decoding_ = decoding;
    if (on_bar0_change_) on_bar0_change_(address, decoding);
}

uint32_t VgaPciFunction::bar0_address() const {
    return read_config32(kBar0) & ~0xfu;
}

bool VgaPciFunction::memory_decoding() const {
    return read_config32(kCommand) & kCommandMemory;
}

uint32_t VgaPciFunction::read_config32(uint8_t offset) const {
    // PciFunction::read_config is not const only because it locks its mutex; the object is never
    // created const (it lives in a shared_ptr on the PciBus), so the cast is safe.
    auto* self = const_cast<VgaPciFunction*>(this);
    uint32_t value = 0;
    for (uint8_t i = 0; i < 4; ++i) {
        value |= uint32_t{self->read_config(static_cast<uint8_t>(offset + i))} << (8 * i);
    }
    return value;
}

}  // namespace svm
