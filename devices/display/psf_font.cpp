#include "devices/display/psf_font.h"

#include <algorithm>

namespace svm {

namespace {

// kbd font-formats section 1.1 "The header".
constexpr uint8_t kPsf1Magic[2] = {0x36, 0x04};
constexpr uint8_t kPsf1Mode512 = 0x01;
constexpr uint8_t kPsf1ModeHasTab = 0x02;
constexpr uint8_t kPsf1ModeHasSeq = 0x04;
constexpr uint16_t kPsf1Separator = 0xffff;
constexpr uint16_t kPsf1StartSeq = 0xfffe;
constexpr size_t kPsf1HeaderSize = 4;

constexpr uint8_t kPsf2Magic[4] = {0x72, 0xb5, 0x4a, 0x86};
constexpr uint32_t kPsf2HasUnicodeTable = 0x01;
constexpr uint8_t kPsf2Separator = 0xff;
constexpr uint8_t kPsf2StartSeq = 0xfe;
constexpr size_t kPsf2HeaderSize = 32;

// Sanity limits for hostile headers: far above any console font (kbd's largest are 32x64, the
// kernel accepts up to 512 glyphs), low enough that the glyph data's size cannot overflow.
constexpr uint32_t kMaxGlyphs = 65536;
constexpr uint32_t kMaxDimension = 256;

uint32_t le32(std::span<const uint8_t> b, size_t at) {
    return uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 |
           uint32_t{b[at + 3]} << 24;
}

// Decodes one UTF-8 code point of `table` at `pos` (advanced past it). Rejects overlong forms,
// surrogates, values above U+10FFFF and sequences cut off by the end of the table.
Result<char32_t> decode_utf8(std::span<const uint8_t> table, size_t& pos) {
    const uint8_t lead = table[pos];
    int extra = 0;
    char32_t c = 0;
    if (lead < 0x80) {
        c = lead;
    } else if ((lead & 0xe0) == 0xc0) {
        extra = 1;
        c = lead & 0x1f;
    } else if ((lead & 0xf0) == 0xe0) {
        extra = 2;
        c = lead & 0x0f;
    } else if ((lead & 0xf8) == 0xf0) {
        extra = 3;
        c = lead & 0x07;
    } else {
        return error("PSF2 Unicode table: invalid UTF-8 byte 0x{:02x} at offset {}", lead, pos);
    }
    if (table.size() - pos - 1 < static_cast<size_t>(extra))
        return error("PSF2 Unicode table: UTF-8 sequence cut off at offset {}", pos);
    for (int i = 1; i <= extra; ++i) {
        const uint8_t b = table[pos + i];
        if ((b & 0xc0) != 0x80)
            return error("PSF2 Unicode table: invalid UTF-8 byte 0x{:02x} at offset {}", b,
                         pos + i);
        c = c << 6 | (b & 0x3f);
    }
    constexpr char32_t kMinimum[4] = {0, 0x80, 0x800, 0x10000};
    if (c < kMinimum[extra] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return error("PSF2 Unicode table: invalid code point at offset {}", pos);
    pos += 1 + extra;
    return c;
}

}  // namespace

Result<PsfFont> PsfFont::parse(std::span<const uint8_t> bytes) {
    PsfFont font;
    size_t glyph_offset = 0;
    size_t glyph_size = 0;
    if (bytes.size() >= 2 && bytes[0] == kPsf1Magic[0] && bytes[1] == kPsf1Magic[1]) {
        // PSF1: 4-byte header, 256 or 512 glyphs 8 pixels wide and `charsize` rows high.
        if (bytes.size() < kPsf1HeaderSize) return error("PSF1 header too short");
        const uint8_t mode = bytes[2];
        font.version_ = 1;
        font.glyph_count_ = (mode & kPsf1Mode512) ? 512 : 256;
        font.width_ = 8;
        font.height_ = bytes[3];
        font.has_unicode_table_ = mode & (kPsf1ModeHasTab | kPsf1ModeHasSeq);
        glyph_offset = kPsf1HeaderSize;
        glyph_size = font.height_;
    } else if (bytes.size() >= 4 && std::equal(kPsf2Magic, kPsf2Magic + 4, bytes.begin())) {
        // PSF2: 32-byte header of little-endian words (magic, version, headersize, flags,
        // length, charsize, height, width); glyphs start at headersize.
        if (bytes.size() < kPsf2HeaderSize) return error("PSF2 header too short");
        const uint32_t version = le32(bytes, 4);
        const uint32_t header_size = le32(bytes, 8);
        const uint32_t flags = le32(bytes, 12);
        const uint32_t length = le32(bytes, 16);
        const uint32_t charsize = le32(bytes, 20);
        font.version_ = 2;
        font.height_ = le32(bytes, 24);
        font.width_ = le32(bytes, 28);
        if (version != 0) return error("PSF2 version {} is not supported (only 0)", version);
        if (header_size < kPsf2HeaderSize || header_size > bytes.size())
            return error("PSF2 header size {} is outside the file ({} bytes)", header_size,
                         bytes.size());
        if (length == 0 || length > kMaxGlyphs)
            return error("PSF2 glyph count {} is out of range (1-{})", length, kMaxGlyphs);
        if (font.width_ == 0 || font.width_ > kMaxDimension)
            return error("PSF2 glyph width {} is out of range", font.width_);
        if (charsize != font.height_ * font.row_bytes())
            return error("PSF2 glyph size {} does not match {}x{} pixels", charsize, font.width_,
                         font.height_);
        font.glyph_count_ = length;
        font.has_unicode_table_ = flags & kPsf2HasUnicodeTable;
        glyph_offset = header_size;
        glyph_size = charsize;
    } else {
        return error("not a PSF font (no PSF1 or PSF2 magic number)");
    }
    if (font.height_ == 0 || font.height_ > kMaxDimension)
        return error("PSF{} glyph height {} is out of range", font.version_, font.height_);

    // Both limits above keep this product far below SIZE_MAX.
    const size_t glyph_bytes = size_t{font.glyph_count_} * glyph_size;
    if (bytes.size() - glyph_offset < glyph_bytes)
        return error("PSF{} font truncated: {} glyphs need {} bytes, {} present", font.version_,
                     font.glyph_count_, glyph_bytes, bytes.size() - glyph_offset);
    const auto glyphs = bytes.subspan(glyph_offset, glyph_bytes);
    font.bitmaps_.assign(glyphs.begin(), glyphs.end());
    if (!font.has_unicode_table_) return font;

    // kbd font-formats section 1.3 "The Unicode table": per glyph, the code points that show it,
    // then sequences each introduced by STARTSEQ, then SEPARATOR.
    const auto table = bytes.subspan(glyph_offset + glyph_bytes);
    size_t pos = 0;
    for (uint32_t glyph = 0; glyph < font.glyph_count_; ++glyph) {
        std::vector<char32_t> sequence;
        bool in_sequence = false;
        auto flush = [&] {
            if (!sequence.empty()) font.map(std::move(sequence), glyph);
            sequence.clear();
        };
        for (;;) {
            if (font.version_ == 1) {
                if (table.size() - pos < 2)
                    return error("PSF1 Unicode table truncated at glyph {}", glyph);
                const uint16_t value = static_cast<uint16_t>(table[pos] | table[pos + 1] << 8);
                pos += 2;
                if (value == kPsf1Separator) break;
                if (value == kPsf1StartSeq) {
                    flush();
                    in_sequence = true;
                    continue;
                }
                sequence.push_back(value);
            } else {
                if (pos >= table.size())
                    return error("PSF2 Unicode table truncated at glyph {}", glyph);
                const uint8_t lead = table[pos];
                if (lead == kPsf2Separator) {
                    ++pos;
                    break;
                }
                if (lead == kPsf2StartSeq) {
                    ++pos;
                    flush();
                    in_sequence = true;
                    continue;
                }
                sequence.push_back(TRY(decode_utf8(table, pos)));
            }
            // Before the first STARTSEQ every code point stands alone.
            if (!in_sequence) flush();
        }
        flush();
    }
    return font;
}

void PsfFont::map(std::vector<char32_t> sequence, uint32_t glyph) {
    if (sequence.size() == 1)
        single_.try_emplace(sequence[0], glyph);
    else
        sequences_.try_emplace(std::move(sequence), glyph);
}

std::span<const uint8_t> PsfFont::glyph(uint32_t index) const {
    SVM_ASSERT(index < glyph_count_);
    const size_t size = size_t{height_} * row_bytes();
    return std::span(bitmaps_).subspan(index * size, size);
}

std::optional<uint32_t> PsfFont::glyph_index(char32_t c) const {
    if (!has_unicode_table_) {
        if (c < glyph_count_) return static_cast<uint32_t>(c);
        return std::nullopt;
    }
    auto it = single_.find(c);
    if (it == single_.end()) return std::nullopt;
    return it->second;
}

std::optional<uint32_t> PsfFont::glyph_index(std::span<const char32_t> sequence) const {
    if (sequence.size() == 1) return glyph_index(sequence[0]);
    auto it = sequences_.find(std::vector<char32_t>(sequence.begin(), sequence.end()));
    if (it == sequences_.end()) return std::nullopt;
    return it->second;
}

}  // namespace svm
