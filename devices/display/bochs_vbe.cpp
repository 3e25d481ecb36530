// Bochs VBE DISPI registers (OSDev wiki "Bochs VBE Extensions"; QEMU hw/display/vga.c,
// vbe_ioport_read_data, vbe_ioport_write_data, vbe_fixup_regs and vga_common_reset).
#include "devices/display/bochs_vbe.h"

#include <algorithm>
#include <cstring>
#include <utility>

namespace svm {

namespace {

constexpr uint64_t k64KiB = 64 * 1024;

uint16_t clamp16(uint32_t value) {
    return static_cast<uint16_t>(std::min<uint32_t>(value, 0xffff));
}

}  // namespace

BochsVbe::BochsVbe(std::span<uint8_t> vram, ModeChanged on_mode_change)
    : vram_(vram),
      mode_callback_(std::move(on_mode_change)),
      bank_mask_(static_cast<uint16_t>(
          vram.size() >= k64KiB ? std::min<uint64_t>(vram.size() / k64KiB, 0x10000) - 1 : 0)) {
    regs_[kIndexId] = kIdMax;
}

void BochsVbe::read(uint64_t offset, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), 0xff);
    if (data.size() != 2) return;  // QEMU's portio layer only passes 16-bit accesses
    uint16_t value;
    {
        std::lock_guard lock(mutex_);
        if (offset == kIndexPort) {
            value = index_;
        } else if (offset == kDataPort || offset == kDataPortAlias) {
            value = read_register_locked();
        } else {
            return;
        }
    }
    data[0] = static_cast<uint8_t>(value);
    data[1] = static_cast<uint8_t>(value >> 8);
}

void BochsVbe::write(uint64_t offset, std::span<const uint8_t> data) {
    if (data.size() != 2) return;
    const uint16_t value = static_cast<uint16_t>(data[0] | (data[1] << 8));
    std::lock_guard notify_lock(notify_mutex_);
    VbeMode before, after;
    {
        std::lock_guard lock(mutex_);
        if (offset == kIndexPort) {
            index_ = value;
            return;
        }
        if (offset != kDataPort && offset != kDataPortAlias) return;
        before = mode_locked();
        write_register_locked(value);
        after = mode_locked();
    }
    notify_if_changed(before, after);
}

VbeMode BochsVbe::mode() const {
    std::lock_guard lock(mutex_);
    return mode_locked();
}

VbeMode BochsVbe::set_mode(uint32_t width, uint32_t height, uint32_t bpp) {
    std::lock_guard notify_lock(notify_mutex_);
    VbeMode before, after;
    {
        std::lock_guard lock(mutex_);
        before = mode_locked();
        // The register sequence a guest driver writes (OSDev "Bochs VBE Extensions": disable,
        // set XRES, YRES, BPP, enable with LFB_ENABLED). Values past 16 bits saturate rather
        // than wrap, so an absurd request becomes the maximum, not a small mode.
        const uint16_t saved_index = index_;
        const std::pair<uint16_t, uint16_t> sequence[] = {
            {kIndexEnable, 0},
            {kIndexXres, clamp16(width)},
            {kIndexYres, clamp16(height)},
            {kIndexBpp, clamp16(bpp)},
            {kIndexEnable, kEnabled | kLfbEnabled},
        };
        for (auto [index, value] : sequence) {
            index_ = index;
            write_register_locked(value);
        }
        index_ = saved_index;
        after = mode_locked();
    }
    notify_if_changed(before, after);
    return after;
}

void BochsVbe::reset() {
    std::lock_guard notify_lock(notify_mutex_);
    VbeMode before, after;
    {
        std::lock_guard lock(mutex_);
        before = mode_locked();
        index_ = 0;
        std::fill(std::begin(regs_), std::end(regs_), uint16_t{0});
        regs_[kIndexId] = kIdMax;  // vga_common_reset
        after = mode_locked();
    }
    notify_if_changed(before, after);
}

// vbe_ioport_read_data: GETCAPS turns XRES/YRES/BPP into the maxima; index 0xA reports the VRAM
// size; every other index past the register file reads 0.
uint16_t BochsVbe::read_register_locked() const {
    if (index_ < kRegisterCount) {
        if (regs_[kIndexEnable] & kGetCaps) {
            switch (index_) {
                case kIndexXres:
                    return kMaxWidth;
                case kIndexYres:
                    return kMaxHeight;
                case kIndexBpp:
                    return kMaxBpp;
                default:
                    break;
            }
        }
        return regs_[index_];
    }
    if (index_ == kIndexVideoMemory64k)
        return clamp16(static_cast<uint32_t>(vram_.size() / k64KiB));
    return 0;
}

// vbe_ioport_write_data. VIRT_HEIGHT and VIDEO_MEMORY_64K are read-only; unknown indices are
// ignored.
void BochsVbe::write_register_locked(uint16_t value) {
    switch (index_) {
        case kIndexId:
            // Only the versions the interface knows are accepted; the guest reads back the one it
            // asked for to learn it is supported.
            if (value >= kIdMin && value <= kIdMax) regs_[kIndexId] = value;
            break;
        case kIndexXres:
        case kIndexYres:
        case kIndexBpp:
        case kIndexVirtWidth:
        case kIndexXOffset:
        case kIndexYOffset:
            regs_[index_] = value;
            fixup_locked();
            break;
        case kIndexBank:
            regs_[kIndexBank] = value & bank_mask_;
            break;
        case kIndexEnable:
            if ((value & kEnabled) && !(regs_[kIndexEnable] & kEnabled)) {
                // Enabling starts from an unpanned screen whose virtual width is the visible one.
                regs_[kIndexVirtWidth] = 0;
                regs_[kIndexXOffset] = 0;
                regs_[kIndexYOffset] = 0;
                regs_[kIndexEnable] |= kEnabled;
                fixup_locked();
                if (!(value & kNoClearMem)) {
                    // The visible rows from the start of VRAM (offsets are 0 now), as QEMU's
                    // memset; fixup_locked() keeps it within the VRAM.
                    const uint64_t bytes =
                        uint64_t{regs_[kIndexYres]} *
                        (uint64_t{regs_[kIndexVirtWidth]} * storage_bits_locked() / 8);
                    if (bytes != 0 && !vram_.empty()) {
                        std::memset(vram_.data(), 0, std::min<uint64_t>(bytes, vram_.size()));
                    }
                }
            }
            regs_[kIndexEnable] = value;
            break;
        default:
            break;
    }
}

uint32_t BochsVbe::storage_bits_locked() const {
    const uint16_t bpp = regs_[kIndexBpp];
    return bpp == 15 ? 16 : bpp;
}

// vbe_fixup_regs: "As we don't have a way to signal errors to the guest in the bochs dispi
// interface we'll go adjust the registers to the closest valid value." Only while enabled, so a
// guest may write the registers in any order before enabling.
void BochsVbe::fixup_locked() {
    if (!(regs_[kIndexEnable] & kEnabled)) return;
    uint16_t* r = regs_;
    switch (r[kIndexBpp]) {
        case 8:
        case 15:
        case 16:
        case 24:
        case 32:
            break;
        default:
            r[kIndexBpp] = 8;
            break;
    }
    const uint32_t bits = storage_bits_locked();

    // Width: a multiple of 8 pixels, 8 to kMaxWidth; the virtual width at least the width.
    r[kIndexXres] &= static_cast<uint16_t>(~7u);
    if (r[kIndexXres] == 0) r[kIndexXres] = 8;
    if (r[kIndexXres] > kMaxWidth) r[kIndexXres] = kMaxWidth;
    r[kIndexVirtWidth] &= static_cast<uint16_t>(~7u);
    if (r[kIndexVirtWidth] > kMaxWidth) r[kIndexVirtWidth] = kMaxWidth;
    if (r[kIndexVirtWidth] < r[kIndexXres]) r[kIndexVirtWidth] = r[kIndexXres];

    // Height: 1 to kMaxHeight, and no more rows than the VRAM holds.
    const uint64_t line_length = uint64_t{r[kIndexVirtWidth]} * bits / 8;  // >= 8
    const uint64_t max_y = vram_.size() / line_length;
    if (r[kIndexYres] == 0) r[kIndexYres] = 1;
    if (r[kIndexYres] > kMaxHeight) r[kIndexYres] = kMaxHeight;
    if (r[kIndexYres] > max_y) r[kIndexYres] = static_cast<uint16_t>(max_y);

    // Panning: the visible rectangle must end inside the VRAM, else Y and then X offset reset.
    if (r[kIndexXOffset] > kMaxXOffset) r[kIndexXOffset] = kMaxXOffset;
    if (r[kIndexYOffset] > kMaxYOffset) r[kIndexYOffset] = kMaxYOffset;
    uint64_t offset = uint64_t{r[kIndexXOffset]} * bits / 8 + r[kIndexYOffset] * line_length;
    if (offset + r[kIndexYres] * line_length > vram_.size()) {
        r[kIndexYOffset] = 0;
        offset = uint64_t{r[kIndexXOffset]} * bits / 8;
        if (offset + r[kIndexYres] * line_length > vram_.size()) r[kIndexXOffset] = 0;
    }

    // QEMU stores max_y in the 16-bit register unclamped (it wraps for tiny lines); saturate.
    r[kIndexVirtHeight] = static_cast<uint16_t>(std::min<uint64_t>(max_y, 0xffff));
}

VbeMode BochsVbe::mode_locked() const {
    VbeMode m;
    const uint16_t enable = regs_[kIndexEnable];
    m.dac_8bit = enable & kDac8Bit;
    if (!(enable & kEnabled)) return m;
    const uint32_t bits = storage_bits_locked();
    m.enabled = true;
    m.lfb_enabled = enable & kLfbEnabled;
    m.width = regs_[kIndexXres];
    m.height = regs_[kIndexYres];
    m.bpp = regs_[kIndexBpp];
    m.virtual_width = regs_[kIndexVirtWidth];
    m.virtual_height = regs_[kIndexVirtHeight];
    m.pitch = m.virtual_width * bits / 8;
    m.x_offset = regs_[kIndexXOffset];
    m.y_offset = regs_[kIndexYOffset];
    m.start_offset = uint64_t{m.x_offset} * bits / 8 + uint64_t{m.y_offset} * m.pitch;
    return m;
}

void BochsVbe::notify_if_changed(const VbeMode& before, const VbeMode& after) {
    if (before != after && mode_callback_) mode_callback_(after);
}

}  // namespace svm
