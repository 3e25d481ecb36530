/* What net_stack.c shares with net_dhcp.c and net_tcp.c: header sizes, protocol numbers,
 * big-endian field access, the Internet checksum, and the IPv4 output path. */
#ifndef GUEST_VIRTIO_NET_INTERNAL_H
#define GUEST_VIRTIO_NET_INTERNAL_H

#include <stdint.h>

#define ETH_HLEN 14
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP 0x0806
#define IP_HLEN 20
#define IPPROTO_ICMP 1
#define IPPROTO_TCP 6
#define IPPROTO_UDP 17
#define DHCP_CLIENT_PORT 68
#define DHCP_SERVER_PORT 67
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_WINDOW 8192
#define PING_ID 0x5356 /* "SV" */

extern uint8_t my_mac[6];
extern uint32_t my_ip;
extern const uint8_t broadcast_mac[6];

static inline uint16_t get16(const uint8_t* p) {
    return (uint16_t)(p[0] << 8 | p[1]);
}
static inline uint32_t get32(const uint8_t* p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void put16(uint8_t* p, uint16_t v) {
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}
static inline void put32(uint8_t* p, uint32_t v) {
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* The Internet checksum (RFC 1071) over len bytes, continuing from `sum`. */
static inline uint32_t sum_bytes(uint32_t sum, const uint8_t* p, uint32_t len) {
    for (uint32_t i = 0; i + 1 < len; i += 2) sum += get16(p + i);
    if (len & 1) sum += (uint32_t)p[len - 1] << 8;
    return sum;
}
static inline uint16_t fold(uint32_t sum) {
    while (sum >> 16) sum = (sum & 0xFFFF) + (sum >> 16);
    return (uint16_t)~sum;
}

/* The pseudo-header sum for TCP and UDP checksums (RFC 9293 3.1, RFC 768). */
static inline uint32_t pseudo_sum(uint32_t src, uint32_t dst, uint8_t proto, uint32_t len) {
    return (src >> 16) + (src & 0xFFFF) + (dst >> 16) + (dst & 0xFFFF) + proto + len;
}

/* Writes the Ethernet and IPv4 headers (no options, TTL 64) of a packet with `payload_len`
 * bytes of payload into the transmit buffer; returns where the payload goes. */
uint8_t* ip_header(const uint8_t* dst_mac, uint32_t src, uint32_t dst, uint8_t proto,
                   uint32_t payload_len);
/* Sends the packet ip_header() started. 0 or -1. */
int ip_send(uint32_t payload_len);

/* Protocol input, called by net_input(): a DHCP message (UDP payload to port 68), a TCP segment
 * addressed to us. */
void dhcp_input(const uint8_t* d, uint32_t len);
void tcp_input(const uint8_t* eth, const uint8_t* ip, const uint8_t* seg, uint32_t len);

#endif /* GUEST_VIRTIO_NET_INTERNAL_H */
