// libvncserver 0.9.14 is used without its own listening sockets or event loop: svm binds the RFB
// socket itself (any address family, port 0, Unix sockets, clear errors) and hands each accepted
// connection to rfbNewClient(), which also recognises WebSocket handshakes (noVNC). The web view's
// files are served by HttpFileServer (libvncserver's httpd handles one connection at a time and
// drops it when a browser opens the next). One thread polls all of them and then lets
// rfbProcessEvents() (with a zero timeout) do the protocol work.
#include "core/display/vnc_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <rfb/rfb.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdarg>
#include <cstring>
#include <fstream>
#include <mutex>

#include "core/display/keysym_keys.h"
#include "core/log.h"

namespace svm {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kRefreshPeriod = std::chrono::microseconds(16667);  // about 60 Hz

// libvncserver's rfbLog (connections, encodings: chatty) goes to svm's debug level, rfbErr
// (a viewer that vanished, a bad message) to verbose: neither is svm's own error, svm reports its
// set-up failures itself.
void forward_log(log::Level level, const char* format, va_list args) {
    if (!log::enabled(level)) return;
    char line[1024];
    std::vsnprintf(line, sizeof(line), format, args);
    size_t n = std::strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ')) --n;
    if (n == 0) return;
    log::print(level, "vnc: {}", std::string_view(line, n));
}

void rfb_log(const char* format, ...) {
    va_list args;
    va_start(args, format);
    forward_log(log::Level::Debug, format, args);
    va_end(args);
}

void rfb_err(const char* format, ...) {
    va_list args;
    va_start(args, format);
    forward_log(log::Level::Verbose, format, args);
    va_end(args);
}

// Sets the server's pixel format to svm's Surface format, XRGB8888 in host (little-endian) order:
// red in bits 23:16, green 15:8, blue 7:0 (RFC 6143 section 7.4, PIXEL_FORMAT).
void set_xrgb_format(rfbScreenInfoPtr screen) {
    rfbPixelFormat& f = screen->serverFormat;
    f.bitsPerPixel = 32;
    f.depth = 24;
    f.bigEndian = 0;
    f.trueColour = 1;
    f.redMax = f.greenMax = f.blueMax = 255;
    f.redShift = 16;
    f.greenShift = 8;
    f.blueShift = 0;
}

// Creates a listening TCP socket on `host`:`port` (0 = any free port). Returns the fd and the port
// bound, or an error sentence.
Result<std::pair<int, uint16_t>> listen_tcp(const std::string& host, uint16_t port,
                                            const char* what) {
    const bool v6 = host.find(':') != std::string::npos;
    const int fd = socket(v6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return error("{}: socket: {}", what, std::strerror(errno));
    const int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_storage storage{};
    socklen_t length = 0;
    if (v6) {
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
        auto* a = reinterpret_cast<sockaddr_in6*>(&storage);
        a->sin6_family = AF_INET6;
        a->sin6_port = htons(port);
        inet_pton(AF_INET6, host.c_str(), &a->sin6_addr);
        length = sizeof(*a);
    } else {
        auto* a = reinterpret_cast<sockaddr_in*>(&storage);
        a->sin_family = AF_INET;
        a->sin_port = htons(port);
        inet_pton(AF_INET, host.c_str(), &a->sin_addr);
        length = sizeof(*a);
    }
    const std::string shown =
        v6 ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
    if (bind(fd, reinterpret_cast<sockaddr*>(&storage), length) != 0 || listen(fd, 8) != 0) {
        const int e = errno;
        close(fd);
        if (e == EADDRINUSE)
            return error("{}: cannot listen on {}: the port is in use (pick another display/port)",
                         what, shown);
        return error("{}: cannot listen on {}: {}", what, shown, std::strerror(e));
    }
    getsockname(fd, reinterpret_cast<sockaddr*>(&storage), &length);
    const uint16_t bound = v6 ? ntohs(reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port)
                              : ntohs(reinterpret_cast<sockaddr_in*>(&storage)->sin_port);
    return std::pair{fd, bound};
}

// Creates a listening Unix socket at `path`, replacing a stale socket file (never another file).
Result<int> listen_unix(const std::string& path) {
    sockaddr_un addr{};
    if (path.size() >= sizeof(addr.sun_path))
        return error("--vnc unix:{}: the path is longer than {} bytes", path,
                     sizeof(addr.sun_path) - 1);
    struct stat st {};
    if (lstat(path.c_str(), &st) == 0) {
        if (!S_ISSOCK(st.st_mode))
            return error("--vnc unix:{}: the file exists and is not a socket", path);
        unlink(path.c_str());
    }
    const int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return error("--vnc unix:{}: socket: {}", path, std::strerror(errno));
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size());
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 || listen(fd, 8) != 0) {
        const int e = errno;
        close(fd);
        return error("--vnc unix:{}: cannot listen: {}", path, std::strerror(e));
    }
    return fd;
}

Result<std::string> read_password(const std::string& file) {
    std::ifstream in(file);
    if (!in) return error("--vnc-password-file {}: cannot read the file", file);
    std::string line;
    std::getline(in, line);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.pop_back();
    if (line.empty())
        return error("--vnc-password-file {}: the first line (the password) is empty", file);
    if (line.size() > 8)
        log::info(
            "vnc: the password in {} is longer than 8 characters; VNC authentication uses only the "
            "first 8",
            file);
    return line;
}

}  // namespace

// One connected viewer's state, in rfbClientRec::clientData.
struct VncServer::Viewer {
    RfbPointerTracker pointer;
};

struct VncServerHooks {
    static VncServer& server(rfbClientPtr client) {
        return *static_cast<VncServer*>(client->screen->screenData);
    }

    static void key(rfbBool down, rfbKeySym keysym, rfbClientPtr client) {
        VncServer& s = server(client);
        const std::optional<Key> key = key_for_keysym(keysym);
        if (!key) {
            log::verbose("vnc: no key for keysym {:#x}, ignored", keysym);
            return;
        }
        // Pause has no break code (scancode_bytes gives no bytes): its release is not an event.
        if (*key == Key::Pause && !down) return;
        if (s.input_.key) s.input_.key(KeyEvent{*key, down != 0});
    }

    static void pointer(int button_mask, int x, int y, rfbClientPtr client) {
        VncServer& s = server(client);
        auto* viewer = static_cast<VncServer::Viewer*>(client->clientData);
        if (!viewer) return;
        const Ps2Motion m = viewer->pointer.update(x, y, static_cast<uint8_t>(button_mask));
        if (s.input_.pointer) s.input_.pointer(m.dx, m.dy, m.buttons, m.dz);
    }

    static rfbNewClientAction new_client(rfbClientPtr client) {
        client->clientData = new VncServer::Viewer;
        client->clientGoneHook = &gone;
        const size_t n = ++server(client).viewers_;
        log::verbose("vnc: viewer connected from {} ({} now)", client->host ? client->host : "?",
                     n);
        return RFB_CLIENT_ACCEPT;
    }

    static void gone(rfbClientPtr client) {
        delete static_cast<VncServer::Viewer*>(client->clientData);
        client->clientData = nullptr;
        const size_t n = --server(client).viewers_;
        log::verbose("vnc: viewer disconnected ({} left)", n);
    }
};

VncServer::VncServer(FrameSource& source, InputSink input)
    : source_(source), input_(std::move(input)) {}

Result<std::unique_ptr<VncServer>> VncServer::create(const VncEndpoint& endpoint,
                                                     FrameSource& source, InputSink input,
                                                     VncServerOptions options) {
    static std::once_flag log_once;
    std::call_once(log_once, [] {
        rfbLog = &rfb_log;
        rfbErr = &rfb_err;
    });
    std::unique_ptr<VncServer> server(new VncServer(source, std::move(input)));
    TRY(server->start(endpoint, std::move(options)));
    return server;
}

Result<void> VncServer::start(const VncEndpoint& endpoint, VncServerOptions options) {
    endpoint_ = endpoint;
    desktop_name_ = options.desktop_name;
    if (!options.password_file.empty()) {
        password_ = TRY(read_password(options.password_file));
        password_list_ = {password_.data(), nullptr};
    }
    if (options.web_port) {
        if (endpoint.kind != VncEndpoint::Kind::Tcp)
            return error(
                "--vnc-web needs a TCP --vnc endpoint (the browser's WebSocket connects "
                "to it), not {}",
                endpoint.to_string());
        web_dir_ = options.web_dir;
        struct stat st {};
        if (stat((web_dir_ + "/vnc.html").c_str(), &st) != 0)
            return error("--vnc-web: {}/vnc.html not found (install the 'novnc' package)",
                         web_dir_);
    }

    if (endpoint.kind == VncEndpoint::Kind::Unix) {
        listen_fd_ = TRY(listen_unix(endpoint.path));
    } else {
        auto [fd, port] = TRY(listen_tcp(endpoint.host, endpoint.port, "--vnc"));
        listen_fd_ = fd;
        port_ = port;
    }
    int http_fd = -1;
    if (options.web_port) {
        auto [fd, port] = TRY(listen_tcp(endpoint.host, *options.web_port, "--vnc-web"));
        http_fd = fd;
        web_port_ = port;
    }
    if (http_fd >= 0) web_ = TRY(HttpFileServer::create(web_dir_, http_fd));
    wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) return error("vnc: eventfd: {}", std::strerror(errno));

    // A placeholder framebuffer until the first refresh (done when the first viewer connects).
    constexpr int kWidth = 640, kHeight = 480;
    placeholder_.assign(size_t{kWidth} * kHeight, 0);
    int argc = 0;
    screen_ = rfbGetScreen(&argc, nullptr, kWidth, kHeight, 8, 3, 4);
    if (!screen_) {
        return error("vnc: libvncserver could not create a screen");
    }
    rfbScreenInfoPtr screen = screen_;
    screen->screenData = this;
    screen->frameBuffer = reinterpret_cast<char*>(placeholder_.data());
    set_xrgb_format(screen);
    screen->desktopName = desktop_name_.c_str();
    // libvncserver binds nothing itself: port 0 and no IPv6 port (its defaults would listen on
    // 5900 on every interface).
    screen->autoPort = FALSE;
    screen->port = 0;
    screen->ipv6port = 0;
    screen->http6Port = 0;
    screen->alwaysShared = TRUE;   // several viewers: a non-shared request does not kick others
    screen->deferUpdateTime = 0;   // send as soon as a refresh marks something
    screen->maxClientWait = 5000;  // ms a write to a stalled viewer may block the thread
    screen->cursor = nullptr;      // the guest draws its own pointer
    screen->kbdAddEvent = &VncServerHooks::key;
    screen->ptrAddEvent = &VncServerHooks::pointer;
    screen->newClientHook = &VncServerHooks::new_client;
    screen->ignoreSIGPIPE = TRUE;  // a viewer that vanishes mid-write must not kill svm
    if (!password_.empty()) {
        screen->authPasswdData = password_list_.data();
        screen->passwordCheck = rfbCheckPasswordByList;
    }
    rfbInitServer(screen);

    log::info("vnc: listening on {}{}", address(), password_.empty() ? "" : " (password)");
    if (web_port_) log::info("vnc: open {} in a browser to see the screen", web_url());
    // The server thread takes no signals: SIGINT, SIGTERM and SIGHUP belong to the thread that
    // runs the machine (it reads them from a signalfd), whenever the server was started.
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &previous);
    thread_ = std::thread([this] { run(); });
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    return {};
}

VncServer::~VncServer() {
    stop();
}

void VncServer::stop() {
    if (stopping_.exchange(true)) return;
    if (thread_.joinable()) {
        const uint64_t one = 1;
        [[maybe_unused]] ssize_t n = write(wake_fd_, &one, sizeof(one));
        thread_.join();
    }
    if (screen_) {
        rfbShutdownServer(screen_, TRUE);
        rfbScreenCleanup(screen_);
        screen_ = nullptr;
    }
    if (listen_fd_ >= 0) close(listen_fd_);
    listen_fd_ = -1;
    if (endpoint_.kind == VncEndpoint::Kind::Unix) unlink(endpoint_.path.c_str());
    if (wake_fd_ >= 0) close(wake_fd_);
    wake_fd_ = -1;
    web_.reset();
}

std::string VncServer::address() const {
    if (endpoint_.kind == VncEndpoint::Kind::Unix) return endpoint_.to_string();
    VncEndpoint bound = endpoint_;
    bound.port = port_;
    return bound.to_string();
}

std::string VncServer::web_url() const {
    if (!web_port_) return "";
    // The page is served by the HTTP port; noVNC's WebSocket goes to the RFB port, where
    // libvncserver recognises the WebSocket handshake (any path). noVNC 1.3 reads host, port,
    // path, autoconnect, resize and reconnect from the query string (app/ui.js, "getSetting").
    std::string host = endpoint_.host;
    if (host == "0.0.0.0") host = "127.0.0.1";
    const std::string shown = endpoint_.ipv6() ? "[" + host + "]" : host;
    return fmt::format(
        "http://{}:{}/vnc.html?host={}&port={}&path=&autoconnect=true&resize=scale&reconnect=true",
        shown, *web_port_, shown, port_);
}

void VncServer::run() {
    auto next_refresh = Clock::now();
    std::vector<pollfd> fds;
    while (!stopping_.load()) {
        int timeout_ms = -1;  // no viewer: sleep until a connection (or stop)
        if (viewers_.load() > 0) {
            const auto now = Clock::now();
            if (now >= next_refresh) {
                refresh();
                next_refresh = now + kRefreshPeriod;
            }
            rfbProcessEvents(screen_, 0);  // send what the refresh marked
            const auto wait =
                std::chrono::ceil<std::chrono::milliseconds>(next_refresh - Clock::now());
            timeout_ms = static_cast<int>(std::max<int64_t>(0, wait.count()));
        }

        // Every socket libvncserver reads (viewers) plus the listening sockets and the wake fd.
        fds.clear();
        fds.push_back({wake_fd_, POLLIN, 0});
        fds.push_back({listen_fd_, POLLIN, 0});
        for (int fd = 0; fd <= screen_->maxFd; ++fd)
            if (FD_ISSET(fd, &screen_->allFds)) fds.push_back({fd, POLLIN, 0});
        if (web_) web_->add_poll_fds(fds);
        const int ready = poll(fds.data(), fds.size(), timeout_ms);
        if (ready < 0 && errno != EINTR) {
            log::error("vnc: poll: {}", std::strerror(errno));
            break;
        }
        if (fds[0].revents & POLLIN) {
            uint64_t count;
            [[maybe_unused]] ssize_t n = read(wake_fd_, &count, sizeof(count));
        }
        if (fds[1].revents & POLLIN) accept_viewers();
        if (web_) web_->handle(fds);
        rfbProcessEvents(screen_, 0);
    }
}

void VncServer::accept_viewers() {
    for (;;) {
        const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR && errno != ECONNABORTED)
                log::verbose("vnc: accept: {}", std::strerror(errno));
            if (errno == EINTR || errno == ECONNABORTED) continue;
            return;
        }
        if (fd >= FD_SETSIZE) {  // libvncserver keeps its sockets in an fd_set (select)
            log::error("vnc: refusing a viewer: descriptor {} is beyond FD_SETSIZE", fd);
            close(fd);
            continue;
        }
        // The viewer's ServerInit carries the screen size: bring the framebuffer up to date first.
        refresh();
        rfbNewClient(screen_, fd);
    }
}

void VncServer::refresh() {
    changed_.clear();
    const uint32_t old_width = surface_.width, old_height = surface_.height;
    const uint32_t* old_pixels = surface_.pixels.data();
    source_.refresh(surface_, changed_);
    if (surface_.width == 0 || surface_.height == 0) return;
    if (surface_.width != old_width || surface_.height != old_height ||
        surface_.pixels.data() != old_pixels ||
        screen_->frameBuffer != reinterpret_cast<const char*>(old_pixels)) {
        use_surface_as_framebuffer();
        return;
    }
    for (const Rect& r : changed_) {
        if (r.empty() || r.x >= surface_.width || r.y >= surface_.height) continue;
        const uint32_t x2 = std::min(surface_.width, r.x + r.width);
        const uint32_t y2 = std::min(surface_.height, r.y + r.height);
        rfbMarkRectAsModified(screen_, static_cast<int>(r.x), static_cast<int>(r.y),
                              static_cast<int>(x2), static_cast<int>(y2));
    }
}

void VncServer::use_surface_as_framebuffer() {
    // rfbNewFramebuffer resets the pixel format to its default and re-installs each viewer's
    // translation; svm's format is then set again and the translations redone. Viewers that sent
    // the DesktopSize pseudo-encoding (RFC 6143 section 7.8.2) get the new size; every viewer gets
    // the whole screen.
    const bool resized = static_cast<uint32_t>(screen_->width) != surface_.width ||
                         static_cast<uint32_t>(screen_->height) != surface_.height;
    rfbNewFramebuffer(screen_, reinterpret_cast<char*>(surface_.pixels.data()),
                      static_cast<int>(surface_.width), static_cast<int>(surface_.height), 8, 3, 4);
    set_xrgb_format(screen_);
    rfbClientIteratorPtr it = rfbGetClientIterator(screen_);
    while (rfbClientPtr client = rfbClientIteratorNext(it)) rfbSetTranslateFunction(client);
    rfbReleaseClientIterator(it);
    if (resized) log::verbose("vnc: screen is now {}x{}", surface_.width, surface_.height);
}

}  // namespace svm
