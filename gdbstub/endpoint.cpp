#include "gdbstub/endpoint.h"

#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "gdbstub/unix_socket.h"

namespace svm::gdb {
namespace {

constexpr std::string_view kSharedDir = ",shared-dir";

std::unexpected<TargetError> bad_spec(std::string_view spec, std::string_view why) {
    return target_error(
        22, fmt::format("invalid gdb address '{}': {} (use PORT, HOST:PORT, [IPv6]:PORT or "
                        "unix:PATH)",
                        spec, why));
}

}  // namespace

std::string Endpoint::to_string() const {
    if (kind == Kind::Unix) return "unix:" + path;
    if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

TargetResult<Endpoint> parse_endpoint(std::string_view spec) {
    Endpoint endpoint;
    if (spec.empty()) return bad_spec(spec, "the address is empty");
    if (spec.substr(0, 5) == "unix:") {
        endpoint.kind = Endpoint::Kind::Unix;
        endpoint.path = spec.substr(5);
        if (endpoint.path.ends_with(kSharedDir)) {
            endpoint.shared_dir = true;
            endpoint.path.resize(endpoint.path.size() - kSharedDir.size());
        }
        if (endpoint.path.empty()) return bad_spec(spec, "the socket path is empty");
        // sockaddr_un::sun_path holds 108 bytes including the terminating NUL.
        if (endpoint.path.size() > 107) return bad_spec(spec, "the socket path is too long");
        return endpoint;
    }
    std::string_view host;
    std::string_view port = spec;
    if (!spec.empty() && spec[0] == '[') {
        size_t close = spec.find(']');
        if (close == std::string_view::npos || spec.substr(close + 1, 1) != ":")
            return bad_spec(spec, "expected [IPv6]:PORT");
        host = spec.substr(1, close - 1);
        port = spec.substr(close + 2);
        if (host.empty()) return bad_spec(spec, "the host is empty");
    } else if (size_t colon = spec.rfind(':'); colon != std::string_view::npos) {
        host = spec.substr(0, colon);
        port = spec.substr(colon + 1);
        if (host.find(':') != std::string_view::npos)
            return bad_spec(spec, "put an IPv6 address in brackets");
    }
    if (!host.empty()) endpoint.host = host;
    unsigned value = 0;
    auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || ec != std::errc() || end != port.data() + port.size() || value > 65535)
        return bad_spec(spec, "the port must be a number from 0 to 65535");
    endpoint.port = uint16_t(value);
    return endpoint;
}

TargetResult<Endpoint> check_endpoint(std::string_view spec) {
    auto endpoint = parse_endpoint(spec);
    if (!endpoint) return endpoint;
    if (endpoint->kind == Endpoint::Kind::Unix) {
        if (auto r = check_socket_directory(endpoint->path, endpoint->shared_dir); !r)
            return std::unexpected(r.error());
        if (auto r = inspect_socket_path(endpoint->path); !r) return std::unexpected(r.error());
        return endpoint;
    }
    // Numeric addresses need no look-up; names go through the resolver as Server::create does.
    addrinfo hints{};
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    addrinfo* found = nullptr;
    int r = ::getaddrinfo(endpoint->host.c_str(), nullptr, &hints, &found);
    if (r != 0) {
        return target_error(22,
                            fmt::format("invalid gdb address '{}': cannot resolve host '{}' "
                                        "({})",
                                        spec, endpoint->host,
                                        r == EAI_SYSTEM ? std::strerror(errno) : gai_strerror(r)));
    }
    ::freeaddrinfo(found);
    return endpoint;
}

}  // namespace svm::gdb
