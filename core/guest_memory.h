// Guest RAM and the one bounds-checked accessor through which svm touches it.
//
// Every guest-physical range svm reads or writes goes through contains()/span()/read()/write():
// a guest-supplied address or length never reaches memcpy unchecked, and gpa + len cannot overflow.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <type_traits>

#include "core/result.h"

namespace svm {

class GuestMemory {
public:
    // Maps `size` bytes of anonymous, zeroed host memory for guest RAM at guest-physical 0.
    // Returns an error if size is zero or not page-aligned, or if mmap fails.
    static Result<GuestMemory> create(uint64_t size);

    GuestMemory(GuestMemory&& other) noexcept;
    GuestMemory& operator=(GuestMemory&& other) noexcept;
    GuestMemory(const GuestMemory&) = delete;
    GuestMemory& operator=(const GuestMemory&) = delete;
    ~GuestMemory();

    uint64_t size() const { return size_; }

    // True if [gpa, gpa + len) lies inside RAM. Overflow-safe; len 0 is contained iff gpa <= size.
    bool contains(uint64_t gpa, uint64_t len) const { return gpa <= size_ && len <= size_ - gpa; }

    // Returns the host view of [gpa, gpa + len), or an error naming the range if it is not RAM.
    Result<std::span<uint8_t>> span(uint64_t gpa, uint64_t len);
    Result<std::span<const uint8_t>> span(uint64_t gpa, uint64_t len) const;

    // Copies guest RAM out / in. Returns an error (and copies nothing) if the range is not RAM.
    Result<void> read(uint64_t gpa, std::span<uint8_t> out) const;
    Result<void> write(uint64_t gpa, std::span<const uint8_t> in);
    Result<void> fill(uint64_t gpa, uint8_t value, uint64_t len);

    template <typename T>
    requires std::is_trivially_copyable_v<T> Result<T> read_obj(uint64_t gpa)
    const {
        T value;
        TRY(read(gpa, std::span(reinterpret_cast<uint8_t*>(&value), sizeof(T))));
        return value;
    }

    template <typename T>
    requires std::is_trivially_copyable_v<T> Result<void> write_obj(uint64_t gpa, const T& value) {
        return write(gpa, std::span(reinterpret_cast<const uint8_t*>(&value), sizeof(T)));
    }

    // The host address of guest-physical 0. Only for registering the KVM memory slot.
    uint8_t* host_base_for_kvm() const { return base_; }

private:
    GuestMemory(uint8_t* base, uint64_t size) : base_(base), size_(size) {}

    uint8_t* base_ = nullptr;
    uint64_t size_ = 0;
};

}  // namespace svm
