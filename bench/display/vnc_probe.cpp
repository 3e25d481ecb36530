// vnc_probe: the client side of the display benchmark (docs/benchmarks.md "Display (VNC)").
// It connects to a VNC server (svm --vnc, or QEMU -vnc) showing guest/pc/framebuffer/fb_bench.c
// and measures, as a viewer sees it:
//   latency  the time from SendKeyEvent to the end of the FramebufferUpdate in which the guest's
//            16x16 block shows the colour that answers that key (median, p99);
//   fps      full-screen frames per second: updates after which the whole 1024x768 screen is one
//            colour it was not before (torn updates, half old frame and half new, do not count);
//   idle     the server process's CPU time (/proc/PID/stat utime + stime, all threads) over T
//            seconds with this viewer connected and the guest idle, as % of one core.
//   free-display  prints a VNC display number whose port (5900 + N) on 127.0.0.1 is free now.
// The last line of every mode is "result: key=value ..." for bench/display/run.sh. Exit status 0
// if the measurement was made, 1 if not (no connection, guest never ready, no key answered).
#include <arpa/inet.h>
#include <fmt/core.h>
#include <netinet/in.h>
#include <rfb/rfbclient.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdarg>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/stats.h"

namespace {

using Clock = std::chrono::steady_clock;

// fb_bench.c's geometry and colour encodings (keep in step with it).
constexpr int kWidth = 1024, kHeight = 768;
constexpr int kBlockX = 64, kBlockY = 64;
constexpr uint32_t kBackground = 0x202020;
constexpr uint32_t key_colour(uint32_t code, uint32_t count) {
    return code << 16 | (count & 0xFF) << 8 | 0xA5;
}

// Letters and their PC scan codes in set 1 (what the guest reads through the i8042's
// translation). Consecutive keys differ, so a stale block can never look like an answer.
struct Key {
    uint32_t keysym, code;
};
constexpr Key kKeys[] = {{'a', 0x1E}, {'s', 0x1F}, {'d', 0x20}, {'f', 0x21}, {'g', 0x22},
                         {'h', 0x23}, {'j', 0x24}, {'k', 0x25}, {'l', 0x26}, {'q', 0x10},
                         {'w', 0x11}, {'e', 0x12}, {'r', 0x13}, {'t', 0x14}, {'y', 0x15},
                         {'u', 0x16}, {'i', 0x17}, {'o', 0x18}, {'p', 0x19}, {'z', 0x2C},
                         {'x', 0x2D}, {'c', 0x2E}, {'v', 0x2F}, {'b', 0x30}, {'n', 0x31}};

double ms_since(Clock::time_point t) {
    return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

void quiet_log(const char*, ...) {}

// One libvncclient connection, asking for 32-bit true colour and lossless encodings (tight
// without JPEG, then zrle, hextile, zlib, raw): the colours must arrive exactly.
class Viewer {
public:
    ~Viewer() { disconnect(); }

    void disconnect() {
        if (client_) rfbClientCleanup(client_);
        client_ = nullptr;
    }

    // Connects to 127.0.0.1:port, retrying until `timeout_s` passes (the VMM may still be
    // starting), then asks for the whole screen.
    bool connect(int port, double timeout_s) {
        auto until = Clock::now() + std::chrono::duration<double>(timeout_s);
        while (Clock::now() < until) {
            client_ = rfbGetClient(8, 3, 4);
            client_->serverHost = strdup("127.0.0.1");
            client_->serverPort = port;
            client_->appData.encodingsString = "tight zrle hextile zlib raw";
            client_->appData.enableJPEG = FALSE;
            client_->GotFrameBufferUpdate = &Viewer::got_rect;
            client_->FinishedFrameBufferUpdate = &Viewer::finished_update;
            rfbClientSetClientData(client_, &kTag, this);
            if (rfbInitClient(client_, nullptr, nullptr))
                return SendFramebufferUpdateRequest(client_, 0, 0, client_->width, client_->height,
                                                    FALSE);
            client_ = nullptr;  // rfbInitClient frees the client when it fails
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
        return false;
    }

    // Handles server messages for up to `max_ms`, returning early once `done()` holds (checked
    // after each message). Returns false if the connection failed.
    bool pump_until(double max_ms, const std::function<bool()>& done) {
        auto start = Clock::now();
        while (!done()) {
            double left = max_ms - ms_since(start);
            if (left <= 0) return true;
            int n = WaitForMessage(client_, static_cast<unsigned>(left * 1000) + 1);
            if (n < 0) return false;
            if (n > 0 && !HandleRFBServerMessage(client_)) return false;
        }
        return true;
    }

    bool has_mode() const { return client_->width == kWidth && client_->height == kHeight; }

    // Pixel (x, y) as 0xRRGGBB: libvncclient's default format keeps red at shift 0.
    uint32_t pixel(int x, int y) const {
        auto* p = reinterpret_cast<const uint32_t*>(client_->frameBuffer);
        uint32_t v = p[y * client_->width + x];
        return (v & 0xFF) << 16 | (v & 0xFF00) | (v >> 16 & 0xFF);
    }
    uint32_t block() const { return pixel(kBlockX + 8, kBlockY + 8); }

    // The screen's one colour, or nullopt if it holds more than one.
    std::optional<uint32_t> uniform_colour() const {
        auto* p = reinterpret_cast<const uint32_t*>(client_->frameBuffer);
        size_t n = size_t(client_->width) * client_->height;
        uint32_t first = p[0] & 0xFFFFFF;
        for (size_t i = 1; i < n; ++i)
            if ((p[i] & 0xFFFFFF) != first) return std::nullopt;
        return pixel(0, 0);
    }

    void key(uint32_t keysym) {
        SendKeyEvent(client_, keysym, TRUE);
        SendKeyEvent(client_, keysym, FALSE);
    }

    // The largest colour value on the screen (fb_bench's newest frame number in fps mode).
    uint32_t max_colour() const {
        auto* p = reinterpret_cast<const uint32_t*>(client_->frameBuffer);
        size_t n = size_t(client_->width) * client_->height;
        uint32_t best = 0;
        for (size_t i = 0; i < n; ++i) {
            uint32_t v = p[i];
            best = std::max(best, (v & 0xFF) << 16 | (v & 0xFF00) | (v >> 16 & 0xFF));
        }
        return best;
    }

    // Called after each complete FramebufferUpdate (all its rectangles decoded) with the pixel
    // area its rectangles covered.
    std::function<void(uint64_t area)> on_update;
    uint64_t updates = 0;

private:
    static Viewer* self(rfbClient* c) {
        return static_cast<Viewer*>(rfbClientGetClientData(c, &kTag));
    }
    static void got_rect(rfbClient* c, int, int, int w, int h) {
        self(c)->area_ += uint64_t(w) * uint64_t(h);
    }
    static void finished_update(rfbClient* c) {
        Viewer* v = self(c);
        ++v->updates;
        if (v->on_update) v->on_update(v->area_);
        v->area_ = 0;
    }
    uint64_t area_ = 0;
    static inline int kTag = 0;
    rfbClient* client_ = nullptr;
};

// Connects and waits for fb_bench's 1024x768 screen with `ready()` true, for up to 30 s. A
// connection made while the guest is still switching modes can be dropped by libvncclient
// ("Rect too large" when the server sends the new size's pixels before telling the new size):
// it then connects again. Prints why it gave up.
bool connect_ready(Viewer& v, int port, const std::function<bool()>& ready) {
    auto start = Clock::now();
    while (ms_since(start) < 30000) {
        if (!v.connect(port, 30 - ms_since(start) / 1000)) break;
        if (v.pump_until(30000 - ms_since(start), [&] { return v.has_mode() && ready(); }) &&
            v.has_mode() && ready())
            return true;
        v.disconnect();
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    fmt::print("vnc_probe: no 1024x768 fb_bench screen at 127.0.0.1:{} within 30 s\n", port);
    return false;
}

bool is_key_colour(uint32_t c) {
    return (c & 0xFF) == 0xA5;
}

int run_latency(int port, int keys, double timeout_ms) {
    Viewer v;
    if (!connect_ready(v, port, [&] { return is_key_colour(v.block()); })) return 1;
    std::mt19937 rng(12345);
    std::uniform_real_distribution<double> gap_ms(20, 40);
    std::vector<double> samples;
    int lost = 0;
    for (int i = 0; i < keys; ++i) {
        const Key& k = kKeys[i % std::size(kKeys)];
        uint32_t want = key_colour(k.code, (v.block() >> 8) + 1);
        auto sent = Clock::now();
        v.key(k.keysym);
        if (!v.pump_until(timeout_ms, [&] { return v.block() == want; })) return 1;
        if (v.block() == want)
            samples.push_back(ms_since(sent));
        else
            ++lost;  // the next key starts from whatever the block shows now
        // A random pause, so that key presses fall at every phase of the server's refresh timer.
        v.pump_until(gap_ms(rng), [] { return false; });
    }
    if (samples.empty()) {
        fmt::print("vnc_probe: no key press was answered within {} ms\n", timeout_ms);
        return 1;
    }
    double med = svm::bench::median(samples), p99 = svm::bench::percentile(samples, 99);
    fmt::print(
        "latency: {} keys, {} answered, {} lost; median {:.2f} ms, p99 {:.2f} ms, min {:.2f} ms, "
        "max {:.2f} ms\n",
        keys, samples.size(), lost, med, p99, svm::bench::minimum(samples),
        svm::bench::percentile(samples, 100));
    fmt::print("result: latency_median_ms={:.2f} latency_p99_ms={:.2f} keys_lost={}\n", med, p99,
               lost);
    return 0;
}

// Counts, for `seconds`, the full-screen updates that bring a newer frame: FramebufferUpdates
// whose rectangles cover all 1024x768 pixels and after which the newest frame number on the
// screen is larger than before. A VNC server that copies the framebuffer while the guest is
// redrawing it sends torn frames (part frame n, part n+1); they count, and are also reported
// apart, with the updates after which the screen is one new colour ("clean").
int run_fps(int port, double seconds) {
    Viewer v;
    // Ready once the guest draws frames: a frame colour (1, 2, ...; never the background) at the
    // top left. Waiting for a whole one-colour screen could take seconds: most updates are torn.
    if (!connect_ready(v, port, [&] {
            uint32_t c = v.pixel(0, 0);
            return c != kBackground && c != 0;
        }))
        return 1;
    // A second's warm-up: the server's refresh timer may have backed off before the viewer came.
    if (!v.pump_until(1000, [] { return false; })) return 1;
    uint64_t frames = 0, clean = 0;
    uint32_t newest = v.max_colour(), first_n = 0, last_n = 0;
    std::optional<uint32_t> last_clean = v.uniform_colour();
    Clock::time_point first_at{}, last_at{};
    v.on_update = [&](uint64_t area) {
        uint32_t top = v.max_colour();
        if (area >= uint64_t(kWidth) * kHeight && top > newest) {
            if (frames++ == 0) first_n = top, first_at = Clock::now();
            last_n = top, last_at = Clock::now();
        }
        newest = std::max(newest, top);
        auto c = v.uniform_colour();
        if (c && c != last_clean) ++clean, last_clean = c;
    };
    v.updates = 0;
    auto start = Clock::now();
    if (!v.pump_until(seconds * 1000, [] { return false; })) {
        fmt::print("vnc_probe: the connection failed during the measurement\n");
        return 1;
    }
    double elapsed = ms_since(start) / 1000;
    double fps = frames / elapsed, ups = v.updates / elapsed, clean_fps = clean / elapsed;
    // The guest's own rate, from the frame numbers the client saw.
    double span = std::chrono::duration<double>(last_at - first_at).count();
    double guest = span > 0 ? (last_n - first_n) / span : 0;
    fmt::print(
        "fps: {:.2f} s; {} full-screen updates with a newer frame ({:.1f}/s), {} clean "
        "(one colour, {:.1f}/s); {} updates in all ({:.1f}/s); the guest drew {:.0f} "
        "frames/s\n",
        elapsed, frames, fps, clean, clean_fps, v.updates, ups, guest);
    fmt::print("result: fps={:.1f} clean_fps={:.1f} updates_per_s={:.1f} guest_fps={:.0f}\n", fps,
               clean_fps, ups, guest);
    return 0;
}

// utime + stime of process `pid` in seconds (proc(5): fields 14 and 15 of /proc/PID/stat).
std::optional<double> cpu_seconds(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    auto paren = stat.rfind(')');
    if (paren == std::string::npos) return std::nullopt;
    std::istringstream fields(stat.substr(paren + 2));
    std::string f;
    unsigned long long utime = 0, stime = 0;
    for (int field = 3; field <= 15 && fields >> f; ++field) {
        if (field == 14) utime = std::stoull(f);
        if (field == 15) stime = std::stoull(f);
    }
    return double(utime + stime) / sysconf(_SC_CLK_TCK);
}

int run_idle(int port, double seconds, int pid) {
    Viewer v;
    if (!connect_ready(v, port, [&] { return is_key_colour(v.block()); })) return 1;
    // Let the server settle after the connection's first full update.
    v.pump_until(1000, [] { return false; });
    auto before = cpu_seconds(pid);
    v.updates = 0;
    auto start = Clock::now();
    bool ok = v.pump_until(seconds * 1000, [] { return false; });
    double elapsed = ms_since(start) / 1000;
    auto after = cpu_seconds(pid);
    if (!ok || !before || !after) {
        fmt::print("vnc_probe: could not follow process {} for the idle measurement\n", pid);
        return 1;
    }
    double percent = (*after - *before) / elapsed * 100;
    fmt::print(
        "idle: process {} used {:.2f} s of CPU in {:.2f} s ({:.2f} % of a core); {} updates "
        "reached the viewer\n",
        pid, *after - *before, elapsed, percent, v.updates);
    fmt::print("result: idle_cpu_percent={:.2f} idle_updates={}\n", percent, v.updates);
    return 0;
}

// A display number (port - 5900) whose port on 127.0.0.1 the kernel just handed out as free.
int free_display() {
    for (int attempt = 0; attempt < 50; ++attempt) {
        int s = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        bool ok = bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
                  getsockname(s, reinterpret_cast<sockaddr*>(&a), &len) == 0;
        close(s);
        if (ok && ntohs(a.sin_port) > 5900) return ntohs(a.sin_port) - 5900;
    }
    return -1;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"The display benchmark's VNC viewer (docs/benchmarks.md, \"Display (VNC)\")"};
    std::string mode;
    int display = -1, keys = 200, pid = 0;
    double seconds = 10, timeout_ms = 2000;
    app.add_option("mode", mode, "latency, fps, idle or free-display")
        ->required()
        ->check(CLI::IsMember({"latency", "fps", "idle", "free-display"}));
    app.add_option("--display", display, "VNC display on 127.0.0.1 (port 5900 + N)");
    app.add_option("--keys", keys, "latency: key presses to time")->capture_default_str();
    app.add_option("--key-timeout-ms", timeout_ms, "latency: give up on a key after this long")
        ->capture_default_str();
    app.add_option("--seconds", seconds, "fps, idle: how long to measure")->capture_default_str();
    app.add_option("--pid", pid, "idle: the VNC server's process");
    CLI11_PARSE(app, argc, argv);

    if (mode == "free-display") {
        int d = free_display();
        if (d < 0) return 1;
        fmt::print("{}\n", d);
        return 0;
    }
    if (display < 0) {
        fmt::print(stderr, "vnc_probe: --display is required for {}\n", mode);
        return 2;
    }
    if (mode == "idle" && pid <= 0) {
        fmt::print(stderr, "vnc_probe: idle needs --pid of the VNC server's process\n");
        return 2;
    }
    // libvncclient's chatter, and its errors for the connection attempts made while the VMM is
    // still starting, kept with VNC_PROBE_VERBOSE=1; the probe says itself why it gave up.
    if (!getenv("VNC_PROBE_VERBOSE")) rfbClientLog = rfbClientErr = quiet_log;
    int port = 5900 + display;
    if (mode == "latency") return run_latency(port, keys, timeout_ms);
    if (mode == "fps") return run_fps(port, seconds);
    return run_idle(port, seconds, pid);
}
