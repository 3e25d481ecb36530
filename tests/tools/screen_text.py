#!/usr/bin/env python3
"""Reads the text of a framebuffer console back from a screenshot.

    screen_text.py --font FONT.psf[.gz] IMAGE.{ppm,png}

prints the screen as text, one line per row of 8x16 character cells (trailing blanks removed).
The sample OS (guest/os/fbcon.c) draws its console with a PSF font on a pixel grid of 8x16
cells from the top-left corner; QEMU's `screendump` writes PPM, svm's `--screenshot` PNG. Each
cell is matched, pixel for pixel, against the ASCII glyphs of the same font: a cell of two colours
is a glyph (the background is the image's most common colour, or the cell's own most common one
when neither colour is it), inverted cells (a block cursor) are read as the glyph they invert,
and a cell that matches nothing (a picture) is UNKNOWN, '?' unless --unknown says otherwise.

Standard library only (zlib for PNG). Formats: PSF1 and PSF2 with a Unicode table (kbd's
"Font-formats recognized by the Linux kbd package", section 1); binary PPM (P6, 8-bit; netpbm's
ppm(5)); PNG with 8-bit grey, RGB, grey+alpha or RGBA pixels, not interlaced (RFC 2083 / the PNG
specification, sections 6 "Filters" and 11 "Chunk specifications").
"""
import argparse
import collections
import gzip
import struct
import sys
import zlib

CELL_WIDTH = 8
UNKNOWN = "?"


class Image:
    """Pixels as (r, g, b) tuples, row by row."""

    def __init__(self, width, height, rgb):
        self.width, self.height = width, height
        self.rgb = rgb  # bytes, 3 per pixel

    def pixel(self, x, y):
        i = 3 * (y * self.width + x)
        return (self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])

    def colours(self, x0, y0, w, h):
        """The set of distinct colours in the rectangle (clipped to the image)."""
        found = set()
        for y in range(max(y0, 0), min(y0 + h, self.height)):
            start, end = y * self.width + max(x0, 0), y * self.width + min(x0 + w, self.width)
            row = self.rgb[3 * start : 3 * end]
            found.update(row[i : i + 3] for i in range(0, len(row), 3))
        return found


# ---- fonts -------------------------------------------------------------------------------------


def load_font(path):
    """Returns (height, {bitmap: char}) for the printable ASCII glyphs of a PSF font (gzipped or
    not); a bitmap is a bytes of `height` rows, bit 7 the leftmost pixel. Width must be 8."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:2] == b"\x36\x04":  # PSF1
        mode, height = data[2], data[3]
        count = 512 if mode & 0x01 else 256
        start, size = 4, height
        if not mode & 0x06:
            raise ValueError(f"{path}: the PSF1 font has no Unicode table")
        table = _psf1_table(data[start + count * size :], count)
    elif data[:4] == b"\x72\xb5\x4a\x86":  # PSF2
        _, start, flags, count, size, height, width = struct.unpack_from("<7I", data, 4)
        if width != CELL_WIDTH:
            raise ValueError(f"{path}: glyphs are {width} pixels wide, not {CELL_WIDTH}")
        if not flags & 1:
            raise ValueError(f"{path}: the PSF2 font has no Unicode table")
        table = _psf2_table(data[start + count * size :], count)
    else:
        raise ValueError(f"{path}: not a PSF1 or PSF2 font")
    glyphs = {}
    for glyph, code_points in enumerate(table):
        for cp in code_points:
            if 0x20 <= cp < 0x7F:
                bitmap = data[start + glyph * size : start + glyph * size + height]
                glyphs.setdefault(chr(cp), bitmap)
    if " " not in glyphs:
        raise ValueError(f"{path}: no glyph for the space")
    by_bitmap = {}
    for c in sorted(glyphs):  # the same bitmap for two characters: the lower one wins
        by_bitmap.setdefault(glyphs[c], c)
    return height, by_bitmap


def _psf1_table(table, count):
    """Each glyph's code points: UCS-2 little-endian, 0xFFFF ends a glyph, 0xFFFE starts its
    multi-character sequences (skipped)."""
    result, at = [], 0
    for _ in range(count):
        cps, in_sequence = [], False
        while True:
            (cp,) = struct.unpack_from("<H", table, at)
            at += 2
            if cp == 0xFFFF:
                break
            if cp == 0xFFFE:
                in_sequence = True
            elif not in_sequence:
                cps.append(cp)
        result.append(cps)
    return result


def _psf2_table(table, count):
    """Each glyph's code points: UTF-8, the byte 0xFF ends a glyph, 0xFE starts sequences."""
    result, at = [], 0
    for _ in range(count):
        end = table.index(b"\xff", at)
        entry = table[at:end].split(b"\xfe")[0]
        result.append([ord(c) for c in entry.decode("utf-8")])
        at = end + 1
    return result


# ---- images ------------------------------------------------------------------------------------


def read_image(path):
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"P6":
        return _read_ppm(data, path)
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return _read_png(data, path)
    raise ValueError(f"{path}: neither a binary PPM (P6) nor a PNG")


def _read_ppm(data, path):
    fields, at = [], 2
    while len(fields) < 3:  # width, height, maxval: whitespace-separated, '#' comments
        while data[at : at + 1].isspace():
            at += 1
        if data[at : at + 1] == b"#":
            at = data.index(b"\n", at) + 1
            continue
        start = at
        while not data[at : at + 1].isspace():
            at += 1
        fields.append(int(data[start:at]))
    width, height, maxval = fields
    if maxval != 255:
        raise ValueError(f"{path}: PPM maxval {maxval}, only 255 is read")
    at += 1  # the single whitespace byte before the pixels
    rgb = data[at : at + 3 * width * height]
    if len(rgb) != 3 * width * height:
        raise ValueError(f"{path}: the PPM is truncated")
    return Image(width, height, rgb)


def _paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    if pa <= pb and pa <= pc:
        return a
    return b if pb <= pc else c


def _read_png(data, path):
    at, idat, header = 8, [], None
    while at < len(data):
        length, kind = struct.unpack_from(">I4s", data, at)
        body = data[at + 8 : at + 8 + length]
        at += 12 + length
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError(f"{path}: PNG without IHDR")
    width, height, depth, colour, _, _, interlace = header
    channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
    if depth != 8 or channels is None or interlace:
        raise ValueError(f"{path}: PNG colour type {colour}, depth {depth}, interlace {interlace}: "
                         "only 8-bit grey/RGB(A), not interlaced, is read")
    raw = zlib.decompress(b"".join(idat))
    stride = width * channels
    rows, prev = [], bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1 : (y + 1) * (stride + 1)])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up, up_left = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + ((left + up) >> 1)) & 0xFF
            elif kind == 4:
                line[i] = (line[i] + _paeth(left, up, up_left)) & 0xFF
            elif kind != 0:
                raise ValueError(f"{path}: PNG filter type {kind} in row {y}")
        rows.append(bytes(line))
        prev = line
    rgb = bytearray()
    for line in rows:
        for x in range(width):
            px = line[x * channels : (x + 1) * channels]
            rgb += bytes((px[0], px[0], px[0])) if channels <= 2 else px[:3]
    return Image(width, height, bytes(rgb))


def write_png(path, image):
    """Writes `image` as an 8-bit RGB PNG (filter 0 on every row); for tests and for looking."""
    def chunk(kind, body):
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    stride = 3 * image.width
    raw = b"".join(b"\x00" + image.rgb[y * stride : (y + 1) * stride] for y in range(image.height))
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        f.write(chunk(b"IHDR", struct.pack(">IIBBBBB", image.width, image.height, 8, 2, 0, 0, 0)))
        f.write(chunk(b"IDAT", zlib.compress(raw)))
        f.write(chunk(b"IEND", b""))


# ---- reading the text --------------------------------------------------------------------------


def screen_text(image, font, unknown=UNKNOWN):
    """The screen as a list of text lines (trailing blanks removed), one per row of cells."""
    height, glyphs = font
    counts = collections.Counter(image.rgb[i : i + 3] for i in range(0, len(image.rgb), 3 * 7))
    background = counts.most_common(1)[0][0]
    lines = []
    for top in range(0, image.height - height + 1, height):
        line = []
        for left in range(0, image.width - CELL_WIDTH + 1, CELL_WIDTH):
            line.append(_read_cell(image, left, top, height, glyphs, background) or unknown)
        lines.append("".join(line).rstrip())
    return lines


def _read_cell(image, left, top, height, glyphs, background):
    stride = 3 * image.width
    rows = [image.rgb[(top + y) * stride + 3 * left : (top + y) * stride + 3 * (left + CELL_WIDTH)]
            for y in range(height)]
    pixels = collections.Counter(row[i : i + 3] for row in rows for i in range(0, len(row), 3))
    if len(pixels) > 2:
        return None
    bg = background if background in pixels else pixels.most_common(1)[0][0]
    bitmap = bytes(sum(0x80 >> x for x in range(CELL_WIDTH) if row[3 * x : 3 * x + 3] != bg)
                   for row in rows)
    if bitmap in glyphs:
        return glyphs[bitmap]
    return glyphs.get(bytes(0xFF ^ b for b in bitmap))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--font", required=True, help="the PSF font the screen was drawn with")
    parser.add_argument("--unknown", default=UNKNOWN, help="shown for cells that are no glyph")
    parser.add_argument("image", help="a screenshot: binary PPM or PNG")
    args = parser.parse_args()
    try:
        font = load_font(args.font)
        image = read_image(args.image)
    except (OSError, ValueError, zlib.error, struct.error) as e:
        print(f"screen_text.py: {e}", file=sys.stderr)
        return 1
    for line in screen_text(image, font, args.unknown):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
