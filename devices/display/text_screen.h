// The VGA text screen: 80x25 cells in guest RAM at 0xB8000 plus the VGA registers that say which
// cells are shown and where the cursor is. The text buffer is ordinary RAM (the guest writes it
// without a VM exit), so the model reads it through an injected reader whenever a renderer asks.
// This class knows no renderer: the terminal, --screen-text, gdb's `monitor screen` and later
// VNC/PNG all draw the same TextSnapshot.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>

#include "devices/display/text_snapshot.h"
#include "devices/display/vga_registers.h"

namespace svm {

class TextScreen {
public:
    // The colour text window is 32 KiB at 0xB8000 (graphics controller misc register memory map
    // select 11b): the CRTC start address may show any 4000 bytes of it, wrapping at its end.
    static constexpr uint64_t kWindowSize = 0x8000;

    // Copies out.size() bytes of the text window at `offset` (0 = 0xB8000; offset + size never
    // exceeds kWindowSize) into `out`. Returns false if the bytes cannot be read (no RAM there).
    using Reader = std::function<bool(uint64_t offset, std::span<uint8_t> out)>;

    // `registers` must not be null. Thread-safe once constructed.
    TextScreen(std::shared_ptr<VgaRegisters> registers, Reader reader);

    // The screen now: the 2000 cells from the CRTC start address, the cursor and the blink mode.
    // Cells that cannot be read show as blank (0x20 on 0x07).
    TextSnapshot snapshot() const;

    // Records the cells now shown as the screen's untouched state (call once the machine is set
    // up, before the guest runs).
    void remember_initial();
    // True if the shown cells differ from the remembered initial state (or, if none was
    // remembered, from a blank screen): the guest wrote to the text screen.
    bool was_written() const;

    VgaRegisters& registers() { return *registers_; }

private:
    std::shared_ptr<VgaRegisters> registers_;
    Reader reader_;

    mutable std::mutex mutex_;  // leaf; guards initial_
    std::optional<std::array<TextCell, TextSnapshot::kCells>> initial_;
};

}  // namespace svm
