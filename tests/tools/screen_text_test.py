#!/usr/bin/env python3
"""Unit test of screen_text.py (label `unit`): draws known text with a PSF font into an image the
way guest/os/fbcon.c does (8x16 cells, an inverted cursor cell, a picture in some cells), writes it
as PPM and as PNG (each of the five PNG row filters), and reads the text back.

    screen_text_test.py FONT.psf[.gz]
    screen_text_test.py --write-psf2 FONT.psf[.gz] OUT.psf   (the font as PSF2, to try the PSF2
                                                              path of guest/os/font.c by hand)
"""
import gzip
import os
import struct
import sys
import tempfile
import unittest
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import screen_text  # noqa: E402

FONT_PATH, FONT = None, None
FG, BG = bytes((0xAA, 0xAA, 0xAA)), bytes((0, 0, 0))
LINES = ["svm-os> ticks", "ticks: 42 (100 Hz)", 'unknown command "Echo-Test_1" (try help)',
         "!#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
         "abcdefghijklmnopqrstuvwxyz{|}~"]


def render(columns, rows, lines, cursor, picture_cells):
    """An Image of columns x rows cells showing `lines`, the cell `cursor` inverted, and the cells
    in `picture_cells` filled with a multi-colour pattern."""
    height, by_bitmap = FONT
    glyph = {c: bitmap for bitmap, c in by_bitmap.items()}
    width = columns * screen_text.CELL_WIDTH
    rgb = bytearray(BG * (width * rows * height))
    for r in range(rows):
        text = lines[r] if r < len(lines) else ""
        for c in range(columns):
            bitmap = glyph[text[c] if c < len(text) else " "]
            for y in range(height):
                bits = bitmap[y] ^ (0xFF if (r, c) == cursor else 0)
                for x in range(8):
                    at = 3 * ((r * height + y) * width + c * 8 + x)
                    if (r, c) in picture_cells:
                        rgb[at : at + 3] = bytes((x * 30, y * 15, (x + y) * 10))
                    elif bits & (0x80 >> x):
                        rgb[at : at + 3] = FG
    return screen_text.Image(width, rows * height, bytes(rgb))


def write_ppm(path, image):
    with open(path, "wb") as f:
        f.write(b"P6\n# a comment\n%d %d\n255\n" % (image.width, image.height) + image.rgb)


def write_png_filtered(path, image, filter_type, rgba=False):
    """A PNG whose every row uses `filter_type` (PNG specification, 6.2), RGB or RGBA."""
    channels = 4 if rgba else 3
    rows = []
    for y in range(image.height):
        line = image.rgb[3 * y * image.width : 3 * (y + 1) * image.width]
        alpha = b"\xff" if rgba else b""
        rows.append(b"".join(line[i : i + 3] + alpha for i in range(0, len(line), 3)))
    raw, prev = bytearray(), bytes(len(rows[0]))
    for line in rows:
        out = bytearray()
        for i, v in enumerate(line):
            left = line[i - channels] if i >= channels else 0
            up, up_left = prev[i], prev[i - channels] if i >= channels else 0
            paeth = screen_text._paeth(left, up, up_left)
            predictor = [0, left, up, (left + up) >> 1, paeth][filter_type]
            out.append((v - predictor) & 0xFF)
        raw += bytes((filter_type,)) + out
        prev = line

    def chunk(kind, body):
        crc = zlib.crc32(kind + body)
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n")
        colour_type = 6 if rgba else 2
        header = struct.pack(">IIBBBBB", image.width, image.height, 8, colour_type, 0, 0, 0)
        f.write(chunk(b"IHDR", header))
        data = zlib.compress(bytes(raw))
        f.write(chunk(b"IDAT", data[: len(data) // 2]) + chunk(b"IDAT", data[len(data) // 2 :]))
        f.write(chunk(b"IEND", b""))


def psf1_to_psf2(psf1):
    """The same font in PSF2: header, the bitmaps, the Unicode table in UTF-8 (kbd's
    font-formats, 1.2)."""
    mode, height = psf1[2], psf1[3]
    count = 512 if mode & 1 else 256
    bitmaps = psf1[4 : 4 + count * height]
    table, at = bytearray(), 4 + count * height
    for _ in range(count):
        while True:
            (cp,) = struct.unpack_from("<H", psf1, at)
            at += 2
            if cp == 0xFFFF:
                table += b"\xff"
                break
            table += b"\xfe" if cp == 0xFFFE else chr(cp).encode("utf-8")
    header = struct.pack("<4B7I", 0x72, 0xB5, 0x4A, 0x86, 0, 32, 1, count, height, height, 8)
    return header + bitmaps + bytes(table)


class ScreenText(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.image = render(100, 6, LINES, cursor=(0, 13), picture_cells={(5, 0), (5, 1)})
        self.expected = LINES + ["", "??"]

    def tearDown(self):
        self.dir.cleanup()

    def read_back(self, path):
        return screen_text.screen_text(screen_text.read_image(path), FONT)

    def test_ppm(self):
        path = os.path.join(self.dir.name, "s.ppm")
        write_ppm(path, self.image)
        self.assertEqual(self.read_back(path), self.expected)

    def test_png_every_filter_rgb_and_rgba(self):
        for filter_type in range(5):
            for rgba in (False, True):
                path = os.path.join(self.dir.name, f"s{filter_type}{rgba}.png")
                write_png_filtered(path, self.image, filter_type, rgba)
                self.assertEqual(self.read_back(path), self.expected, (filter_type, rgba))

    def test_png_writer_round_trip(self):
        path = os.path.join(self.dir.name, "w.png")
        screen_text.write_png(path, self.image)
        self.assertEqual(screen_text.read_image(path).rgb, self.image.rgb)

    def test_colours(self):
        self.assertEqual(self.image.colours(0, 64, 8, 16), {BG})  # row 4 is empty
        self.assertGreater(len(self.image.colours(0, 80, 16, 16)), 100)

    def test_psf2_font_reads_the_same(self):
        with open(FONT_PATH, "rb") as f:
            data = f.read()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        if data[:2] != b"\x36\x04":
            self.skipTest("the font is not PSF1")
        path = os.path.join(self.dir.name, "font.psf")
        with open(path, "wb") as f:
            f.write(psf1_to_psf2(data))
        self.assertEqual(screen_text.load_font(path), FONT)

    def test_not_an_image(self):
        path = os.path.join(self.dir.name, "x.txt")
        with open(path, "wb") as f:
            f.write(b"hello")
        with self.assertRaises(ValueError):
            screen_text.read_image(path)


if __name__ == "__main__":
    if sys.argv[1] == "--write-psf2":
        with open(sys.argv[2], "rb") as f:
            data = f.read()
        with open(sys.argv[3], "wb") as f:
            f.write(psf1_to_psf2(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data))
        sys.exit(0)
    FONT_PATH = sys.argv.pop(1)
    FONT = screen_text.load_font(FONT_PATH)
    unittest.main()
