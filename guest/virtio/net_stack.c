/* The tiny IPv4 stack of virtio_net.elf (net_stack.h): Ethernet, ARP, IPv4, ICMP; DHCP is in
 * net_dhcp.c, the TCP echo server in net_tcp.c. Fields are read and written byte by byte
 * in network order, so no structure packing or alignment is assumed. */
#include "virtio/net_stack.h"

#include "lib/console.h"
#include "lib/format.h"
#include "lib/mem.h"
#include "virtio/net_internal.h"
#include "virtio/runtime.h"

struct net_counters net_counters;

uint8_t my_mac[6];
uint32_t my_ip;
static uint32_t my_mask, my_gateway;
const uint8_t broadcast_mac[6] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
static uint8_t tx[1514];
static uint16_t ip_id;

/* A four-entry ARP cache, filled from requests and replies that name us. */
static struct {
    uint32_t ip;
    uint8_t mac[6];
} arp_cache[4];
static unsigned arp_next;

/* ICMP echo reply we wait for. */
static struct {
    uint16_t seq;
    int waiting, answered;
    uint8_t ttl;
} ping_state;

const char* ip_to_str(uint32_t ip, char buf[16]) {
    format(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 0xFF, (ip >> 8) & 0xFF, ip & 0xFF);
    return buf;
}

uint32_t ip_from_str(const char* s) {
    uint32_t ip = 0;
    for (int part = 0; part < 4; ++part) {
        uint32_t v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9') v = v * 10 + (uint32_t)(*s++ - '0'), ++digits;
        if (!digits || v > 255) return 0;
        ip = ip << 8 | v;
        if (part < 3 && *s++ != '.') return 0;
    }
    return ip;
}

void net_init(const uint8_t mac[6]) {
    memcpy(my_mac, mac, 6);
    ip_id = (uint16_t)(mac[5] << 8 | mac[4]);
}

void net_set_address(uint32_t ip, uint32_t mask, uint32_t gateway) {
    my_ip = ip;
    my_mask = mask;
    my_gateway = gateway;
}

static void arp_remember(uint32_t ip, const uint8_t* mac) {
    for (unsigned i = 0; i < 4; ++i) {
        if (arp_cache[i].ip == ip) {
            memcpy(arp_cache[i].mac, mac, 6);
            return;
        }
    }
    arp_cache[arp_next].ip = ip;
    memcpy(arp_cache[arp_next].mac, mac, 6);
    arp_next = (arp_next + 1) % 4;
}

static int arp_lookup(uint32_t ip, uint8_t mac[6]) {
    for (unsigned i = 0; i < 4; ++i) {
        if (arp_cache[i].ip == ip && ip != 0) {
            memcpy(mac, arp_cache[i].mac, 6);
            return 0;
        }
    }
    return -1;
}

/* Ethernet II header into tx; returns the payload. */
static uint8_t* eth_header(const uint8_t* dst, uint16_t type) {
    memcpy(tx, dst, 6);
    memcpy(tx + 6, my_mac, 6);
    put16(tx + 12, type);
    return tx + ETH_HLEN;
}

/* IPv4 header (no options, DF clear, TTL 64) in tx for `payload_len` bytes; returns the
 * payload. */
uint8_t* ip_header(const uint8_t* dst_mac, uint32_t src, uint32_t dst, uint8_t proto,
                   uint32_t payload_len) {
    uint8_t* ip = eth_header(dst_mac, ETHERTYPE_IPV4);
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint16_t)(IP_HLEN + payload_len));
    put16(ip + 4, ip_id++);
    put16(ip + 6, 0);
    ip[8] = 64;
    ip[9] = proto;
    put16(ip + 10, 0);
    put32(ip + 12, src);
    put32(ip + 16, dst);
    put16(ip + 10, fold(sum_bytes(0, ip, IP_HLEN)));
    return ip + IP_HLEN;
}

int ip_send(uint32_t payload_len) {
    return net_output(tx, ETH_HLEN + IP_HLEN + payload_len);
}

static void arp_send(uint16_t op, const uint8_t* target_mac, uint32_t target_ip,
                     const uint8_t* eth_dst) {
    uint8_t* a = eth_header(eth_dst, ETHERTYPE_ARP);
    put16(a, 1);          /* hardware type: Ethernet */
    put16(a + 2, 0x0800); /* protocol type: IPv4 */
    a[4] = 6;
    a[5] = 4;
    put16(a + 6, op);
    memcpy(a + 8, my_mac, 6);
    put32(a + 14, my_ip);
    memcpy(a + 18, target_mac, 6);
    put32(a + 24, target_ip);
    memset(a + 28, 0, 18); /* pad to the 60-byte minimum frame */
    net_output(tx, ETH_HLEN + 46);
}

static void arp_input(const uint8_t* a, uint32_t len) {
    if (len < 28 || get16(a) != 1 || get16(a + 2) != 0x0800 || a[4] != 6 || a[5] != 4) return;
    uint16_t op = get16(a + 6);
    uint32_t sender_ip = get32(a + 14), target_ip = get32(a + 24);
    if (my_ip == 0 || target_ip != my_ip) {
        if (op == 2 && sender_ip) arp_remember(sender_ip, a + 8); /* a reply we asked for */
        return;
    }
    if (sender_ip) arp_remember(sender_ip, a + 8);
    if (op == 1) {
        uint8_t sender_mac[6];
        memcpy(sender_mac, a + 8, 6);
        arp_send(2, sender_mac, sender_ip, sender_mac);
        net_counters.arp_replies_sent++;
    }
}

static void icmp_input(const uint8_t* eth, const uint8_t* ip, const uint8_t* icmp, uint32_t len) {
    if (len < 8 || fold(sum_bytes(0, icmp, len)) != 0) return;
    uint32_t src = get32(ip + 12);
    if (icmp[0] == 8 && icmp[1] == 0) {
        /* Echo request: the same identifier, sequence and data back (RFC 792). */
        if (len > sizeof tx - ETH_HLEN - IP_HLEN) return;
        uint8_t* r = ip_header(eth + 6, my_ip, src, IPPROTO_ICMP, len);
        memcpy(r, icmp, len);
        r[0] = 0;
        put16(r + 2, 0);
        put16(r + 2, fold(sum_bytes(0, r, len)));
        ip_send(len);
        net_counters.echo_replies_sent++;
        if (net_counters.echo_replies_sent <= 5 || net_counters.echo_replies_sent % 100 == 0) {
            char b[16];
            kprintf("net: echo reply to %s seq %u\n", ip_to_str(src, b), get16(icmp + 6));
        }
    } else if (icmp[0] == 0 && ping_state.waiting && get16(icmp + 4) == PING_ID &&
               get16(icmp + 6) == ping_state.seq) {
        ping_state.answered = 1;
        ping_state.ttl = ip[8];
    }
}

void net_input(const uint8_t* frame, uint32_t len) {
    net_counters.frames_in++;
    if (len < ETH_HLEN) return;
    if (memcmp(frame, my_mac, 6) != 0 && memcmp(frame, broadcast_mac, 6) != 0) return;
    uint16_t type = get16(frame + 12);
    const uint8_t* p = frame + ETH_HLEN;
    len -= ETH_HLEN;
    if (type == ETHERTYPE_ARP) {
        arp_input(p, len);
        return;
    }
    if (type != ETHERTYPE_IPV4 || len < IP_HLEN || (p[0] >> 4) != 4) return;
    uint32_t ihl = (uint32_t)(p[0] & 0xF) * 4;
    uint32_t total = get16(p + 2);
    if (ihl < IP_HLEN || total < ihl || total > len) return;
    if (fold(sum_bytes(0, p, ihl)) != 0) return;
    if (get16(p + 6) & 0x3FFF) return; /* a fragment: not handled */
    uint32_t dst = get32(p + 16);
    const uint8_t* payload = p + ihl;
    uint32_t plen = total - ihl;
    if (p[9] == IPPROTO_UDP && plen >= 8 && get16(payload + 2) == DHCP_CLIENT_PORT) {
        dhcp_input(payload + 8, plen - 8);
        return;
    }
    if (my_ip == 0 || dst != my_ip) return;
    if (p[9] == IPPROTO_ICMP)
        icmp_input(frame, p, payload, plen);
    else if (p[9] == IPPROTO_TCP)
        tcp_input(frame, p, payload, plen);
}

int arp_resolve(uint32_t ip, uint8_t mac[6], uint64_t timeout_us) {
    uint64_t deadline = now_us() + timeout_us;
    static const uint8_t zero_mac[6];
    while (now_us() < deadline) {
        if (arp_lookup(ip, mac) == 0) return 0;
        arp_send(1, zero_mac, ip, broadcast_mac);
        uint64_t retry = now_us() + 500000;
        while (now_us() < retry && now_us() < deadline) {
            net_poll();
            if (arp_lookup(ip, mac) == 0) return 0;
        }
    }
    return -1;
}

int ping(uint32_t ip, uint16_t seq, uint64_t timeout_us, uint32_t* rtt_us, uint8_t* ttl) {
    uint8_t mac[6];
    uint32_t hop = (ip & my_mask) == (my_ip & my_mask) ? ip : my_gateway;
    if (arp_resolve(hop, mac, timeout_us) != 0) return -1;
    static const char payload[] = "svm virtio-net ping payload 0123456789abcdef";
    uint32_t len = 8 + sizeof payload;
    uint8_t* icmp = ip_header(mac, my_ip, ip, IPPROTO_ICMP, len);
    icmp[0] = 8;
    icmp[1] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 4, PING_ID);
    put16(icmp + 6, seq);
    memcpy(icmp + 8, payload, sizeof payload);
    put16(icmp + 2, fold(sum_bytes(0, icmp, len)));
    ping_state.seq = seq;
    ping_state.answered = 0;
    ping_state.waiting = 1;
    uint64_t start = now_us();
    if (ip_send(len) != 0) return -1;
    while (!ping_state.answered && now_us() - start < timeout_us) net_poll();
    ping_state.waiting = 0;
    if (!ping_state.answered) return -1;
    *rtt_us = (uint32_t)(now_us() - start);
    *ttl = ping_state.ttl;
    return 0;
}
