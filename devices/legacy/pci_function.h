// One PCI function as configuration mechanism #1 sees it: a 256-byte configuration space with
// per-byte write masks (PCI Local Bus Specification 3.0, 6.1 "Configuration Space Organization").
// A device model derives from it, fills the space in its constructor and says which bits the
// guest may change; the base class applies the masks, so read-only fields stay read-only and the
// status register's error bits are write-1-to-clear without each device re-implementing it.
#pragma once

#include <array>
#include <cstdint>
#include <mutex>

namespace svm {

class PciFunction {
public:
    static constexpr unsigned kConfigSize = 256;

    // Standard header offsets (PCI 3.0, Figure 6-1, type 0 header).
    static constexpr uint8_t kVendorId = 0x00;
    static constexpr uint8_t kDeviceId = 0x02;
    static constexpr uint8_t kCommand = 0x04;
    static constexpr uint8_t kStatus = 0x06;
    static constexpr uint8_t kRevisionId = 0x08;
    static constexpr uint8_t kClassCode = 0x09;  // 3 bytes: programming interface, subclass, class
    static constexpr uint8_t kCacheLineSize = 0x0c;
    static constexpr uint8_t kLatencyTimer = 0x0d;
    static constexpr uint8_t kHeaderType = 0x0e;
    static constexpr uint8_t kSubsystemVendorId = 0x2c;
    static constexpr uint8_t kSubsystemId = 0x2e;

    virtual ~PciFunction() = default;

    // Returns the configuration byte at `offset` (0-255). Thread-safe. Virtual so a function can
    // compute bytes (an interrupt status bit) or give reads an effect (virtio's PCI configuration
    // access window, virtio 1.2, 4.1.4.9).
    virtual uint8_t read_config(uint8_t offset);
    // Applies a guest write of one byte at `offset`: bits in the write mask take the new value,
    // bits in the write-1-to-clear mask are cleared where `value` has a 1, every other bit keeps
    // its value (PCI 3.0, 6.1: "writes to reserved or read-only bits have no effect").
    // Thread-safe.
    virtual void write_config(uint8_t offset, uint8_t value);

protected:
    // For constructors: set initial contents and masks (little-endian, as the spec lays it out).
    void set8(uint8_t offset, uint8_t value) { config_[offset] = value; }
    void set16(uint8_t offset, uint16_t value);
    void set32(uint8_t offset, uint32_t value);
    void set_writable8(uint8_t offset, uint8_t mask) { writable_[offset] = mask; }
    void set_writable16(uint8_t offset, uint16_t mask);
    void set_clear_on_write16(uint8_t offset, uint16_t mask);

private:
    std::mutex mutex_;  // a leaf lock; guards config_
    std::array<uint8_t, kConfigSize> config_{};
    std::array<uint8_t, kConfigSize> writable_{};        // bits the guest may set and clear
    std::array<uint8_t, kConfigSize> clear_on_write_{};  // bits a written 1 clears (status)
};

}  // namespace svm
