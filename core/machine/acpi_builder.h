// Byte builders shared by svm's ACPI tables (acpi.cpp, acpi_fixed.cpp): a little-endian buffer,
// the common system description table header and the Generic Address Structure.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace svm::acpi {

// A little-endian byte builder for ACPI structures.
class Table {
public:
    void bytes(std::string_view s) { data_.insert(data_.end(), s.begin(), s.end()); }
    template <typename T>
    void le(T value) {
        for (size_t i = 0; i < sizeof(T); ++i)
            data_.push_back(static_cast<uint8_t>(static_cast<uint64_t>(value) >> (8 * i)));
    }
    void raw(const std::vector<uint8_t>& more) {
        data_.insert(data_.end(), more.begin(), more.end());
    }
    void put_le32(size_t offset, uint32_t value) {
        for (size_t i = 0; i < 4; ++i) data_[offset + i] = static_cast<uint8_t>(value >> (8 * i));
    }
    // Sets data_[offset] so that bytes [from, to) sum to zero.
    void checksum(size_t offset, size_t from, size_t to) {
        data_[offset] = 0;
        uint8_t sum = 0;
        for (size_t i = from; i < to; ++i) sum = static_cast<uint8_t>(sum + data_[i]);
        data_[offset] = static_cast<uint8_t>(-sum);
    }
    size_t size() const { return data_.size(); }
    std::vector<uint8_t>& data() { return data_; }

private:
    std::vector<uint8_t> data_;
};

// The 36-byte header of every system description table (ACPI 6.5, 5.2.6); length and checksum
// are filled in by finish_sdt().
inline void sdt_header(Table& t, std::string_view signature, uint8_t revision) {
    t.bytes(signature);
    t.le<uint32_t>(0);  // length
    t.le<uint8_t>(revision);
    t.le<uint8_t>(0);     // checksum
    t.bytes("SVM   ");    // OEM id (6)
    t.bytes("SVMMACH ");  // OEM table id (8)
    t.le<uint32_t>(1);    // OEM revision
    t.bytes("SVM ");      // creator id
    t.le<uint32_t>(1);    // creator revision
}

// Sets the header's length and checksum (the whole table sums to 0).
inline void finish_sdt(Table& t) {
    t.put_le32(4, static_cast<uint32_t>(t.size()));
    t.checksum(9, 0, t.size());
}

// Generic Address Structure (ACPI 6.5, 5.2.3.2): 12 bytes.
constexpr uint8_t kSpaceMemory = 0;
constexpr uint8_t kSpaceIo = 1;
inline void gas(Table& t, uint8_t space, uint8_t bit_width, uint8_t access_size, uint64_t address) {
    t.le<uint8_t>(space);
    t.le<uint8_t>(bit_width);
    t.le<uint8_t>(0);            // bit offset
    t.le<uint8_t>(access_size);  // 1 byte, 2 word, 3 dword, 4 qword
    t.le<uint64_t>(address);
}

}  // namespace svm::acpi
