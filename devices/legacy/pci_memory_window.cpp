#include "devices/legacy/pci_memory_window.h"

#include <algorithm>
#include <mutex>

#include "core/log.h"

namespace svm {

bool PciMemoryWindow::map(uint64_t key, uint64_t address, uint64_t length,
                          std::shared_ptr<BusDevice> device, std::string name) {
    std::unique_lock lock(mutex_);
    bars_.erase(key);
    if (length == 0 || address < base_ || address - base_ > size_ ||
        length > size_ - (address - base_)) {
        // Sizing a BAR (all ones written, PCI 3.0, 6.2.5.1) passes through such addresses on
        // every boot of a kernel that leaves decoding on meanwhile: not worth more than -v.
        log::verbose("PCI: {} BAR at {:#x}+{:#x}, outside the PCI memory window {:#x}-{:#x}: "
                     "not decoded there",
                     name, address, length, base_, base_ + size_ - 1);
        return false;
    }
    for (const auto& [other_key, bar] : bars_) {
        if (address < bar.address + bar.length && bar.address < address + length &&
            !logged_overlap_.exchange(true))
            log::info("PCI: {} BAR at {:#x}+{:#x} overlaps {} at {:#x}+{:#x}; {} keeps the overlap",
                      name, address, length, bar.name, bar.address, bar.length, bar.name);
    }
    bars_.emplace(key, Bar{address, length, std::move(device), std::move(name)});
    return true;
}

void PciMemoryWindow::unmap(uint64_t key) {
    std::unique_lock lock(mutex_);
    bars_.erase(key);
}

const PciMemoryWindow::Bar* PciMemoryWindow::find(uint64_t address, uint64_t size) const {
    // A handful of BARs: a linear scan in mapping order (the first mapped wins an overlap).
    const Bar* found = nullptr;
    for (const auto& [key, bar] : bars_) {
        if (address >= bar.address && address - bar.address < bar.length &&
            size <= bar.length - (address - bar.address)) {
            if (!found || bar.address < found->address) found = &bar;
        }
    }
    return found;
}

void PciMemoryWindow::note_unclaimed(uint64_t address, bool is_write) {
    unclaimed_.fetch_add(1, std::memory_order_relaxed);
    if (!logged_unclaimed_.exchange(true))
        log::verbose("PCI: {} at {:#x} hits no BAR (reads all-ones; logged once)",
                     is_write ? "write" : "read", address);
}

PciMemoryWindow::Route PciMemoryWindow::route(uint64_t offset, size_t size) const {
    const uint64_t address = base_ + offset;
    std::shared_lock lock(mutex_);
    if (const Bar* bar = find(address, size)) return {bar->device, address - bar->address};
    return {nullptr, address};
}

void PciMemoryWindow::read(uint64_t offset, std::span<uint8_t> data) {
    // The device is called without the lock: its callbacks may move BARs (a BAR-change report).
    if (auto [device, at] = route(offset, data.size()); device) return device->read(at, data);
    std::fill(data.begin(), data.end(), 0xff);
    note_unclaimed(base_ + offset, false);
}

void PciMemoryWindow::write(uint64_t offset, std::span<const uint8_t> data) {
    if (auto [device, at] = route(offset, data.size()); device) return device->write(at, data);
    note_unclaimed(base_ + offset, true);
}

}  // namespace svm
