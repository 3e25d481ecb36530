// PCI configuration mechanism #1 and the 0xCF9 reset control register (PCI Local Bus
// Specification 3.0, 3.2.2.3.2; Intel I/O Controller Hub datasheets, "Reset Control Register").
#include "devices/legacy/pci_config_port.h"

#include <algorithm>
#include <utility>

namespace svm {
namespace {

constexpr uint64_t kAddressOffset = 0;  // 0xCF8
constexpr uint64_t kResetOffset = 1;    // 0xCF9
constexpr uint64_t kDataOffset = 4;     // 0xCFC
// CONFIG_ADDRESS bits that exist: enable, bus, device, function, register (dword aligned).
constexpr uint32_t kAddressMask = 0x80fffffcu;

constexpr uint8_t kResetSysRst = 0x02;   // hard reset when RST_CPU is set
constexpr uint8_t kResetRstCpu = 0x04;   // 0 -> 1 starts the reset
constexpr uint8_t kResetFullRst = 0x08;  // ICH: full power cycle
constexpr uint8_t kResetStored = kResetSysRst | kResetFullRst;

struct Target {
    uint8_t bus, device, function;
    unsigned offset;
};

Target decode(uint32_t address, uint64_t data_offset) {
    return Target{static_cast<uint8_t>(address >> 16), static_cast<uint8_t>((address >> 11) & 31),
                  static_cast<uint8_t>((address >> 8) & 7),
                  (address & 0xfc) + static_cast<unsigned>(data_offset - kDataOffset)};
}

}  // namespace

PciConfigPort::PciConfigPort(std::shared_ptr<PciBus> bus, std::function<void()> on_reset)
    : bus_(std::move(bus)), on_reset_(std::move(on_reset)) {}

void PciConfigPort::read(uint64_t offset, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), 0xff);
    std::lock_guard lock(mutex_);
    if (offset == kAddressOffset && data.size() == 4) {
        for (size_t i = 0; i < 4; ++i) data[i] = static_cast<uint8_t>(address_ >> (8 * i));
    } else if (offset == kResetOffset && data.size() == 1) {
        data[0] = reset_control_;
    } else if (offset >= kDataOffset && offset < kSize && (address_ & kEnable)) {
        Target t = decode(address_, offset);
        bus_->read(t.bus, t.device, t.function, t.offset, data);
    }
}

void PciConfigPort::write(uint64_t offset, std::span<const uint8_t> data) {
    bool reset = false;
    {
        std::lock_guard lock(mutex_);
        if (offset == kAddressOffset && data.size() == 4) {
            uint32_t v = uint32_t{data[0]} | uint32_t{data[1]} << 8 | uint32_t{data[2]} << 16 |
                         uint32_t{data[3]} << 24;
            address_ = v & kAddressMask;
        } else if (offset == kResetOffset && data.size() == 1) {
            reset = (data[0] & kResetRstCpu) != 0;
            reset_control_ = data[0] & kResetStored;
        } else if (offset >= kDataOffset && offset < kSize && (address_ & kEnable)) {
            Target t = decode(address_, offset);
            bus_->write(t.bus, t.device, t.function, t.offset, data);
        }
    }
    if (reset && on_reset_) on_reset_();
}

}  // namespace svm
