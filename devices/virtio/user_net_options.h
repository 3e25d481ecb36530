// The option string of user-mode networking, what follows `--net ` (QEMU's `-netdev user`
// syntax, docs/system/invocation "-netdev user"): `user`, then comma-separated options
//
//   hostfwd=[tcp|udp]:[hostaddr]:hostport-[guestaddr]:guestport   (any number of times)
//   mac=52:54:00:12:34:56                                          (at most once)
//
// and the fixed addresses of the network svm gives the guest, QEMU's defaults. Pure parsing: no
// libslirp here, so the parser can be unit-tested and fuzzed on its own.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "devices/virtio/virtio_net.h"

namespace svm::virtio {

// QEMU's user network (docs/system/devices/net.rst, "Using the user mode network stack"), as
// IPv4 addresses in host byte order: 10.0.2.0/24, the gateway (which is also the host, for the
// guest) at .2, the DNS forwarder at .3, DHCP handing out addresses from .15 up.
constexpr uint32_t kUserNetNetwork = 0x0a000200;     // 10.0.2.0
constexpr uint32_t kUserNetNetmask = 0xffffff00;     // /24
constexpr uint32_t kUserNetHost = 0x0a000202;        // 10.0.2.2
constexpr uint32_t kUserNetNameserver = 0x0a000203;  // 10.0.2.3
constexpr uint32_t kUserNetDhcpStart = 0x0a00020f;   // 10.0.2.15

// One host port forward: connections (TCP) or datagrams (UDP) to host_address:host_port are
// relayed to guest_address:guest_port inside the user network.
struct SlirpForward {
    bool udp = false;
    // Dotted IPv4. svm binds forwards to the loopback interface unless told otherwise (QEMU binds
    // to every interface), so a guest's services are not exposed to the network by accident;
    // "0.0.0.0" means every interface.
    std::string host_address = "127.0.0.1";
    uint16_t host_port = 0;
    // Dotted IPv4 inside 10.0.2.0/24; empty means the first DHCP address, 10.0.2.15.
    std::string guest_address;
    uint16_t guest_port = 0;

    bool operator==(const SlirpForward&) const = default;
};

// What `--net user,...` asks for.
struct UserNetOptions {
    std::vector<SlirpForward> forwards;
    std::optional<MacAddress> mac;  // mac=; absent means the device's default
};

// Parses `text`, what follows `--net ` ("user", "user,hostfwd=tcp::8080-:80,mac=..."). Port
// numbers must be 1 to 65535; an empty protocol means tcp; an empty host address 127.0.0.1; an
// empty guest address 10.0.2.15; a guest address must be a guest's in 10.0.2.0/24 (not the
// network, the gateway .2, the DNS .3 or the broadcast address). Returns an error of one line
// naming the bad part and the expected form.
Result<UserNetOptions> parse_user_net_option(std::string_view text);

// Parses one hostfwd value ("tcp:127.0.0.1:8080-:80"), the part after `hostfwd=`, as above.
Result<SlirpForward> parse_hostfwd(std::string_view text);

}  // namespace svm::virtio
