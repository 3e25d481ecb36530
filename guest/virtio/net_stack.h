/*
 * A tiny IPv4 stack for virtio_net.elf: Ethernet II, ARP (RFC 826), IPv4 (RFC 791) without
 * fragments or options, ICMP echo (RFC 792), UDP (RFC 768) for a DHCP client (RFC 2131, options
 * RFC 2132), and a TCP (RFC 9293) echo server for one connection at a time. Addresses are kept
 * in host byte order. Polling only: every wait calls net_poll(), which the driver provides.
 */
#ifndef GUEST_VIRTIO_NET_STACK_H
#define GUEST_VIRTIO_NET_STACK_H

#include <stdint.h>

#define IP4(a, b, c, d) \
    ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* Provided by the driver (net_test.c; guest/os/net.c in the sample OS). */
int net_output(const uint8_t* frame, uint32_t len); /* queues one frame; 0 or -1 */
void net_poll(void);                                /* passes received frames to net_input */

/* What the stack did, for the test's report. */
struct net_counters {
    unsigned frames_in;
    unsigned arp_replies_sent;  /* answers to ARP requests for our address */
    unsigned echo_replies_sent; /* answers to ICMP echo requests */
    unsigned tcp_connections;   /* TCP echo connections closed in order (FIN both ways) */
    unsigned tcp_bytes_echoed;
};
extern struct net_counters net_counters;

void net_init(const uint8_t mac[6]);
void net_set_address(uint32_t ip, uint32_t mask, uint32_t gateway);
/* Handles one received Ethernet frame. */
void net_input(const uint8_t* frame, uint32_t len);

/* DHCP (RFC 2131 3.1): DISCOVER, OFFER, REQUEST, ACK, retried every 2 s. Returns 0 and sets the
 * address (net_set_address) from the lease, or -1 on timeout. */
struct dhcp_lease {
    uint32_t ip, mask, router, server, dns, lease_seconds;
};
int dhcp_configure(uint64_t timeout_us, struct dhcp_lease* lease);

/* ARP request for ip until a reply (retried every 500 ms). 0 or -1. */
int arp_resolve(uint32_t ip, uint8_t mac[6], uint64_t timeout_us);
/* ICMP echo request to ip (resolving its MAC, or the gateway's if ip is off-link); waits for
 * the matching reply. Returns 0 with *rtt_us and *ttl, or -1. */
int ping(uint32_t ip, uint16_t seq, uint64_t timeout_us, uint32_t* rtt_us, uint8_t* ttl);
/* Starts answering TCP on `port` (0: off) as an echo server. */
void tcp_echo_listen(uint16_t port);

/* "10.0.2.15" into buf (16 bytes). Parses the same (0 on error). */
const char* ip_to_str(uint32_t ip, char buf[16]);
uint32_t ip_from_str(const char* s);

#endif /* GUEST_VIRTIO_NET_STACK_H */
