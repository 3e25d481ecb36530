// MSI-X table and pending bits (PCI Local Bus Specification 3.0, 6.8.2 and 6.8.3.4).
#include "devices/legacy/pci_msix_table.h"

#include <algorithm>
#include <utility>

namespace svm {

MsixTable::MsixTable(uint16_t vectors, Deliver deliver)
    : entries_(std::clamp<uint16_t>(vectors, 1, kMaxVectors)),
      pba_((entries_.size() + 63) / 64),
      deliver_(std::move(deliver)) {}

void MsixTable::set_control(bool enabled, bool function_masked) {
    enabled_ = enabled;
    function_masked_ = function_masked;
    deliver_unmasked_pending();
}

void MsixTable::signal(uint16_t vector) {
    if (!enabled_ || vector >= vectors()) return;
    if (masked(vector)) {
        pba_[vector / 64] |= 1ull << (vector % 64);
        return;
    }
    deliver(vector);
}

bool MsixTable::pending(uint16_t vector) const {
    return vector < vectors() && (pba_[vector / 64] >> (vector % 64)) & 1;
}

bool MsixTable::masked(uint16_t vector) const {
    return function_masked_ || (entries_[vector].control & kVectorMasked);
}

void MsixTable::deliver(uint16_t vector) {
    const Entry& e = entries_[vector];
    if (deliver_) deliver_((uint64_t{e.address_high} << 32) | e.address_low, e.data);
}

void MsixTable::deliver_unmasked_pending() {
    if (!enabled_ || function_masked_) return;
    for (uint16_t v = 0; v < vectors(); ++v) {
        if (!pending(v) || masked(v)) continue;
        pba_[v / 64] &= ~(1ull << (v % 64));
        deliver(v);
    }
}

void MsixTable::read_table(uint64_t offset, std::span<uint8_t> data) const {
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t at = offset + i;
        uint64_t index = at / kEntryBytes;
        if (index >= entries_.size()) {
            data[i] = 0;
            continue;
        }
        const Entry& e = entries_[index];
        const uint32_t words[4] = {e.address_low, e.address_high, e.data, e.control};
        data[i] = static_cast<uint8_t>(words[(at % kEntryBytes) / 4] >> (8 * (at % 4)));
    }
}

void MsixTable::write_table(uint64_t offset, std::span<const uint8_t> data) {
    if ((data.size() != 4 && data.size() != 8) || offset % data.size() != 0) return;
    for (size_t word = 0; word < data.size() / 4; ++word) {
        uint64_t at = offset + 4 * word;
        uint64_t index = at / kEntryBytes;
        if (index >= entries_.size()) return;
        uint32_t value = 0;
        for (size_t i = 0; i < 4; ++i) value |= uint32_t{data[4 * word + i]} << (8 * i);
        Entry& e = entries_[index];
        switch ((at % kEntryBytes) / 4) {
            case 0:
                e.address_low = value & ~3u;
                break;  // bits 1:0 are reserved, read 0 (6.8.2.6)
            case 1:
                e.address_high = value;
                break;
            case 2:
                e.data = value;
                break;
            default:
                // Only the Mask bit exists in Vector Control (6.8.2.9); unmasking may deliver.
                e.control = value & kVectorMasked;
                deliver_unmasked_pending();
                break;
        }
    }
}

void MsixTable::read_pba(uint64_t offset, std::span<uint8_t> data) const {
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t at = offset + i;
        data[i] = at / 8 < pba_.size() ? static_cast<uint8_t>(pba_[at / 8] >> (8 * (at % 8))) : 0;
    }
}

}  // namespace svm
