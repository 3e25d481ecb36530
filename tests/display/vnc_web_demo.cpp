// The browser test's two halves in one small program (tests/display/browser_test.sh runs it):
//  - `vnc_web_demo serve URL_FILE`: runs svm's VncServer on 127.0.0.1 (free ports) with the noVNC
//    web view over a fake screen, a 640x480 blue picture with a red rectangle over its middle
//    (x 160-479, y 120-359), writes the web view's URL to URL_FILE, and serves until it is killed
//    (at most 5 minutes).
//  - `vnc_web_demo check PNG`: decodes a screenshot (libpng) and checks that it shows that
//    picture, whatever the browser's scaling: many blue and many red pixels, with the red ones
//    centred in the blue ones' bounding box. Exits 0 if so, 1 with a sentence otherwise.
#include <png.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "core/display/vnc_server.h"
#include "core/log.h"

namespace {

using namespace svm;

constexpr uint32_t kWidth = 640, kHeight = 480;
constexpr Rect kRedRect{160, 120, 320, 240};

class PatternScreen final : public FrameSource {
public:
    void refresh(Surface& surface, std::vector<Rect>& changed) override {
        if (surface.width == kWidth && surface.height == kHeight) return;  // never changes
        surface.resize(kWidth, kHeight);
        for (uint32_t y = 0; y < kHeight; ++y)
            for (uint32_t x = 0; x < kWidth; ++x) {
                const bool red = x >= kRedRect.x && x < kRedRect.x + kRedRect.width &&
                                 y >= kRedRect.y && y < kRedRect.y + kRedRect.height;
                surface.at(x, y) = red ? xrgb(255, 0, 0) : xrgb(0, 0, 255);
            }
        changed.push_back({0, 0, kWidth, kHeight});
    }
};

int serve(const char* url_file) {
    if (std::getenv("VNC_WEB_DEMO_DEBUG")) log::g_level = log::Level::Debug;
    PatternScreen screen;
    VncEndpoint endpoint;
    endpoint.port = 0;
    VncServerOptions options;
    options.web_port = 0;
    auto server = VncServer::create(endpoint, screen, {}, options);
    if (!server) {
        std::fprintf(stderr, "vnc_web_demo: %s\n", server.error().message.c_str());
        return 1;
    }
    {
        std::ofstream out(std::string(url_file) + ".tmp");
        out << (*server)->web_url() << "\n";
    }
    std::rename((std::string(url_file) + ".tmp").c_str(), url_file);
    // Serves until killed; alarm() ends a demo whose test script died without killing it.
    alarm(300);
    for (;;) pause();
}

int check(const char* png_file) {
    png_image image{};
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, png_file)) {
        std::printf("check: cannot read %s: %s\n", png_file, image.message);
        return 1;
    }
    image.format = PNG_FORMAT_RGB;
    std::vector<uint8_t> rgb(PNG_IMAGE_SIZE(image));
    if (!png_image_finish_read(&image, nullptr, rgb.data(), 0, nullptr)) {
        std::printf("check: cannot decode %s: %s\n", png_file, image.message);
        return 1;
    }
    const uint32_t w = image.width, h = image.height;
    uint64_t red = 0, blue = 0, rx = 0, ry = 0;
    uint32_t bx0 = w, by0 = h, bx1 = 0, by1 = 0;
    for (uint32_t y = 0; y < h; ++y)
        for (uint32_t x = 0; x < w; ++x) {
            const uint8_t* p = &rgb[(size_t{y} * w + x) * 3];
            if (p[0] > 200 && p[1] < 60 && p[2] < 60) {
                ++red;
                rx += x;
                ry += y;
            } else if (p[2] > 200 && p[0] < 60 && p[1] < 60) {
                ++blue;
                bx0 = std::min(bx0, x);
                by0 = std::min(by0, y);
                bx1 = std::max(bx1, x);
                by1 = std::max(by1, y);
            }
        }
    const uint64_t total = uint64_t{w} * h;
    std::printf("check: %ux%u screenshot, %llu red and %llu blue pixels\n", w, h,
                static_cast<unsigned long long>(red), static_cast<unsigned long long>(blue));
    // At any scale the picture is 1/4 red and 3/4 blue; it fills at least a tenth of the page.
    if (red < total / 40 || blue < total / 40) {
        std::printf("check: the screen's pattern is not in the screenshot\n");
        return 1;
    }
    const double ratio = static_cast<double>(red) / static_cast<double>(red + blue);
    const double cx = static_cast<double>(rx) / red, cy = static_cast<double>(ry) / red;
    const double mx = (bx0 + bx1) / 2.0, my = (by0 + by1) / 2.0;
    const double tolerance_x = (bx1 - bx0) / 20.0 + 2, tolerance_y = (by1 - by0) / 20.0 + 2;
    std::printf(
        "check: red share %.3f (want 0.25), red centre (%.0f,%.0f), blue box centre (%.0f,%.0f)\n",
        ratio, cx, cy, mx, my);
    if (ratio < 0.2 || ratio > 0.3 || std::abs(cx - mx) > tolerance_x ||
        std::abs(cy - my) > tolerance_y) {
        std::printf("check: the red rectangle is not where the screen has it\n");
        return 1;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc == 3 && std::string(argv[1]) == "serve") return serve(argv[2]);
    if (argc == 3 && std::string(argv[1]) == "check") return check(argv[2]);
    std::fprintf(stderr, "usage: vnc_web_demo serve URL_FILE | check PNG\n");
    return 2;
}
