#include "gdbstub/endpoint.h"

#include <fmt/format.h>

#include <charconv>

namespace svm::gdb {
namespace {

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
    if (spec.substr(0, 5) == "unix:") {
        endpoint.kind = Endpoint::Kind::Unix;
        endpoint.path = spec.substr(5);
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

}  // namespace svm::gdb
