// Bounds-checked reads from a file held in memory. Every offset and length a file supplies is
// checked against the buffer (overflow-safe) before a byte is copied, so a hostile or truncated
// image can make a load fail but never makes svm read outside the buffer.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <type_traits>

namespace svm {

class CheckedReader {
public:
    explicit CheckedReader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

    uint64_t size() const { return bytes_.size(); }

    // True if [offset, offset + len) lies inside the buffer. Overflow-safe.
    bool contains(uint64_t offset, uint64_t len) const {
        return offset <= bytes_.size() && len <= bytes_.size() - offset;
    }

    // Returns the sub-range [offset, offset + len), or nullopt if it is not inside the buffer.
    std::optional<std::span<const uint8_t>> range(uint64_t offset, uint64_t len) const {
        if (!contains(offset, len)) return std::nullopt;
        return bytes_.subspan(offset, len);
    }

    // Returns the T stored at `offset` (unaligned, little-endian host), or nullopt if the buffer
    // ends before offset + sizeof(T).
    template <typename T>
    requires std::is_trivially_copyable_v<T> std::optional<T> read(uint64_t offset)
    const {
        if (!contains(offset, sizeof(T))) return std::nullopt;
        T value;
        std::memcpy(&value, bytes_.data() + offset, sizeof(T));
        return value;
    }

private:
    std::span<const uint8_t> bytes_;
};

}  // namespace svm
