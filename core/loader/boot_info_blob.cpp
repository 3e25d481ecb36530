#include "core/loader/boot_info_blob.h"

namespace svm {

static size_t align_up(size_t value, size_t alignment) {
    return (value + alignment - 1) & ~(alignment - 1);
}

bool BootInfoBlob::fits(size_t more, size_t alignment, size_t reserve) const {
    size_t start = align_up(bytes_.size(), alignment);
    return start <= capacity_ && more <= capacity_ - start && reserve <= capacity_ - start - more;
}

void BootInfoBlob::align(size_t alignment) {
    bytes_.resize(align_up(bytes_.size(), alignment), 0);
}

size_t BootInfoBlob::append(std::span<const uint8_t> bytes) {
    size_t offset = bytes_.size();
    bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
    return offset;
}

size_t BootInfoBlob::append_string(std::string_view text) {
    size_t offset = append(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    bytes_.push_back(0);
    return offset;
}

Result<void> BootInfoBlob::commit(GuestMemory& memory) const {
    if (bytes_.size() > capacity_)
        return error(
            "the Multiboot information needs {} bytes, more than the {} bytes of svm's boot info "
            "area at {:#x} (shorten the command line or module strings)",
            bytes_.size(), capacity_, base_);
    return memory.write(base_, bytes_);
}

}  // namespace svm
