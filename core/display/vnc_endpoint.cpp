#include "core/display/vnc_endpoint.h"

#include <arpa/inet.h>

#include <charconv>

namespace svm {
namespace {

constexpr unsigned kBasePort = 5900;
constexpr unsigned kMaxDisplay = 65535 - kBasePort;  // 59635

// Parses a decimal number without sign; returns false unless all of `text` is digits.
bool parse_unsigned(std::string_view text, unsigned& value) {
    if (text.empty()) return false;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::string VncEndpoint::to_string() const {
    if (kind == Kind::Unix) return "unix:" + path;
    if (ipv6()) return fmt::format("[{}]:{}", host, port);
    return fmt::format("{}:{}", host, port);
}

Result<VncEndpoint> parse_vnc_endpoint(std::string_view text) {
    VncEndpoint endpoint;
    if (text.starts_with("unix:")) {
        endpoint.kind = VncEndpoint::Kind::Unix;
        endpoint.path = std::string(text.substr(5));
        if (endpoint.path.empty())
            return error("--vnc unix:PATH needs a path (for example unix:/tmp/svm.vnc)");
        return endpoint;
    }
    const size_t colon = text.rfind(':');
    if (colon == std::string_view::npos)
        return error(
            "--vnc '{}': expected [HOST]:DISPLAY (for example :0 or 127.0.0.1:1) or unix:PATH",
            text);
    std::string_view host = text.substr(0, colon);
    const std::string_view display = text.substr(colon + 1);
    unsigned number = 0;
    if (!parse_unsigned(display, number) || number > kMaxDisplay)
        return error("--vnc '{}': the display must be a number from 0 to {} (port 5900 + display)",
                     text, kMaxDisplay);
    endpoint.port = static_cast<uint16_t>(kBasePort + number);

    if (host.empty() || host == "localhost") {
        endpoint.host = "127.0.0.1";
        return endpoint;
    }
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
        endpoint.host = std::string(host.substr(1, host.size() - 2));
        in6_addr addr6{};
        if (inet_pton(AF_INET6, endpoint.host.c_str(), &addr6) != 1)
            return error("--vnc '{}': '{}' is not an IPv6 address", text, endpoint.host);
        return endpoint;
    }
    endpoint.host = std::string(host);
    in_addr addr{};
    if (inet_pton(AF_INET, endpoint.host.c_str(), &addr) != 1)
        return error(
            "--vnc '{}': the host must be an IPv4 address, [IPv6 address] or localhost, not '{}'",
            text, host);
    return endpoint;
}

Result<uint16_t> parse_vnc_web_port(std::string_view text) {
    unsigned port = 0;
    if (!parse_unsigned(text, port) || port == 0 || port > 65535)
        return error("--vnc-web '{}': expected an HTTP port number from 1 to 65535", text);
    return static_cast<uint16_t>(port);
}

}  // namespace svm
