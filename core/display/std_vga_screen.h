// What the viewer sees of the machine's display adapter (QEMU's "std VGA": VGA text plus the Bochs
// VBE linear framebuffer): the VGA text screen drawn with the VGA font while the Bochs VBE is
// disabled, the framebuffer while it is enabled. One screen, so a kernel that switches from text
// to graphics (or back) shows in the same VNC window, which resizes.
//
// Redrawing follows what the guest wrote: in text mode the cells that changed (TextRenderer); in
// graphics mode the framebuffer pages that KVM's dirty log reports (KVM_GET_DIRTY_LOG, api.rst
// 4.8), reached through an injected function so this class knows no KVM.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <vector>

#include "core/display/frame_source.h"
#include "devices/display/bochs_vbe.h"
#include "devices/display/text_renderer.h"
#include "devices/display/text_screen.h"

namespace svm {

class StdVgaScreen final : public FrameSource {
public:
    // Fills `bitmap` (one bit per 4 KiB page of the VRAM, bit i of word i / 64 = page i) with the
    // pages written since the last call and starts a new interval; returns false if it cannot
    // (the framebuffer is not mapped, or the host refused): the caller then redraws everything.
    using DirtyLog = std::function<bool(std::span<uint64_t> bitmap)>;

    // `text`, `vbe` not null; `vram` is the host view of the framebuffer memory (alive as long as
    // this object). `dirty_log` may be empty: every refresh then redraws the whole framebuffer.
    StdVgaScreen(std::shared_ptr<TextScreen> text, std::shared_ptr<BochsVbe> vbe,
                 std::span<const uint8_t> vram, DirtyLog dirty_log);

    // ^FrameSource
    // Brings `surface` up to date; the first call, a mode change or a switch between text and
    // graphics draws it whole. Thread-safe (one consumer at a time is served; others wait).
    void refresh(Surface& surface, std::vector<Rect>& changed) override;

    // The screen now, drawn whole (text: 720x400 with the cursor and blinking characters shown);
    // touches neither the dirty log nor refresh()'s state. For --screenshot and `monitor
    // screendump`. Thread-safe.
    Surface picture() const;

    // True while the Bochs VBE shows a graphics mode.
    bool graphics() const { return vbe_->mode().enabled; }

private:
    TextPhase phase_now() const;

    std::shared_ptr<TextScreen> text_;
    std::shared_ptr<BochsVbe> vbe_;
    std::span<const uint8_t> vram_;
    DirtyLog dirty_log_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();

    // Lock order: mutex_ before TextScreen's, VgaRegisters' and BochsVbe's locks.
    std::mutex mutex_;  // guards the fields below: refresh()'s state
    TextRenderer text_renderer_;
    bool last_graphics_ = false;
    VbeMode last_mode_;
    std::vector<uint8_t> last_dac_;  // 8-bpp modes: the palette of the last draw
    std::vector<uint64_t> bitmap_;
};

}  // namespace svm
