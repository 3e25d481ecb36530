#include "core/display/png_writer.h"

#include <png.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <vector>

namespace svm {

namespace {

// Closes the FILE on every path out of the functions below.
struct FileCloser {
    void operator()(FILE* f) const {
        if (f) std::fclose(f);
    }
};
using FilePtr = std::unique_ptr<FILE, FileCloser>;

}  // namespace

// libpng reports errors by longjmp() to a setjmp() point. A longjmp across C++ frames with live
// objects is undefined behaviour, so svm does not call the low-level API with its own setjmp: the
// simplified API (png_image_*) does the setjmp inside libpng, frees its structures on error, and
// returns 0 with the reason in png_image::message. No longjmp ever reaches this file.
Result<void> write_png(const std::string& path, const Surface& surface) {
    if (surface.width == 0 || surface.height == 0 ||
        surface.pixels.size() != size_t{surface.width} * surface.height)
        return error("cannot write {}: the screen has no pixels", path);

    std::vector<uint8_t> rgb(surface.pixels.size() * 3);
    for (size_t i = 0; i < surface.pixels.size(); ++i) {
        const uint32_t p = surface.pixels[i];
        rgb[3 * i] = static_cast<uint8_t>(p >> 16);
        rgb[3 * i + 1] = static_cast<uint8_t>(p >> 8);
        rgb[3 * i + 2] = static_cast<uint8_t>(p);
    }

    FILE* raw = std::fopen(path.c_str(), "wb");
    if (!raw) return error("cannot open {} for writing: {}", path, std::strerror(errno));
    FilePtr file(raw);

    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    image.width = surface.width;
    image.height = surface.height;
    image.format = PNG_FORMAT_RGB;
    if (!png_image_write_to_stdio(&image, file.get(), 0, rgb.data(), 0, nullptr)) {
        const std::string reason = image.message;
        png_image_free(&image);
        // libpng's "Write Error" hides the errno of the failed fwrite(); report both.
        const int saved = errno;
        return error("cannot write {}: {} ({})", path, reason, std::strerror(saved));
    }
    // The last buffered bytes reach the file here: a full disk shows up now.
    errno = 0;
    if (std::fflush(file.get()) != 0 || std::ferror(file.get()))
        return error("cannot write {}: {}", path, std::strerror(errno ? errno : EIO));
    if (std::fclose(file.release()) != 0)
        return error("cannot write {}: {}", path, std::strerror(errno));
    return {};
}

Result<Surface> read_png(const std::string& path) {
    FILE* raw = std::fopen(path.c_str(), "rb");
    if (!raw) return error("cannot open {}: {}", path, std::strerror(errno));
    FilePtr file(raw);

    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_stdio(&image, file.get()))
        return error("cannot read {}: {}", path, image.message);
    image.format = PNG_FORMAT_RGBA;
    if (image.width == 0 || image.height == 0 || image.width > 65536 || image.height > 65536) {
        png_image_free(&image);
        return error("cannot read {}: unsupported size {}x{}", path, image.width, image.height);
    }
    std::vector<uint8_t> rgba(PNG_IMAGE_SIZE(image));
    if (!png_image_finish_read(&image, nullptr, rgba.data(), 0, nullptr))
        return error("cannot read {}: {}", path, image.message);

    Surface surface;
    surface.resize(image.width, image.height);
    for (size_t i = 0; i < surface.pixels.size(); ++i)
        surface.pixels[i] = xrgb(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]);
    return surface;
}

}  // namespace svm
