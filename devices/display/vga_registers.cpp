#include "devices/display/vga_registers.h"

namespace svm {

namespace {

// Mode 3 (80x25 text, 720x400, 16 colours): the register values of the standard VGA mode table
// (FreeVGA "VGA Register Values for Mode 3"; the OSDev wiki "VGA Hardware" mode 03h table).
constexpr std::array<uint8_t, VgaRegisters::kCrtcCount> kMode3Crtc = {
    0x5f, 0x4f, 0x50, 0x82, 0x55, 0x81, 0xbf, 0x1f, 0x00, 0x4f, 0x0d, 0x0e, 0x00,
    0x00, 0x00, 0x00, 0x9c, 0x8e, 0x8f, 0x28, 0x1f, 0x96, 0xb9, 0xa3, 0xff};
constexpr std::array<uint8_t, VgaRegisters::kSequencerCount> kMode3Sequencer = {0x03, 0x00, 0x03,
                                                                                0x00, 0x02};
constexpr std::array<uint8_t, VgaRegisters::kGraphicsCount> kMode3Graphics = {
    0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x0e, 0x0f, 0xff};
constexpr std::array<uint8_t, VgaRegisters::kAttributeCount> kMode3Attribute = {
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x14, 0x07, 0x38, 0x39, 0x3a,
    0x3b, 0x3c, 0x3d, 0x3e, 0x3f, 0x0c, 0x00, 0x0f, 0x08, 0x00};

// The 64 EGA colours a VGA BIOS loads into DAC entries 0-63 for the 16-colour modes: index bits
// 5:0 are rgbRGB, a primary bit adds 2/3 of full scale and a secondary bit 1/3 (6-bit DAC values).
std::array<uint8_t, 3> ega_colour(unsigned i) {
    auto level = [&](unsigned primary, unsigned secondary) {
        return static_cast<uint8_t>((i >> primary & 1) * 0x2a + (i >> secondary & 1) * 0x15);
    };
    return {level(2, 5), level(1, 4), level(0, 3)};
}

}  // namespace

VgaRegisters::VgaRegisters()
    : crtc_(kMode3Crtc),
      sequencer_(kMode3Sequencer),
      graphics_(kMode3Graphics),
      attribute_(kMode3Attribute) {
    for (unsigned i = 0; i < 64; ++i) dac_[i] = ega_colour(i);
    attribute_index_ = 0x20;  // palette address source: the screen is on
}

void VgaRegisters::read(uint64_t offset, std::span<uint8_t> data) {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < data.size(); ++i) data[i] = read_byte_locked(offset + i);
}

void VgaRegisters::write(uint64_t offset, std::span<const uint8_t> data) {
    std::lock_guard lock(mutex_);
    for (size_t i = 0; i < data.size(); ++i) write_byte_locked(offset + i, data[i]);
}

uint8_t VgaRegisters::read_byte_locked(uint64_t offset) {
    switch (offset) {
        case kAttributeIndexData:
            return attribute_index_;
        case kAttributeDataRead: {
            uint8_t index = attribute_index_ & 0x1f;
            return index < kAttributeCount ? attribute_[index] : 0;
        }
        case kMiscOutputWrite:
            return 0x00;  // input status #0: no switch sense, no CRT interrupt pending
        case kVideoEnable:
            return video_enable_;
        case kSequencerIndex:
            return sequencer_index_;
        case kSequencerData:
            return sequencer_index_ < kSequencerCount ? sequencer_[sequencer_index_] : 0;
        case kDacMask:
            return dac_mask_;
        case kDacReadIndex:
            return dac_reading_ ? 0x03 : 0x00;  // DAC state register
        case kDacWriteIndex:
            return dac_write_index_;
        case kDacData: {
            // Reads walk red, green, blue of the read index's entry, then the next entry.
            uint8_t value = dac_[dac_read_index_][dac_component_];
            if (++dac_component_ == 3) {
                dac_component_ = 0;
                ++dac_read_index_;
            }
            return value;
        }
        case kFeatureControlRead:
            return feature_control_;
        case kMiscOutputRead:
            return misc_output_;
        case kGraphicsIndex:
            return graphics_index_;
        case kGraphicsData:
            return graphics_index_ < kGraphicsCount ? graphics_[graphics_index_] : 0;
        case kCrtcIndex:
            return colour_ports_locked() ? crtc_index_ : 0xff;
        case kCrtcData:
            if (!colour_ports_locked()) return 0xff;
            return crtc_index_ < kCrtcCount ? crtc_[crtc_index_] : 0;
        case kInputStatus1: {
            if (!colour_ports_locked()) return 0xff;
            // Reading input status #1 resets the attribute controller's flip-flop to "index"
            // (FreeVGA "Attribute Controller Registers").
            attribute_data_next_ = false;
            // No raster here, so the status advances with every read instead of with time: a cycle
            // of four reads is active display, blank, active display, vertical retrace. A loop that
            // waits for retrace to end, then to begin (`while (inb(0x3DA) & 8); while
            // (!(inb(0x3DA) & 8));`) ends within four reads, and so does a wait on bit 0.
            uint32_t phase = status_reads_++ % 4;
            uint8_t status = 0;
            if (phase % 2 == 1) status |= kStatusDisplayDisabled;
            if (phase == 3) status |= kStatusVerticalRetrace;
            return status;
        }
        default:
            return 0xff;
    }
}

void VgaRegisters::write_byte_locked(uint64_t offset, uint8_t value) {
    switch (offset) {
        case kAttributeIndexData:
            // One port, two meanings: a flip-flop alternates index and data writes.
            if (!attribute_data_next_) {
                attribute_index_ = value & 0x3f;  // bits 4:0 index, bit 5 palette address source
            } else {
                uint8_t index = attribute_index_ & 0x1f;
                if (index < kAttributeCount) attribute_[index] = value;
            }
            attribute_data_next_ = !attribute_data_next_;
            break;
        case kMiscOutputWrite:
            misc_output_ = value;
            break;
        case kVideoEnable:
            video_enable_ = value & 0x01;
            break;
        case kSequencerIndex:
            sequencer_index_ = value & 0x07;
            break;
        case kSequencerData:
            if (sequencer_index_ < kSequencerCount) sequencer_[sequencer_index_] = value;
            break;
        case kDacMask:
            dac_mask_ = value;
            break;
        case kDacReadIndex:
            dac_read_index_ = value;
            dac_component_ = 0;
            dac_reading_ = true;
            break;
        case kDacWriteIndex:
            dac_write_index_ = value;
            dac_component_ = 0;
            dac_reading_ = false;
            break;
        case kDacData:
            // All 8 bits are kept, as QEMU's VGA does: the Bochs VBE's 8-bit DAC mode (ENABLE bit 5)
            // uses them; in the VGA's own 6-bit mode the renderers take the low 6.
            dac_[dac_write_index_][dac_component_] = value;
            if (++dac_component_ == 3) {
                dac_component_ = 0;
                ++dac_write_index_;
            }
            break;
        case kGraphicsIndex:
            graphics_index_ = value & 0x0f;
            break;
        case kGraphicsData:
            if (graphics_index_ < kGraphicsCount) graphics_[graphics_index_] = value;
            break;
        case kCrtcIndex:
            if (colour_ports_locked()) crtc_index_ = value & 0x1f;
            break;
        case kCrtcData: {
            if (!colour_ports_locked() || crtc_index_ >= kCrtcCount) break;
            // CR11 bit 7 write-protects CR00-CR07, except the line compare bit (bit 4) of CR07.
            const bool protect = crtc_[kCrtcVerticalRetraceEnd] & 0x80;
            if (protect && crtc_index_ < 0x07) break;
            if (protect && crtc_index_ == 0x07)
                value = static_cast<uint8_t>((crtc_[0x07] & ~0x10) | (value & 0x10));
            crtc_[crtc_index_] = value;
            break;
        }
        case kInputStatus1:
            if (colour_ports_locked())
                feature_control_ = value;  // feature control (colour address)
            break;
        default:
            break;
    }
}

uint8_t VgaRegisters::crtc(uint8_t index) const {
    std::lock_guard lock(mutex_);
    return index < kCrtcCount ? crtc_[index] : 0;
}

uint8_t VgaRegisters::sequencer(uint8_t index) const {
    std::lock_guard lock(mutex_);
    return index < kSequencerCount ? sequencer_[index] : 0;
}

uint8_t VgaRegisters::graphics(uint8_t index) const {
    std::lock_guard lock(mutex_);
    return index < kGraphicsCount ? graphics_[index] : 0;
}

uint8_t VgaRegisters::attribute(uint8_t index) const {
    std::lock_guard lock(mutex_);
    return index < kAttributeCount ? attribute_[index] : 0;
}

uint8_t VgaRegisters::misc_output() const {
    std::lock_guard lock(mutex_);
    return misc_output_;
}

std::array<uint8_t, 3> VgaRegisters::dac(uint8_t index) const {
    std::lock_guard lock(mutex_);
    return dac_[index];
}

void VgaRegisters::set_dac(uint8_t index, std::array<uint8_t, 3> rgb) {
    std::lock_guard lock(mutex_);
    dac_[index] = rgb;
}

uint16_t VgaRegisters::start_address() const {
    std::lock_guard lock(mutex_);
    return static_cast<uint16_t>(crtc_[kCrtcStartHigh] << 8 | crtc_[kCrtcStartLow]);
}

uint16_t VgaRegisters::cursor_location() const {
    std::lock_guard lock(mutex_);
    return static_cast<uint16_t>(crtc_[kCrtcCursorHigh] << 8 | crtc_[kCrtcCursorLow]);
}

}  // namespace svm
