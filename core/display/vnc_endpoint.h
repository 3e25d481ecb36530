// Where svm's VNC server listens: the argument of --vnc ([HOST]:DISPLAY or unix:PATH) and of
// --vnc-web (an HTTP port for the browser view), parsed into a checked value.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace svm {

struct VncEndpoint {
    enum class Kind { Tcp, Unix };

    Kind kind = Kind::Tcp;
    // Tcp: the numeric address to bind, IPv4 ("127.0.0.1") or IPv6 without brackets ("::1").
    std::string host = "127.0.0.1";
    // Tcp: the port, 5900 + DISPLAY (RFC 6143 section 1: display N is TCP port 5900 + N). 0 binds
    // any free port (tests; VncServer::port() tells which).
    uint16_t port = 5900;
    // Unix: the socket's path.
    std::string path;

    bool ipv6() const { return host.find(':') != std::string::npos; }
    // "127.0.0.1:5900", "[::1]:5901" or "unix:/path" (for messages).
    std::string to_string() const;
};

// Parses `text` as given to --vnc:
//  - "[HOST]:DISPLAY": TCP port 5900 + DISPLAY (0-59635) on HOST, which is empty (127.0.0.1),
//    "localhost" (127.0.0.1), an IPv4 literal ("0.0.0.0" for every interface) or a bracketed IPv6
//    literal ("[::1]:0");
//  - "unix:PATH": a Unix domain socket at PATH (a stale socket file there is replaced).
// Returns a one-line error for anything else (no colon, a host name, a display that is not a
// number or out of range, an empty path).
Result<VncEndpoint> parse_vnc_endpoint(std::string_view text);

// Parses the --vnc-web argument: a TCP port number 1-65535 (the HTTP server listens on the same
// address as the VNC endpoint). Returns a one-line error otherwise.
Result<uint16_t> parse_vnc_web_port(std::string_view text);

}  // namespace svm
