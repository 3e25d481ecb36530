// The MSI-X table and pending bit array of one PCI function (PCI Local Bus Specification 3.0,
// 6.8.2 "MSI-X Capability and Table Structure"). The function's owner keeps the capability's
// Message Control bits (MSI-X Enable, Function Mask) in its configuration space and reports them
// here; the table and the PBA live in one of its memory BARs, at offsets the owner chooses, and
// are accessed through read_table()/write_table()/read_pba().
//
// A message is delivered through an injected callback (the machine turns it into KVM_SIGNAL_MSI
// or an irqfd). A vector that is masked, by its own Mask bit or by the Function Mask, is held
// pending in the PBA and delivered when it is unmasked (6.8.3.4 "Per-vector Masking and Function
// Masking").
//
// Not thread-safe: the owner serialises every call (virtio-pci holds its register lock). The
// delivery callback is called from inside signal()/write_table()/set_control() and must not call
// back into the table.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

namespace svm {

class MsixTable {
public:
    static constexpr uint8_t kCapabilityId = 0x11;  // PCI 3.0, Appendix H
    static constexpr uint16_t kControlEnable = 1u << 15;
    static constexpr uint16_t kControlFunctionMask = 1u << 14;
    static constexpr unsigned kEntryBytes = 16;   // address low, address high, data, control
    static constexpr uint32_t kVectorMasked = 1;  // Vector Control bit 0
    static constexpr uint16_t kMaxVectors = 2048;

    // Where a message goes: the address and data the guest programmed into the entry.
    using Deliver = std::function<void(uint64_t address, uint32_t data)>;

    // `vectors` entries (1..2048), all masked with address and data 0 (6.8.2.9: "Mask bit ...
    // this bit's state after reset is 1 (entry is masked)").
    MsixTable(uint16_t vectors, Deliver deliver);

    uint16_t vectors() const { return static_cast<uint16_t>(entries_.size()); }
    // Bytes the table and the PBA take in the BAR (the PBA in whole QWORDs, 6.8.2.10).
    uint32_t table_bytes() const { return vectors() * kEntryBytes; }
    uint32_t pba_bytes() const { return ((vectors() + 63u) / 64u) * 8u; }

    // The Message Control register's MSI-X Enable and Function Mask bits changed (or not).
    // Delivers pending messages whose vectors are now unmasked.
    void set_control(bool enabled, bool function_masked);
    bool enabled() const { return enabled_; }
    bool function_masked() const { return function_masked_; }

    // Raises `vector`: delivers its message, or sets its pending bit if it is masked. Does
    // nothing if MSI-X is disabled (the owner uses INTx then) or `vector` is out of range.
    void signal(uint16_t vector);
    bool pending(uint16_t vector) const;

    // Reads the table at `offset` (any width; bytes past the table read 0).
    void read_table(uint64_t offset, std::span<uint8_t> data) const;
    // Writes the table: aligned DWORD or QWORD accesses only (6.8.2: "software must use aligned
    // full DWORD or aligned full QWORD transactions"); others are dropped. Clearing an entry's
    // Mask bit delivers its pending message.
    void write_table(uint64_t offset, std::span<const uint8_t> data);
    // Reads the pending bit array (read-only; writes are dropped by the owner).
    void read_pba(uint64_t offset, std::span<uint8_t> data) const;

private:
    struct Entry {
        uint32_t address_low = 0;
        uint32_t address_high = 0;
        uint32_t data = 0;
        uint32_t control = kVectorMasked;
    };

    bool masked(uint16_t vector) const;
    void deliver(uint16_t vector);
    void deliver_unmasked_pending();

    std::vector<Entry> entries_;
    std::vector<uint64_t> pba_;
    Deliver deliver_;
    bool enabled_ = false;
    bool function_masked_ = false;
};

}  // namespace svm
