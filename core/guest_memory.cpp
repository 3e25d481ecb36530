#include "core/guest_memory.h"

#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace svm {

Result<GuestMemory> GuestMemory::create(uint64_t size) {
    if (size == 0 || size % 4096 != 0)
        return error("guest memory size {:#x} is not a non-zero multiple of 4 KiB", size);
    void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (base == MAP_FAILED)
        return error("cannot map {} MiB of guest memory: {}", size >> 20, std::strerror(errno));
    return GuestMemory(static_cast<uint8_t*>(base), size);
}

GuestMemory::GuestMemory(GuestMemory&& other) noexcept
    : base_(std::exchange(other.base_, nullptr)), size_(std::exchange(other.size_, 0)) {}

GuestMemory& GuestMemory::operator=(GuestMemory&& other) noexcept {
    if (this != &other) {
        if (base_) munmap(base_, size_);
        base_ = std::exchange(other.base_, nullptr);
        size_ = std::exchange(other.size_, 0);
    }
    return *this;
}

GuestMemory::~GuestMemory() {
    if (base_) munmap(base_, size_);
}

Result<std::span<uint8_t>> GuestMemory::span(uint64_t gpa, uint64_t len) {
    if (!contains(gpa, len))
        return error("guest-physical range {:#x}+{:#x} is outside RAM (0-{:#x})", gpa, len, size_);
    return std::span<uint8_t>(base_ + gpa, len);
}

Result<std::span<const uint8_t>> GuestMemory::span(uint64_t gpa, uint64_t len) const {
    if (!contains(gpa, len))
        return error("guest-physical range {:#x}+{:#x} is outside RAM (0-{:#x})", gpa, len, size_);
    return std::span<const uint8_t>(base_ + gpa, len);
}

Result<void> GuestMemory::read(uint64_t gpa, std::span<uint8_t> out) const {
    auto src = TRY(span(gpa, out.size()));
    if (!out.empty()) std::memcpy(out.data(), src.data(), out.size());
    return {};
}

Result<void> GuestMemory::write(uint64_t gpa, std::span<const uint8_t> in) {
    auto dst = TRY(span(gpa, in.size()));
    if (!in.empty()) std::memcpy(dst.data(), in.data(), in.size());
    return {};
}

Result<void> GuestMemory::fill(uint64_t gpa, uint8_t value, uint64_t len) {
    auto dst = TRY(span(gpa, len));
    if (len) std::memset(dst.data(), value, len);
    return {};
}

}  // namespace svm
