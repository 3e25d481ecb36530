#include "devices/display/vga_font.h"

#include <algorithm>
#include <map>

#include "devices/display/cp437.h"

namespace svm {

namespace {

// The glyph of CP437 byte `c` in `font`: its cp437_to_unicode() code point, else the other code
// point the Linux kernel's cp437.uni lists for it (drivers/tty/vt/cp437.uni).
std::optional<uint32_t> lookup(const PsfFont& font, uint8_t c) {
    if (auto index = font.glyph_index(cp437_to_unicode(c))) return index;
    switch (c) {
        case 0x10:
            return font.glyph_index(U'\u25B6');  // ▶ for ►
        case 0x11:
            return font.glyph_index(U'\u25C0');  // ◀ for ◄
        default:
            return std::nullopt;
    }
}

// The glyphs of `font` for the 256 CP437 characters, without stand-ins: a font that lacks a
// character may list its code point on a similar glyph (Uni2-VGA16 draws ║ with the glyph of │
// and ▲ with that of ↑), so a glyph that two characters share is no character's own, except for
// the blank glyph of 0x00, 0x20 and 0xFF.
std::array<std::optional<uint32_t>, 256> own_glyphs(const PsfFont& font) {
    std::array<std::optional<uint32_t>, 256> glyphs;
    std::map<uint32_t, int> users;
    for (unsigned c = 0; c < 256; ++c) {
        glyphs[c] = lookup(font, static_cast<uint8_t>(c));
        if (glyphs[c] && !cp437_is_blank(static_cast<uint8_t>(c))) ++users[*glyphs[c]];
    }
    for (unsigned c = 0; c < 256; ++c) {
        if (glyphs[c] && !cp437_is_blank(static_cast<uint8_t>(c)) && users[*glyphs[c]] > 1)
            glyphs[c].reset();
    }
    return glyphs;
}

}  // namespace

const VgaFont& VgaFont::builtin() {
    static const VgaFont font = [] {
        auto primary = PsfFont::parse(vga_font_psf());
        SVM_ASSERT(primary.has_value());
        auto fallback = PsfFont::parse(vga_font_fallback_psf());
        SVM_ASSERT(fallback.has_value());
        auto vga = from_psf(*primary, &*fallback);
        SVM_ASSERT(vga.has_value());
        return std::move(*vga);
    }();
    return font;
}

VgaFont VgaFont::from_glyphs(const std::array<Glyph, 256>& glyphs) {
    VgaFont vga;
    vga.glyphs_ = glyphs;
    return vga;
}

Result<VgaFont> VgaFont::from_psf(const PsfFont& font, const PsfFont* fallback) {
    for (const PsfFont* f : {&font, fallback}) {
        if (f && (f->width() != kWidth || f->height() != kHeight))
            return error("the VGA text font must be {}x{} pixels, not {}x{}", kWidth, kHeight,
                         f->width(), f->height());
    }
    VgaFont vga;
    const auto primary = own_glyphs(font);
    std::array<std::optional<uint32_t>, 256> secondary;
    if (fallback) secondary = own_glyphs(*fallback);
    std::optional<uint32_t> substitute = font.glyph_index(U'\uFFFD');
    if (!substitute) substitute = font.glyph_index(U'?');
    for (unsigned c = 0; c < 256; ++c) {
        const PsfFont* source = &font;
        std::optional<uint32_t> index = primary[c];
        if (!index && secondary[c]) {
            source = fallback;
            index = secondary[c];
        }
        if (!index) {
            vga.missing_.push_back(static_cast<uint8_t>(c));
            index = substitute;
        }
        if (!index) continue;  // leave the cell blank
        auto bitmap = source->glyph(*index);
        std::copy(bitmap.begin(), bitmap.end(), vga.glyphs_[c].begin());
    }
    return vga;
}

}  // namespace svm
