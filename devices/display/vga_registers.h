// The VGA's I/O registers at 0x3C0-0x3DF, as one BusDevice: attribute controller, misc output,
// sequencer, DAC, graphics controller, CRT controller and input status #1. Register it at 0x3C0,
// length kPortCount. Modelled after FreeVGA ("VGA/SVGA Video Programming", osdever.net/FreeVGA)
// and the OSDev wiki "VGA Hardware" page. Every register stores what is written and reads it back;
// nothing here draws: TextScreen turns the registers and the text buffer into cells, and a
// renderer shows them.
//
// Reset state: mode 3 (80x25 colour text) as a VGA BIOS leaves it, so a kernel that never touches
// the registers sees the values its code expects (cursor on scan lines 13-14, start address 0).
//
// Not modelled: the mono aliases 0x3B4/0x3B5/0x3BA (with misc output bit 0 clear the colour CRTC
// and 0x3DA stop answering, as on hardware, and nothing answers at 0x3Bx), graphics modes, the
// latches and plane logic (guest writes to 0xA0000-0xBFFFF are plain RAM), light pen, and
// writes to 0x3C1 (ignored, as QEMU does: attribute data is written through 0x3C0).
#pragma once

#include <array>
#include <cstdint>
#include <mutex>
#include <span>

#include "devices/bus_device.h"

namespace svm {

class VgaRegisters final : public BusDevice {
public:
    static constexpr uint64_t kPortCount = 0x20;  // 0x3C0-0x3DF
    // Offsets from 0x3C0 (FreeVGA's port list).
    static constexpr uint64_t kAttributeIndexData = 0x00;  // 0x3C0: index/data write (flip-flop)
    static constexpr uint64_t kAttributeDataRead = 0x01;   // 0x3C1
    static constexpr uint64_t kMiscOutputWrite = 0x02;     // 0x3C2; read = input status #0
    static constexpr uint64_t kVideoEnable = 0x03;         // 0x3C3
    static constexpr uint64_t kSequencerIndex = 0x04;      // 0x3C4
    static constexpr uint64_t kSequencerData = 0x05;       // 0x3C5
    static constexpr uint64_t kDacMask = 0x06;             // 0x3C6
    static constexpr uint64_t kDacReadIndex = 0x07;        // 0x3C7; read = DAC state
    static constexpr uint64_t kDacWriteIndex = 0x08;       // 0x3C8
    static constexpr uint64_t kDacData = 0x09;             // 0x3C9
    static constexpr uint64_t kFeatureControlRead = 0x0a;  // 0x3CA
    static constexpr uint64_t kMiscOutputRead = 0x0c;      // 0x3CC
    static constexpr uint64_t kGraphicsIndex = 0x0e;       // 0x3CE
    static constexpr uint64_t kGraphicsData = 0x0f;        // 0x3CF
    static constexpr uint64_t kCrtcIndex = 0x14;           // 0x3D4
    static constexpr uint64_t kCrtcData = 0x15;            // 0x3D5
    static constexpr uint64_t kInputStatus1 = 0x1a;        // 0x3DA; write = feature control

    // CRTC register indices used by text mode (FreeVGA "CRT Controller Registers").
    static constexpr uint8_t kCrtcCursorStart = 0x0a;  // bits 4:0 first scan line, bit 5 = off
    static constexpr uint8_t kCrtcCursorEnd = 0x0b;    // bits 4:0 last scan line, 6:5 skew
    static constexpr uint8_t kCrtcStartHigh = 0x0c;    // display start, in character cells
    static constexpr uint8_t kCrtcStartLow = 0x0d;
    static constexpr uint8_t kCrtcCursorHigh = 0x0e;  // cursor location, in character cells
    static constexpr uint8_t kCrtcCursorLow = 0x0f;
    static constexpr uint8_t kCrtcVerticalRetraceEnd = 0x11;  // bit 7 protects CR00-CR07
    static constexpr uint8_t kCrtcCount = 0x19;
    static constexpr uint8_t kSequencerCount = 0x05;
    static constexpr uint8_t kGraphicsCount = 0x09;
    static constexpr uint8_t kAttributeCount = 0x15;
    static constexpr uint8_t kAttributeModeControl = 0x10;  // bit 3 = blink (else bright bg)

    // Input status #1 bits (FreeVGA "External/General Registers").
    static constexpr uint8_t kStatusDisplayDisabled = 0x01;  // in horizontal or vertical blank
    static constexpr uint8_t kStatusVerticalRetrace = 0x08;

    VgaRegisters();

    // ^BusDevice
    // Reads byte by byte from `offset` (a 2-byte read at 0x14 reads the CRTC index and data).
    // Offsets with no register, and the colour CRTC/status ports while misc output bit 0 selects
    // the mono addresses, read as 0xFF like an unclaimed port.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    // Writes byte by byte from `offset`: `outw(0x3D4, value << 8 | index)` selects and writes a
    // CRTC register, as drivers do.
    void write(uint64_t offset, std::span<const uint8_t> data) override;

    // Host side (renderers, tests). Thread-safe. An index past the register file returns 0.
    uint8_t crtc(uint8_t index) const;
    uint8_t sequencer(uint8_t index) const;
    uint8_t graphics(uint8_t index) const;
    uint8_t attribute(uint8_t index) const;
    uint8_t misc_output() const;
    // The DAC entry `index` as red, green, blue, as written: 0-63 in the VGA's 6-bit mode (the
    // renderers use the low 6 bits then), 0-255 with the Bochs VBE's 8-bit DAC.
    std::array<uint8_t, 3> dac(uint8_t index) const;
    // Host side: loads DAC entry `index` (what a BIOS does when it sets a mode). Thread-safe.
    void set_dac(uint8_t index, std::array<uint8_t, 3> rgb);
    // CR0C:CR0D, the first character cell shown (an offset in cells into the text buffer).
    uint16_t start_address() const;
    // CR0E:CR0F, the cursor's character cell (same unit as start_address()).
    uint16_t cursor_location() const;

private:
    uint8_t read_byte_locked(uint64_t offset);
    void write_byte_locked(uint64_t offset, uint8_t value);
    bool colour_ports_locked() const { return misc_output_ & 0x01; }

    // Lock order: mutex_ is a leaf; it guards every field below.
    mutable std::mutex mutex_;
    std::array<uint8_t, kCrtcCount> crtc_{};
    std::array<uint8_t, kSequencerCount> sequencer_{};
    std::array<uint8_t, kGraphicsCount> graphics_{};
    std::array<uint8_t, kAttributeCount> attribute_{};
    std::array<std::array<uint8_t, 3>, 256> dac_{};
    uint8_t crtc_index_ = 0;
    uint8_t sequencer_index_ = 0;
    uint8_t graphics_index_ = 0;
    uint8_t attribute_index_ = 0;       // bits 4:0 index, bit 5 palette address source
    bool attribute_data_next_ = false;  // the 0x3C0 flip-flop: false = the next write is an index
    uint8_t misc_output_ = 0x67;
    uint8_t feature_control_ = 0;
    uint8_t video_enable_ = 1;
    uint8_t dac_mask_ = 0xff;
    uint8_t dac_read_index_ = 0;
    uint8_t dac_write_index_ = 0;
    uint8_t dac_component_ = 0;  // 0-2: red, green, blue of the current entry
    bool dac_reading_ = false;   // the last index written was the read index (DAC state 0x03)
    // Reads of input status #1 so far: the retrace bits advance with them (see read_byte_locked).
    uint32_t status_reads_ = 0;
};

}  // namespace svm
