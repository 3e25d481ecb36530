#include "core/display/std_vga_screen.h"

#include "devices/display/framebuffer_view.h"

namespace svm {

namespace {

std::vector<uint8_t> dac_bytes(const VgaRegisters& registers) {
    std::vector<uint8_t> out;
    out.reserve(256 * 3);
    for (int i = 0; i < 256; ++i) {
        auto rgb = registers.dac(static_cast<uint8_t>(i));
        out.insert(out.end(), rgb.begin(), rgb.end());
    }
    return out;
}

}  // namespace

StdVgaScreen::StdVgaScreen(std::shared_ptr<TextScreen> text, std::shared_ptr<BochsVbe> vbe,
                           std::span<const uint8_t> vram, DirtyLog dirty_log)
    : text_(std::move(text)),
      vbe_(std::move(vbe)),
      vram_(vram),
      dirty_log_(std::move(dirty_log)),
      bitmap_((vram.size() / FramebufferView::kPageSize + 63) / 64) {}

TextPhase StdVgaScreen::phase_now() const {
    // The VGA's frame counter at 60 Hz (TextPhase::at_frame).
    auto elapsed = std::chrono::steady_clock::now() - start_;
    return TextPhase::at_frame(
        static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()) *
        60 / 1000);
}

void StdVgaScreen::refresh(Surface& surface, std::vector<Rect>& changed) {
    std::lock_guard lock(mutex_);
    const VbeMode mode = vbe_->mode();
    if (!mode.enabled) {
        if (last_graphics_) text_renderer_.invalidate();
        last_graphics_ = false;
        std::vector<Rect> text_changed;
        text_renderer_.draw(text_->snapshot(), text_->registers(), phase_now(), surface,
                            text_changed);
        changed.insert(changed.end(), text_changed.begin(), text_changed.end());
        return;
    }
    // Graphics. Always read the dirty log, so the next interval starts now.
    const bool have_log = dirty_log_ && dirty_log_(bitmap_);
    bool whole = !last_graphics_ || !(mode == last_mode_) || surface.width != mode.width ||
                 surface.height != mode.height || !have_log;
    if (mode.bpp == 8) {
        auto dac = dac_bytes(text_->registers());
        if (dac != last_dac_) whole = true;
        last_dac_ = std::move(dac);
    }
    last_graphics_ = true;
    last_mode_ = mode;
    std::vector<Rect> rects = whole ? std::vector<Rect>{FramebufferView::whole(mode)}
                                    : FramebufferView::dirty_rects(mode, bitmap_);
    if (rects.empty()) return;
    FramebufferView::draw(vram_, mode, text_->registers(), surface, rects);
    changed.insert(changed.end(), rects.begin(), rects.end());
}

Surface StdVgaScreen::picture() const {
    Surface out;
    const VbeMode mode = vbe_->mode();
    if (mode.enabled) {
        FramebufferView::draw(vram_, mode, text_->registers(), out, {FramebufferView::whole(mode)});
        return out;
    }
    TextRenderer renderer;
    std::vector<Rect> ignored;
    renderer.draw(text_->snapshot(), text_->registers(), TextPhase{}, out, ignored);
    return out;
}

}  // namespace svm
