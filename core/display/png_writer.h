// PNG screenshots of a Surface (svm's --screenshot, gdb's `monitor screendump`, and the display
// tests' reference images), written and read with libpng's simplified API (libpng manual,
// "Simplified API", png.h "SIMPLIFIED API" section).
#pragma once

// <cstddef> for surface.h, which uses size_t without including it.
#include <cstddef>
#include <string>

#include "core/result.h"
#include "devices/display/surface.h"

namespace svm {

// Writes `surface` to `path` as an 8-bit RGB PNG (the X byte of XRGB8888 is dropped), replacing
// the file. Errors name the file in one line: "cannot open shot.png for writing: Permission
// denied", "cannot write shot.png: No space left on device". A surface with no pixels is an error.
Result<void> write_png(const std::string& path, const Surface& surface);

// Reads the PNG at `path` into a Surface. 8-bit RGB and RGBA files come back exactly (alpha is
// ignored); libpng converts other kinds (grey, palette, 16-bit) to 8-bit RGB. Errors name the file.
Result<Surface> read_png(const std::string& path);

}  // namespace svm
