// The boot information svm hands a Multiboot kernel, assembled on the host and written to guest
// memory in one checked write. It lives at SVM_BOOT_INFO_ADDR and must end by SVM_BOOT_INFO_END;
// everything in it is addressed by guest-physical address (base + offset).
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "core/guest_memory.h"
#include "core/result.h"

namespace svm {

class BootInfoBlob {
public:
    BootInfoBlob(uint64_t base, uint64_t capacity) : base_(base), capacity_(capacity) {}

    size_t size() const { return bytes_.size(); }
    // The guest-physical address of byte `offset`.
    uint32_t address(size_t offset) const { return static_cast<uint32_t>(base_ + offset); }
    // True if `more` bytes can be appended after padding to `alignment` and still leave
    // `reserve` bytes of the area free.
    bool fits(size_t more, size_t alignment = 1, size_t reserve = 0) const;

    // Pads with zeros to a multiple of `alignment` (a power of two).
    void align(size_t alignment);
    // Appends bytes and returns their offset. Appending past the capacity is allowed;
    // commit() reports it.
    size_t append(std::span<const uint8_t> bytes);
    // Appends `text` and a NUL; returns the offset of the first character.
    size_t append_string(std::string_view text);

    template <typename T>
    requires std::is_trivially_copyable_v<T> size_t append_obj(const T& value) {
        return append(std::span(reinterpret_cast<const uint8_t*>(&value), sizeof(T)));
    }

    // Overwrites sizeof(T) bytes at `offset`, which must have been appended already.
    template <typename T>
    requires std::is_trivially_copyable_v<T>
    void patch(size_t offset, const T& value) {
        SVM_ASSERT(offset <= bytes_.size() && sizeof(T) <= bytes_.size() - offset);
        std::memcpy(bytes_.data() + offset, &value, sizeof(T));
    }

    std::span<uint8_t> bytes() { return bytes_; }

    // Writes the blob to guest memory at base. Returns an error saying how large the boot
    // information became if it exceeds the capacity, or if the area is not RAM.
    Result<void> commit(GuestMemory& memory) const;

private:
    uint64_t base_;
    uint64_t capacity_;
    std::vector<uint8_t> bytes_;
};

}  // namespace svm
