// PCI configuration space with write masks (PCI Local Bus Specification 3.0, 6.1 and 6.2.3).
#include "devices/legacy/pci_function.h"

namespace svm {

uint8_t PciFunction::read_config(uint8_t offset) {
    std::lock_guard lock(mutex_);
    return config_[offset];
}

void PciFunction::write_config(uint8_t offset, uint8_t value) {
    std::lock_guard lock(mutex_);
    uint8_t keep = static_cast<uint8_t>(config_[offset] & ~writable_[offset]);
    uint8_t set = static_cast<uint8_t>(value & writable_[offset]);
    uint8_t cleared = static_cast<uint8_t>(value & clear_on_write_[offset]);
    config_[offset] = static_cast<uint8_t>((keep | set) & ~cleared);
}

void PciFunction::set16(uint8_t offset, uint16_t value) {
    config_[offset] = static_cast<uint8_t>(value);
    config_[offset + 1] = static_cast<uint8_t>(value >> 8);
}

void PciFunction::set32(uint8_t offset, uint32_t value) {
    set16(offset, static_cast<uint16_t>(value));
    set16(static_cast<uint8_t>(offset + 2), static_cast<uint16_t>(value >> 16));
}

void PciFunction::set_writable16(uint8_t offset, uint16_t mask) {
    writable_[offset] = static_cast<uint8_t>(mask);
    writable_[offset + 1] = static_cast<uint8_t>(mask >> 8);
}

void PciFunction::set_clear_on_write16(uint8_t offset, uint16_t mask) {
    clear_on_write_[offset] = static_cast<uint8_t>(mask);
    clear_on_write_[offset + 1] = static_cast<uint8_t>(mask >> 8);
}

}  // namespace svm
