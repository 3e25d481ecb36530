// Builds and parses the Ethernet frames a test plays the guest with: ARP (RFC 826), IPv4
// (RFC 791) carrying UDP (RFC 768), ICMP echo (RFC 792) or TCP (RFC 793), DHCP (RFC 2131/2132),
// with the Internet checksum of RFC 1071. Only what the tests need; every field big-endian.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace svm::virtio::test {

using Mac = std::array<uint8_t, 6>;

constexpr Mac kBroadcastMac = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
constexpr uint16_t kEtherTypeIpv4 = 0x0800;
constexpr uint16_t kEtherTypeArp = 0x0806;
constexpr uint8_t kProtoIcmp = 1;
constexpr uint8_t kProtoTcp = 6;
constexpr uint8_t kProtoUdp = 17;
constexpr uint8_t kTcpSyn = 0x02, kTcpPsh = 0x08, kTcpAck = 0x10;

inline void put16(std::vector<uint8_t>& out, uint16_t value) {
    out.push_back(static_cast<uint8_t>(value >> 8));
    out.push_back(static_cast<uint8_t>(value));
}
inline void put32(std::vector<uint8_t>& out, uint32_t value) {
    put16(out, static_cast<uint16_t>(value >> 16));
    put16(out, static_cast<uint16_t>(value));
}
inline uint16_t get16(std::span<const uint8_t> in, size_t at) {
    return static_cast<uint16_t>(in[at] << 8 | in[at + 1]);
}
inline uint32_t get32(std::span<const uint8_t> in, size_t at) {
    return uint32_t{get16(in, at)} << 16 | get16(in, at + 2);
}
inline void set16(std::span<uint8_t> out, size_t at, uint16_t value) {
    out[at] = static_cast<uint8_t>(value >> 8);
    out[at + 1] = static_cast<uint8_t>(value);
}

// The ones' complement sum of `data` as big-endian 16-bit words, added to `sum` (unfolded).
inline uint32_t checksum_add(std::span<const uint8_t> data, uint32_t sum = 0) {
    for (size_t i = 0; i < data.size(); i += 2)
        sum += uint32_t{data[i]} << 8 | (i + 1 < data.size() ? data[i + 1] : 0);
    return sum;
}
// Folds a sum and complements it: the checksum field's value.
inline uint16_t checksum_finish(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum);
}

inline std::vector<uint8_t> ethernet(const Mac& dst, const Mac& src, uint16_t type,
                                     std::span<const uint8_t> payload) {
    std::vector<uint8_t> f(dst.begin(), dst.end());
    f.insert(f.end(), src.begin(), src.end());
    put16(f, type);
    f.insert(f.end(), payload.begin(), payload.end());
    if (f.size() < 60) f.resize(60);  // the Ethernet minimum without FCS
    return f;
}

// An IPv4 header (no options, TTL 64, DF clear) with its checksum, then `payload`.
inline std::vector<uint8_t> ipv4(uint32_t src, uint32_t dst, uint8_t protocol,
                                 std::span<const uint8_t> payload) {
    std::vector<uint8_t> p;
    p.push_back(0x45);
    p.push_back(0);
    put16(p, static_cast<uint16_t>(20 + payload.size()));
    put16(p, 0x1234);  // identification
    put16(p, 0);       // flags, fragment offset
    p.push_back(64);
    p.push_back(protocol);
    put16(p, 0);  // checksum, below
    put32(p, src);
    put32(p, dst);
    set16(p, 10, checksum_finish(checksum_add(std::span(p).first(20))));
    p.insert(p.end(), payload.begin(), payload.end());
    return p;
}

// The TCP/UDP pseudo-header's sum (RFC 793 3.1).
inline uint32_t pseudo_header_sum(uint32_t src, uint32_t dst, uint8_t protocol, size_t length) {
    std::vector<uint8_t> p;
    put32(p, src);
    put32(p, dst);
    put16(p, protocol);
    put16(p, static_cast<uint16_t>(length));
    return checksum_add(p);
}

// A UDP datagram without a checksum (0: allowed over IPv4).
inline std::vector<uint8_t> udp(uint16_t sport, uint16_t dport, std::span<const uint8_t> payload) {
    std::vector<uint8_t> d;
    put16(d, sport);
    put16(d, dport);
    put16(d, static_cast<uint16_t>(8 + payload.size()));
    put16(d, 0);
    d.insert(d.end(), payload.begin(), payload.end());
    return d;
}

// An ICMP echo request; with `checksum` false the field is left 0 (for NEEDS_CSUM).
inline std::vector<uint8_t> icmp_echo(uint16_t id, uint16_t sequence, const std::string& data,
                                      bool checksum = true) {
    std::vector<uint8_t> m = {8, 0, 0, 0};
    put16(m, id);
    put16(m, sequence);
    m.insert(m.end(), data.begin(), data.end());
    if (checksum) set16(m, 2, checksum_finish(checksum_add(m)));
    return m;
}

// A TCP segment without options, window 65535, with its checksum.
inline std::vector<uint8_t> tcp(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport,
                                uint32_t seq, uint32_t ack, uint8_t flags,
                                const std::string& data = {}) {
    std::vector<uint8_t> s;
    put16(s, sport);
    put16(s, dport);
    put32(s, seq);
    put32(s, ack);
    s.push_back(5 << 4);
    s.push_back(flags);
    put16(s, 65535);
    put16(s, 0);  // checksum, below
    put16(s, 0);  // urgent pointer
    s.insert(s.end(), data.begin(), data.end());
    set16(s, 16,
          checksum_finish(checksum_add(s, pseudo_header_sum(src, dst, kProtoTcp, s.size()))));
    return s;
}

// An ARP packet for IPv4 over Ethernet; `op` 1 is a request, 2 a reply.
inline std::vector<uint8_t> arp(uint16_t op, const Mac& sha, uint32_t spa, const Mac& tha,
                                uint32_t tpa) {
    std::vector<uint8_t> a;
    put16(a, 1);  // Ethernet
    put16(a, kEtherTypeIpv4);
    a.push_back(6);
    a.push_back(4);
    put16(a, op);
    a.insert(a.end(), sha.begin(), sha.end());
    put32(a, spa);
    a.insert(a.end(), tha.begin(), tha.end());
    put32(a, tpa);
    return a;
}

// A DHCPDISCOVER (RFC 2131 4.4.1) as a BOOTP request of the full 548 bytes (236 + 312 bytes of
// options, which libslirp's struct bootp_t expects), asking for a broadcast reply.
inline std::vector<uint8_t> dhcp_discover(const Mac& client, uint32_t xid) {
    std::vector<uint8_t> b = {1, 1, 6, 0};  // op BOOTREQUEST, htype Ethernet, hlen 6, hops
    put32(b, xid);
    put16(b, 0);       // secs
    put16(b, 0x8000);  // flags: broadcast
    b.resize(28, 0);   // ciaddr, yiaddr, siaddr, giaddr
    b.insert(b.end(), client.begin(), client.end());
    b.resize(236, 0);                            // chaddr padding, sname, file
    const uint8_t options[] = {99, 130, 83, 99,  // the magic cookie (RFC 2131 3)
                               53, 1,   1,       // DHCP message type: DISCOVER
                               255};
    b.insert(b.end(), std::begin(options), std::end(options));
    b.resize(236 + 312, 0);
    return b;
}

// An IPv4 packet inside an Ethernet frame, as a view into the frame.
struct Ipv4Packet {
    uint32_t src = 0, dst = 0;
    uint8_t protocol = 0;
    std::span<const uint8_t> payload;
};

inline std::optional<Ipv4Packet> parse_ipv4(std::span<const uint8_t> frame) {
    if (frame.size() < 34 || get16(frame, 12) != kEtherTypeIpv4) return std::nullopt;
    auto ip = frame.subspan(14);
    size_t header = (ip[0] & 0xf) * 4u;
    size_t total = get16(ip, 2);
    if ((ip[0] >> 4) != 4 || header < 20 || total < header || total > ip.size())
        return std::nullopt;
    return Ipv4Packet{get32(ip, 12), get32(ip, 16), ip[9], ip.subspan(header, total - header)};
}

struct TcpSegment {
    uint16_t sport = 0, dport = 0;
    uint32_t seq = 0, ack = 0;
    uint8_t flags = 0;
    std::span<const uint8_t> data;
};

inline std::optional<TcpSegment> parse_tcp(std::span<const uint8_t> segment) {
    if (segment.size() < 20) return std::nullopt;
    size_t offset = (segment[12] >> 4) * 4u;
    if (offset < 20 || offset > segment.size()) return std::nullopt;
    return TcpSegment{get16(segment, 0), get16(segment, 2), get32(segment, 4),
                      get32(segment, 8), segment[13],       segment.subspan(offset)};
}

}  // namespace svm::virtio::test
