// svm's VNC server: shows a FrameSource to any number of VNC viewers (RFB 3.3-3.8, RFC 6143) with
// libvncserver, and delivers their keyboard and mouse to an InputSink. Optionally serves noVNC
// (the HTML5 viewer) over HTTP (HttpFileServer) so the screen can be watched in a browser; the
// browser's WebSocket then connects to the RFB port itself (libvncserver recognises WebSocket
// handshakes there).
//
// Threads and lifetime: create() binds the sockets and starts one server thread; every libvncserver
// call, every FrameSource::refresh() and every InputSink call happens on that thread. The thread
// sleeps in poll() on the sockets and an eventfd: with no viewer it never wakes on its own (an idle
// guest costs nothing); with at least one viewer it refreshes the FrameSource about 60 times a
// second and sends each viewer the rectangles that changed. stop() (or the destructor) wakes the
// thread, joins it, disconnects every viewer and closes every socket. The FrameSource and the
// InputSink's targets must outlive the server or stop() must be called first.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/display/frame_source.h"
#include "core/display/http_file_server.h"
#include "core/display/vnc_endpoint.h"
#include "core/result.h"
#include "devices/display/surface.h"

// libvncserver's types, kept out of svm's headers.
struct _rfbScreenInfo;

namespace svm {

struct VncServerOptions {
    // A file whose first line is the VNC password (VNC authentication, RFC 6143 section 7.2.2).
    // Empty: no authentication. The protocol uses only the first 8 characters; a longer password
    // is accepted with a warning and only its first 8 characters are checked.
    std::string password_file;
    // Serve the noVNC viewer on this HTTP port of the endpoint's address (0 = any free port).
    // Needs a TCP endpoint.
    std::optional<uint16_t> web_port;
    // The directory served over HTTP (nothing outside it is served).
    std::string web_dir = "/usr/share/novnc";
    // The desktop name viewers show in their title bar.
    std::string desktop_name = "svm";
};

class VncServer {
public:
    // Binds `endpoint` (and the web port), reads the password file, and starts the server thread.
    // Returns an error sentence when a socket cannot be bound (address in use, not a local
    // address), the password file cannot be read or is empty, the web directory has no vnc.html,
    // or the web view is asked for with a Unix socket endpoint.
    static Result<std::unique_ptr<VncServer>> create(const VncEndpoint& endpoint,
                                                     FrameSource& source, InputSink input,
                                                     VncServerOptions options = {});
    ~VncServer();
    VncServer(const VncServer&) = delete;
    VncServer& operator=(const VncServer&) = delete;

    // Stops the server thread, disconnects every viewer, closes every socket (and removes the
    // Unix socket file). Idempotent. Not to be called from the server thread (an InputSink).
    void stop();

    // The TCP port the RFB server listens on (the one asked for, or the one the kernel chose for
    // port 0); 0 for a Unix socket endpoint.
    uint16_t port() const { return port_; }
    // The HTTP port of the web view, if there is one.
    std::optional<uint16_t> web_port() const { return web_port_; }
    // The URL that opens the screen in a browser ("" without the web view), e.g.
    // http://127.0.0.1:5800/vnc.html?host=127.0.0.1&port=5900&autoconnect=true&resize=scale
    std::string web_url() const;
    // How many viewers are connected now (any thread).
    size_t viewer_count() const { return viewers_.load(); }
    // The endpoint as "127.0.0.1:5900" or "unix:/path".
    std::string address() const;

private:
    struct Viewer;

    VncServer(FrameSource& source, InputSink input);
    Result<void> start(const VncEndpoint& endpoint, VncServerOptions options);
    void run();
    void accept_viewers();
    void refresh();
    void use_surface_as_framebuffer();

    // libvncserver's callbacks (vnc_server.cpp), which reach the members below.
    friend struct VncServerHooks;

    FrameSource& source_;
    InputSink input_;
    VncEndpoint endpoint_;
    std::string web_dir_;
    std::string desktop_name_;
    std::string password_;
    std::vector<char*> password_list_;  // {password_, nullptr} for rfbCheckPasswordByList

    _rfbScreenInfo* screen_ = nullptr;
    int listen_fd_ = -1;
    int wake_fd_ = -1;
    uint16_t port_ = 0;
    std::optional<uint16_t> web_port_;
    std::unique_ptr<HttpFileServer> web_;

    // Touched only by the server thread once it runs.
    Surface surface_;
    std::vector<uint32_t> placeholder_;  // the framebuffer until the first refresh
    std::vector<Rect> changed_;

    std::atomic<size_t> viewers_{0};
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace svm
