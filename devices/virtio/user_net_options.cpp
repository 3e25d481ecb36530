#include "devices/virtio/user_net_options.h"

#include <arpa/inet.h>

#include <charconv>

namespace svm::virtio {

namespace {

constexpr char kHostfwdForm[] =
    "hostfwd=[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport, such as hostfwd=tcp::8080-:80";

// Parses a dotted IPv4 address (inet_pton's strict form: four decimal bytes) into host order.
std::optional<uint32_t> parse_ipv4(std::string_view text) {
    std::string copy(text);
    in_addr address{};
    if (::inet_pton(AF_INET, copy.c_str(), &address) != 1) return std::nullopt;
    return ntohl(address.s_addr);
}

// Parses a port: decimal digits only, 1 to 65535.
std::optional<uint16_t> parse_port(std::string_view text) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 ||
        value > 65535)
        return std::nullopt;
    return static_cast<uint16_t>(value);
}

// Splits `text` at the first `separator`: {before, after}, or nullopt if it has none.
std::optional<std::pair<std::string_view, std::string_view>> split(std::string_view text,
                                                                   char separator) {
    size_t at = text.find(separator);
    if (at == std::string_view::npos) return std::nullopt;
    return std::pair{text.substr(0, at), text.substr(at + 1)};
}

}  // namespace

Result<SlirpForward> parse_hostfwd(std::string_view text) {
    // QEMU's net/slirp.c slirp_hostfwd(): protocol, host address and port up to '-', then the
    // guest address and port; the protocol and both addresses may be empty.
    auto halves = split(text, '-');
    if (!halves)
        return error("hostfwd={}: missing '-' between the host and guest sides; expected {}", text,
                     kHostfwdForm);
    auto [host_side, guest_side] = *halves;
    auto protocol = split(host_side, ':');
    auto host = protocol ? split(protocol->second, ':') : std::nullopt;
    if (!host)
        return error(
            "hostfwd={}: the host side '{}' is not [tcp|udp]:[hostaddr]:hostport; "
            "expected {}",
            text, host_side, kHostfwdForm);
    auto guest = split(guest_side, ':');
    if (!guest)
        return error("hostfwd={}: the guest side '{}' is not [guestaddr]:guestport; expected {}",
                     text, guest_side, kHostfwdForm);

    SlirpForward forward;
    if (protocol->first == "udp") {
        forward.udp = true;
    } else if (!protocol->first.empty() && protocol->first != "tcp") {
        return error("hostfwd={}: unknown protocol '{}'; expected tcp or udp", text,
                     protocol->first);
    }
    if (!host->first.empty()) {
        if (!parse_ipv4(host->first))
            return error(
                "hostfwd={}: bad host address '{}'; expected a dotted IPv4 address "
                "such as 127.0.0.1 (or none, for 127.0.0.1)",
                text, host->first);
        forward.host_address = host->first;
    }
    auto host_port = parse_port(host->second);
    if (!host_port)
        return error("hostfwd={}: bad host port '{}'; expected 1 to 65535", text, host->second);
    forward.host_port = *host_port;
    if (!guest->first.empty()) {
        auto address = parse_ipv4(guest->first);
        uint32_t host_part = address ? *address & ~kUserNetNetmask : 0;
        if (!address || (*address & kUserNetNetmask) != kUserNetNetwork || host_part == 0 ||
            host_part == (kUserNetHost & ~kUserNetNetmask) ||
            host_part == (kUserNetNameserver & ~kUserNetNetmask) || host_part == ~kUserNetNetmask)
            return error(
                "hostfwd={}: bad guest address '{}'; expected a guest's address in "
                "10.0.2.0/24 such as 10.0.2.15 (or none, for 10.0.2.15)",
                text, guest->first);
        forward.guest_address = guest->first;
    }
    auto guest_port = parse_port(guest->second);
    if (!guest_port)
        return error("hostfwd={}: bad guest port '{}'; expected 1 to 65535", text, guest->second);
    forward.guest_port = *guest_port;
    return forward;
}

Result<UserNetOptions> parse_user_net_option(std::string_view text) {
    auto first_comma = text.find(',');
    std::string_view kind = text.substr(0, first_comma);
    if (kind != "user")
        return error(
            "--net {}: unknown network back-end '{}'; expected user[,hostfwd=...][,mac=...]", text,
            kind);
    UserNetOptions options;
    if (first_comma == std::string_view::npos) return options;
    std::string_view rest = text.substr(first_comma + 1);
    for (;;) {
        size_t comma = rest.find(',');
        std::string_view option = rest.substr(0, comma);
        auto key_value = split(option, '=');
        if (!key_value)
            return error("--net {}: '{}' is not KEY=VALUE; expected hostfwd=... or mac=...", text,
                         option);
        auto [key, value] = *key_value;
        if (key == "hostfwd") {
            options.forwards.push_back(TRY(with_context(parse_hostfwd(value), "--net user")));
        } else if (key == "mac") {
            if (options.mac) return error("--net {}: mac= is given twice", text);
            options.mac = TRY(with_context(parse_mac(value), "--net user"));
        } else {
            return error("--net {}: unknown option '{}'; expected hostfwd= or mac=", text, key);
        }
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    return options;
}

}  // namespace svm::virtio
