// The VNC server against libvncclient viewers on 127.0.0.1 (ephemeral ports) and Unix sockets.
#include "core/display/vnc_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rfb/keysym.h>
#include <rfb/rfbclient.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/log.h"

namespace svm {
namespace {

// Test helpers: a fake screen and a libvncclient viewer.

// A screen the test draws on; refresh() copies what changed into the server's surface.
class FakeScreen final : public FrameSource {
public:
    FakeScreen(uint32_t width, uint32_t height, uint32_t colour) { resize(width, height, colour); }

    void resize(uint32_t width, uint32_t height, uint32_t colour) {
        std::lock_guard lock(mutex_);
        screen_.resize(width, height);
        for (auto& p : screen_.pixels) p = colour;
        pending_.clear();
    }
    void fill(Rect r, uint32_t colour) {
        std::lock_guard lock(mutex_);
        for (uint32_t y = r.y; y < r.y + r.height; ++y)
            for (uint32_t x = r.x; x < r.x + r.width; ++x) screen_.at(x, y) = colour;
        pending_.push_back(r);
    }
    int refreshes() const { return refreshes_.load(); }

    // ^FrameSource
    void refresh(Surface& surface, std::vector<Rect>& changed) override {
        std::lock_guard lock(mutex_);
        ++refreshes_;
        if (surface.width != screen_.width || surface.height != screen_.height ||
            surface.pixels.empty()) {
            surface.resize(screen_.width, screen_.height);
            surface.pixels = screen_.pixels;
            changed.push_back({0, 0, screen_.width, screen_.height});
        } else {
            for (const Rect& r : pending_) {
                for (uint32_t y = r.y; y < r.y + r.height; ++y)
                    for (uint32_t x = r.x; x < r.x + r.width; ++x)
                        surface.at(x, y) = screen_.at(x, y);
                changed.push_back(r);
            }
        }
        pending_.clear();
    }

private:
    std::mutex mutex_;
    Surface screen_;
    std::vector<Rect> pending_;
    std::atomic<int> refreshes_{0};
};

// A VNC viewer (libvncclient) asking for XRGB8888 pixels.
class TestViewer {
public:
    TestViewer() = default;
    TestViewer(const TestViewer&) = delete;
    ~TestViewer() {
        if (client_) rfbClientCleanup(client_);
    }

    // Connects to `host` (an address, or a Unix socket path) and `port`; returns whether the
    // handshake (and authentication with `password`, if the server asks) succeeded.
    bool connect(const std::string& host, int port, const std::string& password = "") {
        rfbEnableClientLogging = FALSE;
        password_ = password;
        rfbClient* c = rfbGetClient(8, 3, 4);
        c->format.redShift = 16;
        c->format.greenShift = 8;
        c->format.blueShift = 0;
        c->serverHost = strdup(host.c_str());
        c->serverPort = port;
        c->GetPassword = &TestViewer::get_password;
        rfbClientSetClientData(c, &kTag, this);
        if (!rfbInitClient(c, nullptr, nullptr)) return false;  // frees c
        client_ = c;
        return true;
    }

    // Handles server messages until `done()` holds; returns false after `timeout` or if the
    // connection fails.
    bool pump_until(const std::function<bool()>& done,
                    std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            // WaitForMessage selects on the socket only: bytes libvncclient already read into its
            // buffer count as a message too.
            const int n = client_->buffered > 0 ? 1 : WaitForMessage(client_, 20000);
            if (n < 0) return false;
            if (n > 0 && !HandleRFBServerMessage(client_)) return false;
        }
        return true;
    }

    uint32_t pixel(int x, int y) const {
        if (x >= client_->width || y >= client_->height) return 0xdeadbeef;
        return reinterpret_cast<const uint32_t*>(client_->frameBuffer)[y * client_->width + x] &
               0xffffff;
    }
    int width() const { return client_->width; }
    int height() const { return client_->height; }
    rfbClient* client() { return client_; }

private:
    static char* get_password(rfbClient* c) {
        auto* self = static_cast<TestViewer*>(rfbClientGetClientData(c, &kTag));
        return strdup(self->password_.c_str());
    }

    static inline int kTag = 0;
    rfbClient* client_ = nullptr;
    std::string password_;
};

using namespace std::chrono_literals;

constexpr uint32_t kBlue = xrgb(0, 0, 255);
constexpr uint32_t kRed = xrgb(255, 0, 0);
constexpr uint32_t kGreen = xrgb(0, 255, 0);

VncEndpoint loopback_any_port() {
    VncEndpoint e;
    e.host = "127.0.0.1";
    e.port = 0;
    return e;
}

// What the server delivered to the InputSink.
struct Recorded {
    struct Motion {
        int dx, dy;
        uint8_t buttons;
        int dz;
        bool operator==(const Motion&) const = default;
    };
    std::mutex mutex;
    std::condition_variable cv;
    std::vector<KeyEvent> keys;
    std::vector<Motion> motion;

    InputSink sink() {
        return InputSink{[this](KeyEvent e) {
                             std::lock_guard lock(mutex);
                             keys.push_back(e);
                             cv.notify_all();
                         },
                         [this](int dx, int dy, uint8_t b, int dz) {
                             std::lock_guard lock(mutex);
                             motion.push_back({dx, dy, b, dz});
                             cv.notify_all();
                         }};
    }
    bool wait(size_t nkeys, size_t nmotion) {
        std::unique_lock lock(mutex);
        return cv.wait_for(lock, 5s,
                           [&] { return keys.size() >= nkeys && motion.size() >= nmotion; });
    }
};

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds timeout = 5s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::sleep_for(5ms);
    }
    return true;
}

int raw_connect(uint16_t port) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

TEST(VncServer, ViewerSeesThePatternAndItsUpdates) {
    FakeScreen screen(64, 48, kBlue);
    screen.fill({8, 8, 16, 16}, kRed);
    auto server = VncServer::create(loopback_any_port(), screen, {});
    ASSERT_TRUE(server) << server.error().message;
    ASSERT_NE((*server)->port(), 0);

    TestViewer viewer;
    ASSERT_TRUE(viewer.connect("127.0.0.1", (*server)->port()));
    EXPECT_EQ(viewer.width(), 64);
    EXPECT_EQ(viewer.height(), 48);
    ASSERT_TRUE(viewer.pump_until([&] { return viewer.pixel(10, 10) == kRed; }));
    EXPECT_EQ(viewer.pixel(0, 0), kBlue);
    EXPECT_EQ(viewer.pixel(63, 47), kBlue);

    screen.fill({40, 30, 8, 8}, kGreen);
    ASSERT_TRUE(viewer.pump_until([&] { return viewer.pixel(44, 34) == kGreen; }));
    EXPECT_EQ(viewer.pixel(10, 10), kRed);
    EXPECT_EQ((*server)->viewer_count(), 1u);
}

TEST(VncServer, ResizeReachesTheViewer) {
    FakeScreen screen(64, 48, kBlue);
    auto server = VncServer::create(loopback_any_port(), screen, {});
    ASSERT_TRUE(server) << server.error().message;
    TestViewer viewer;
    ASSERT_TRUE(viewer.connect("127.0.0.1", (*server)->port()));
    ASSERT_TRUE(viewer.pump_until([&] { return viewer.pixel(1, 1) == kBlue; }));

    screen.resize(96, 80, kGreen);
    ASSERT_TRUE(viewer.pump_until([&] {
        return viewer.width() == 96 && viewer.height() == 80 && viewer.pixel(95, 79) == kGreen;
    }));
}

TEST(VncServer, KeysAndPointerReachTheInputSink) {
    FakeScreen screen(64, 48, kBlue);
    Recorded rec;
    auto server = VncServer::create(loopback_any_port(), screen, rec.sink());
    ASSERT_TRUE(server) << server.error().message;
    TestViewer viewer;
    ASSERT_TRUE(viewer.connect("127.0.0.1", (*server)->port()));
    rfbClient* c = viewer.client();

    SendKeyEvent(c, XK_Shift_L, TRUE);
    SendKeyEvent(c, XK_A, TRUE);
    SendKeyEvent(c, XK_A, TRUE);  // auto-repeat: another press
    SendKeyEvent(c, XK_A, FALSE);
    SendKeyEvent(c, XK_Shift_L, FALSE);
    SendKeyEvent(c, XK_Control_R, TRUE);
    SendKeyEvent(c, 0x20ac, TRUE);  // EuroSign: no key, ignored
    SendPointerEvent(c, 10, 20, 0);
    SendPointerEvent(c, 15, 10, rfbButton1Mask);
    SendPointerEvent(c, 15, 10, rfbButton3Mask);  // right
    SendPointerEvent(c, 15, 10, rfbButton4Mask);  // wheel up
    ASSERT_TRUE(rec.wait(6, 4));
    std::lock_guard lock(rec.mutex);
    const std::vector<KeyEvent> keys = {{Key::LeftShift, true},  {Key::A, true},
                                        {Key::A, true},          {Key::A, false},
                                        {Key::LeftShift, false}, {Key::RightCtrl, true}};
    EXPECT_EQ(rec.keys, keys);
    const std::vector<Recorded::Motion> motion = {
        {0, 0, 0, 0}, {5, 10, 1, 0}, {0, 0, 2, 0}, {0, 0, 0, -1}};
    EXPECT_EQ(rec.motion, motion);
}

TEST(VncServer, TwoViewersAtOnce) {
    FakeScreen screen(64, 48, kBlue);
    auto server = VncServer::create(loopback_any_port(), screen, {});
    ASSERT_TRUE(server) << server.error().message;
    TestViewer a, b;
    ASSERT_TRUE(a.connect("127.0.0.1", (*server)->port()));
    ASSERT_TRUE(b.connect("127.0.0.1", (*server)->port()));
    EXPECT_TRUE(wait_for([&] { return (*server)->viewer_count() == 2; }));
    ASSERT_TRUE(a.pump_until([&] { return a.pixel(5, 5) == kBlue; }));
    ASSERT_TRUE(b.pump_until([&] { return b.pixel(5, 5) == kBlue; }));
    screen.fill({0, 0, 8, 8}, kRed);
    EXPECT_TRUE(a.pump_until([&] { return a.pixel(5, 5) == kRed; }));
    EXPECT_TRUE(b.pump_until([&] { return b.pixel(5, 5) == kRed; }));
}

TEST(VncServer, GarbageAndVanishingClientsDoNotDisturbOthers) {
    FakeScreen screen(256, 256, kBlue);
    auto server = VncServer::create(loopback_any_port(), screen, {});
    ASSERT_TRUE(server) << server.error().message;
    const uint16_t port = (*server)->port();
    TestViewer good;
    ASSERT_TRUE(good.connect("127.0.0.1", port));
    ASSERT_TRUE(good.pump_until([&] { return good.pixel(5, 5) == kBlue; }));

    // Garbage instead of a protocol version, then gone.
    int fd = raw_connect(port);
    ASSERT_GE(fd, 0);
    const char garbage[] = "GARBAGE\xff\xfe\x01 not RFB at all\r\n\r\n";
    ASSERT_GT(write(fd, garbage, sizeof(garbage)), 0);
    close(fd);

    // A proper handshake, a garbage message type, then gone.
    fd = raw_connect(port);
    ASSERT_GE(fd, 0);
    char version[12];
    ASSERT_EQ(read(fd, version, 12), 12);
    ASSERT_EQ(write(fd, "RFB 003.008\n", 12), 12);
    uint8_t types[8];
    ASSERT_GT(read(fd, types, sizeof(types)), 0);
    const uint8_t none = 1;  // security type None
    ASSERT_EQ(write(fd, &none, 1), 1);
    uint8_t result[4];
    ASSERT_EQ(read(fd, result, 4), 4);
    const uint8_t shared = 1;
    ASSERT_EQ(write(fd, &shared, 1), 1);
    const uint8_t bad[] = {0xee, 0xee, 0xee, 0xee, 0xee, 0xee};
    ASSERT_EQ(write(fd, bad, sizeof(bad)), static_cast<ssize_t>(sizeof(bad)));
    close(fd);

    // A viewer that asks for the whole (large) screen and vanishes without reading it.
    fd = raw_connect(port);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(read(fd, version, 12), 12);
    ASSERT_EQ(write(fd, "RFB 003.008\n", 12), 12);
    ASSERT_GT(read(fd, types, sizeof(types)), 0);
    ASSERT_EQ(write(fd, &none, 1), 1);
    ASSERT_EQ(read(fd, result, 4), 4);
    ASSERT_EQ(write(fd, &shared, 1), 1);
    const uint8_t request[] = {3, 0, 0, 0, 0, 0, 1, 0, 1, 0};  // FramebufferUpdateRequest 256x256
    ASSERT_EQ(write(fd, request, sizeof(request)), static_cast<ssize_t>(sizeof(request)));
    close(fd);

    screen.fill({0, 0, 8, 8}, kRed);
    EXPECT_TRUE(good.pump_until([&] { return good.pixel(5, 5) == kRed; }));
    EXPECT_TRUE(wait_for([&] { return (*server)->viewer_count() == 1; }));
    TestViewer late;
    ASSERT_TRUE(late.connect("127.0.0.1", port));
    EXPECT_TRUE(late.pump_until([&] { return late.pixel(5, 5) == kRed; }));
}

TEST(VncServer, PasswordAuthentication) {
    const auto dir = std::filesystem::temp_directory_path();
    const auto file = dir / fmt::format("svm-vnc-pass-{}", getpid());
    std::ofstream(file) << "s3cret\n";
    FakeScreen screen(32, 32, kGreen);
    VncServerOptions options;
    options.password_file = file.string();
    auto server = VncServer::create(loopback_any_port(), screen, {}, options);
    std::filesystem::remove(file);
    ASSERT_TRUE(server) << server.error().message;

    TestViewer wrong;
    EXPECT_FALSE(wrong.connect("127.0.0.1", (*server)->port(), "guess"));
    TestViewer right;
    ASSERT_TRUE(right.connect("127.0.0.1", (*server)->port(), "s3cret"));
    EXPECT_TRUE(right.pump_until([&] { return right.pixel(1, 1) == kGreen; }));
}

TEST(VncServer, SetUpErrors) {
    FakeScreen screen(32, 32, kGreen);
    VncServerOptions missing;
    missing.password_file = "/nonexistent/svm-password";
    auto e1 = VncServer::create(loopback_any_port(), screen, {}, missing);
    ASSERT_FALSE(e1);
    EXPECT_NE(e1.error().message.find("--vnc-password-file"), std::string::npos);

    auto first = VncServer::create(loopback_any_port(), screen, {});
    ASSERT_TRUE(first);
    VncEndpoint same = loopback_any_port();
    same.port = (*first)->port();
    auto e2 = VncServer::create(same, screen, {});
    ASSERT_FALSE(e2);
    EXPECT_NE(e2.error().message.find("in use"), std::string::npos) << e2.error().message;

    VncServerOptions web;
    web.web_port = 0;
    VncEndpoint unix_endpoint;
    unix_endpoint.kind = VncEndpoint::Kind::Unix;
    unix_endpoint.path = "/tmp/svm-never-created.sock";
    auto e3 = VncServer::create(unix_endpoint, screen, {}, web);
    ASSERT_FALSE(e3);
    EXPECT_NE(e3.error().message.find("--vnc-web"), std::string::npos);
}

TEST(VncServer, NoRefreshWithoutViewersAndStopClosesEverything) {
    FakeScreen screen(32, 32, kGreen);
    auto server = VncServer::create(loopback_any_port(), screen, {});
    ASSERT_TRUE(server);
    const uint16_t port = (*server)->port();
    {
        TestViewer v;
        ASSERT_TRUE(v.connect("127.0.0.1", port));
        ASSERT_TRUE(v.pump_until([&] { return v.pixel(1, 1) == kGreen; }));
    }
    ASSERT_TRUE(wait_for([&] { return (*server)->viewer_count() == 0; }));
    const int after = screen.refreshes();
    std::this_thread::sleep_for(100ms);  // about six refresh periods
    EXPECT_EQ(screen.refreshes(), after);

    TestViewer connected;
    ASSERT_TRUE(connected.connect("127.0.0.1", port));
    (*server)->stop();
    EXPECT_EQ(raw_connect(port), -1);  // the listening socket is closed
    // The viewer sees its connection end.
    EXPECT_FALSE(connected.pump_until([] { return false; }, 2s));
}

TEST(VncServer, UnixSocket) {
    const std::string path = fmt::format("/tmp/svm-vnc-test-{}.sock", getpid());
    VncEndpoint endpoint;
    endpoint.kind = VncEndpoint::Kind::Unix;
    endpoint.path = path;
    FakeScreen screen(32, 32, kRed);
    auto server = VncServer::create(endpoint, screen, {});
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_EQ((*server)->port(), 0);
    TestViewer viewer;
    ASSERT_TRUE(viewer.connect(path, 0));
    EXPECT_TRUE(viewer.pump_until([&] { return viewer.pixel(3, 3) == kRed; }));
    (*server)->stop();
    EXPECT_FALSE(std::filesystem::exists(path));
}

TEST(VncServer, Ipv6Loopback) {
    const int probe = socket(AF_INET6, SOCK_STREAM, 0);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    const bool have_ipv6 =
        probe >= 0 && bind(probe, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
    if (probe >= 0) close(probe);
    if (!have_ipv6) GTEST_SKIP() << "this machine has no IPv6 loopback (::1)";
    auto endpoint = parse_vnc_endpoint("[::1]:0");
    ASSERT_TRUE(endpoint);
    endpoint->port = 0;
    FakeScreen screen(32, 32, kRed);
    auto server = VncServer::create(*endpoint, screen, {});
    ASSERT_TRUE(server) << server.error().message;
    EXPECT_EQ((*server)->address(), fmt::format("[::1]:{}", (*server)->port()));
    TestViewer viewer;
    ASSERT_TRUE(viewer.connect("::1", (*server)->port()));
    EXPECT_TRUE(viewer.pump_until([&] { return viewer.pixel(3, 3) == kRed; }));
}

TEST(VncServer, WebViewServesNoVncPageOnly) {
    FakeScreen screen(32, 32, kRed);
    VncServerOptions options;
    options.web_port = 0;
    auto server = VncServer::create(loopback_any_port(), screen, {}, options);
    ASSERT_TRUE(server) << server.error().message;
    ASSERT_TRUE((*server)->web_port());
    const std::string url = (*server)->web_url();
    EXPECT_NE(url.find(fmt::format("http://127.0.0.1:{}/vnc.html?", *(*server)->web_port())),
              std::string::npos)
        << url;
    EXPECT_NE(url.find(fmt::format("port={}", (*server)->port())), std::string::npos) << url;

    auto get = [&](const std::string& path) {
        const int fd = raw_connect(*(*server)->web_port());
        if (fd < 0) return std::string("connect failed");
        const std::string request = "GET " + path + " HTTP/1.0\r\n\r\n";
        if (write(fd, request.data(), request.size()) < 0) return std::string("write failed");
        std::string answer;
        char buf[4096];
        ssize_t n;
        while ((n = read(fd, buf, sizeof(buf))) > 0) answer.append(buf, static_cast<size_t>(n));
        close(fd);
        return answer;
    };
    EXPECT_EQ(get("/vnc.html").rfind("HTTP/1.1 200", 0), 0u);
    EXPECT_NE(get("/app/ui.js").find("Content-Type: text/javascript"), std::string::npos);
    EXPECT_EQ(get("/nonexistent.html").rfind("HTTP/1.1 404", 0), 0u);
    EXPECT_EQ(get("/../../etc/passwd").find("root:"), std::string::npos);
    EXPECT_EQ(get("/%2e%2e/%2e%2e/etc/passwd").find("root:"), std::string::npos);
}

}  // namespace
}  // namespace svm
