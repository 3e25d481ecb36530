// QEMU fw_cfg, I/O port and DMA interfaces (QEMU docs/specs/fw_cfg.rst).
#include "devices/legacy/fw_cfg.h"

#include <algorithm>
#include <array>
#include <utility>

namespace svm {
namespace {

constexpr uint64_t kSelectorOffset = 0;  // 0x510
constexpr uint64_t kDataOffset = 1;      // 0x511
constexpr uint64_t kDmaOffset = 4;       // 0x514 (high half), 0x518 (low half, triggers)
constexpr std::array<uint8_t, 8> kDmaSignature = {'Q', 'E', 'M', 'U', ' ', 'C', 'F', 'G'};
constexpr uint16_t kWriteChannel = 0x4000;  // selector bit 14, no longer supported by QEMU
constexpr size_t kDirEntrySize = 64;        // struct FWCfgFile
constexpr size_t kDmaChunk = 4096;          // bytes copied per guest-memory write in a DMA read

void put_be(std::vector<uint8_t>& out, uint64_t value, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(value >> (8 * i)));
}

uint64_t get_be(std::span<const uint8_t> in) {
    uint64_t v = 0;
    for (uint8_t b : in) v = (v << 8) | b;
    return v;
}

}  // namespace

FwCfg::FwCfg(Memory memory) : memory_(std::move(memory)) {
    add_item(kSignature, [] { return std::vector<uint8_t>{'Q', 'E', 'M', 'U'}; });
    add_item(kId, [] {
        uint32_t id = kIdTraditional | kIdDma;
        return std::vector<uint8_t>{static_cast<uint8_t>(id), 0, 0, 0};
    });
    add_item(kFileDir, [this] { return directory(); });
}

void FwCfg::add_item(uint16_t selector, Content content) {
    items_[selector] = std::move(content);
}

uint16_t FwCfg::add_file(const std::string& name, Content content) {
    auto selector = static_cast<uint16_t>(kFileFirst + files_.size());
    files_.emplace_back(name.substr(0, kFileNameSize - 1), selector);
    add_item(selector, std::move(content));
    return selector;
}

std::vector<uint8_t> FwCfg::directory() const {
    // struct FWCfgFiles { be32 count; struct FWCfgFile { be32 size; be16 select; be16 reserved;
    // char name[56]; } f[]; }
    std::vector<uint8_t> out;
    put_be(out, files_.size(), 4);
    for (const auto& [name, selector] : files_) {
        auto it = items_.find(selector);
        size_t size = it == items_.end() ? 0 : it->second().size();
        put_be(out, size, 4);
        put_be(out, selector, 2);
        put_be(out, 0, 2);
        size_t at = out.size();
        out.resize(at + kFileNameSize, 0);
        std::copy(name.begin(), name.end(), out.begin() + static_cast<std::ptrdiff_t>(at));
    }
    static_assert(kDirEntrySize == 4 + 2 + 2 + kFileNameSize);
    return out;
}

void FwCfg::select_locked(uint16_t selector) {
    selector &= static_cast<uint16_t>(~kWriteChannel);
    auto it = items_.find(selector);
    current_ = it == items_.end() ? std::vector<uint8_t>{} : it->second();
    offset_ = 0;
}

void FwCfg::read(uint64_t offset, std::span<uint8_t> data) {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t at = offset + i;
        if (at == kDataOffset && offset == kDataOffset) {
            // A wider read at the data port returns that many consecutive bytes of the item.
            data[i] = offset_ < current_.size() ? current_[offset_] : 0;
            if (offset_ < current_.size()) ++offset_;
            for (size_t j = i + 1; j < data.size(); ++j) {
                data[j] = offset_ < current_.size() ? current_[offset_] : 0;
                if (offset_ < current_.size()) ++offset_;
            }
            return;
        }
        if (at >= kDmaOffset && at < kSize) {
            data[i] = kDmaSignature[at - kDmaOffset];
        } else {
            data[i] = 0xff;  // the selector is write-only; 0x512-0x513 do not exist
        }
    }
}

void FwCfg::write(uint64_t offset, std::span<const uint8_t> data) {
    std::lock_guard lock(mutex_);
    if (offset == kSelectorOffset && (data.size() == 2 || data.size() == 1)) {
        // Little-endian on the I/O port variant.
        uint16_t selector = data[0];
        if (data.size() == 2) selector = static_cast<uint16_t>(selector | data[1] << 8);
        select_locked(selector);
    } else if (offset == kDmaOffset && data.size() == 4) {
        dma_high_ = static_cast<uint32_t>(get_be(data));
    } else if (offset == kDmaOffset + 4 && data.size() == 4) {
        uint64_t address = (uint64_t{dma_high_} << 32) | get_be(data);
        dma_high_ = 0;
        run_dma_locked(address);
    } else if (offset == kDmaOffset && data.size() == 8) {
        run_dma_locked(get_be(data));
    }
    // Writes to the data port are ignored: no item is writable.
}

void FwCfg::run_dma_locked(uint64_t address) {
    // struct FWCfgDmaAccess { be32 control; be32 length; be64 address; }
    std::array<uint8_t, 16> access{};
    if (!memory_.read || !memory_.read(address, access)) return;  // nowhere to report an error
    auto control = static_cast<uint32_t>(get_be(std::span(access).subspan(0, 4)));
    auto length = static_cast<uint32_t>(get_be(std::span(access).subspan(4, 4)));
    uint64_t buffer = get_be(std::span(access).subspan(8, 8));

    bool error = false;
    if (control & kDmaSelect) select_locked(static_cast<uint16_t>(control >> 16));
    if (control & kDmaRead) {
        // `length` is the guest's (up to 4 GiB): copy in bounded chunks rather than allocating
        // it. The last byte is probed first so a buffer that runs out of RAM is refused before
        // anything is written (RAM is one range from 0).
        size_t available = offset_ < current_.size() ? current_.size() - offset_ : 0;
        size_t n = std::min<size_t>(available, length);
        std::array<uint8_t, 1> probe{};
        error =
            !memory_.write || (length != 0 && (buffer + (length - 1) < buffer || !memory_.read ||
                                               !memory_.read(buffer + (length - 1), probe)));
        std::array<uint8_t, kDmaChunk> chunk{};
        for (uint64_t done = 0; !error && done < length;) {
            size_t size = static_cast<size_t>(std::min<uint64_t>(kDmaChunk, length - done));
            size_t from_item = done < n ? std::min<size_t>(size, n - static_cast<size_t>(done)) : 0;
            if (from_item != 0)
                std::copy_n(current_.begin() + static_cast<std::ptrdiff_t>(offset_ + done),
                            from_item, chunk.begin());
            std::fill(chunk.begin() + static_cast<std::ptrdiff_t>(from_item),
                      chunk.begin() + static_cast<std::ptrdiff_t>(size), 0);
            error = !memory_.write(buffer + done, std::span(chunk).first(size));
            done += size;
        }
        if (!error) offset_ += n;
    } else if (control & kDmaWrite) {
        error = true;  // no writable items
    } else if (control & kDmaSkip) {
        offset_ = std::min<size_t>(offset_ + length, current_.size());
    }
    std::array<uint8_t, 4> done{0, 0, 0, static_cast<uint8_t>(error ? kDmaError : 0)};
    if (memory_.write) memory_.write(address, done);
}

}  // namespace svm
