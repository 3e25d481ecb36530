// PCI bus: routes configuration cycles to functions (PCI Local Bus Specification 3.0, 3.2.2.3).
#include "devices/legacy/pci_bus.h"

namespace svm {

bool PciBus::add(uint8_t bus, uint8_t device, uint8_t function, std::shared_ptr<PciFunction> f) {
    if (device > 31 || function > 7 || !f) return false;
    return functions_.emplace(key(bus, device, function), std::move(f)).second;
}

PciFunction* PciBus::find(uint8_t bus, uint8_t device, uint8_t function) const {
    auto it = functions_.find(key(bus, device, function));
    return it == functions_.end() ? nullptr : it->second.get();
}

void PciBus::read(uint8_t bus, uint8_t device, uint8_t function, unsigned offset,
                  std::span<uint8_t> data) const {
    PciFunction* f = find(bus, device, function);
    for (size_t i = 0; i < data.size(); ++i) {
        unsigned at = offset + static_cast<unsigned>(i);
        data[i] =
            (f && at < PciFunction::kConfigSize) ? f->read_config(static_cast<uint8_t>(at)) : 0xff;
    }
}

void PciBus::write(uint8_t bus, uint8_t device, uint8_t function, unsigned offset,
                   std::span<const uint8_t> data) const {
    PciFunction* f = find(bus, device, function);
    if (!f) return;
    for (size_t i = 0; i < data.size(); ++i) {
        unsigned at = offset + static_cast<unsigned>(i);
        if (at < PciFunction::kConfigSize) f->write_config(static_cast<uint8_t>(at), data[i]);
    }
}

}  // namespace svm
