/* The DHCP client of virtio_net.elf (net_stack.h dhcp_configure): RFC 2131 4.1 and 3.1, message
 * format 2, options RFC 2132. */
#include "lib/console.h"
#include "lib/mem.h"
#include "virtio/net_internal.h"
#include "virtio/net_stack.h"
#include "virtio/runtime.h"

/* The DHCP exchange in progress. */
static struct {
    uint32_t xid;
    int state; /* 0 idle, 1 waiting for OFFER, 2 waiting for ACK, 3 bound */
    struct dhcp_lease lease;
} dhcp;
#define DHCP_DISCOVER 1
#define DHCP_OFFER 2
#define DHCP_REQUEST 3
#define DHCP_ACK 5
#define DHCP_NAK 6
#define DHCP_FIXED 236 /* op .. file */
#define DHCP_MAGIC 0x63825363u

static void dhcp_send(int type) {
    uint8_t options[32];
    uint32_t n = 0;
    options[n++] = 53; /* message type */
    options[n++] = 1;
    options[n++] = (uint8_t)type;
    if (type == DHCP_REQUEST) {
        options[n++] = 50; /* requested IP address */
        options[n++] = 4;
        put32(options + n, dhcp.lease.ip);
        n += 4;
        options[n++] = 54; /* server identifier */
        options[n++] = 4;
        put32(options + n, dhcp.lease.server);
        n += 4;
    }
    options[n++] = 55; /* parameter request list: mask, router, DNS, lease time */
    options[n++] = 4;
    options[n++] = 1;
    options[n++] = 3;
    options[n++] = 6;
    options[n++] = 51;
    options[n++] = 255;
    uint32_t dhcp_len = DHCP_FIXED + 4 + n;
    if (dhcp_len < 300) dhcp_len = 300; /* the BOOTP minimum (RFC 1542 2.1) */
    uint32_t udp_len = 8 + dhcp_len;
    uint8_t* udp = ip_header(broadcast_mac, 0, 0xFFFFFFFFu, IPPROTO_UDP, udp_len);
    memset(udp, 0, udp_len);
    put16(udp, DHCP_CLIENT_PORT);
    put16(udp + 2, DHCP_SERVER_PORT);
    put16(udp + 4, (uint16_t)udp_len);
    uint8_t* d = udp + 8;
    d[0] = 1; /* BOOTREQUEST */
    d[1] = 1; /* Ethernet */
    d[2] = 6;
    put32(d + 4, dhcp.xid);
    put16(d + 10, 0x8000); /* broadcast: we cannot receive unicast before we have the address */
    memcpy(d + 28, my_mac, 6);
    put32(d + DHCP_FIXED, DHCP_MAGIC);
    memcpy(d + DHCP_FIXED + 4, options, n);
    uint32_t sum = pseudo_sum(0, 0xFFFFFFFFu, IPPROTO_UDP, udp_len);
    uint16_t csum = fold(sum_bytes(sum, udp, udp_len));
    put16(udp + 6, csum ? csum : 0xFFFF);
    ip_send(udp_len);
}

void dhcp_input(const uint8_t* d, uint32_t len) {
    if (len < DHCP_FIXED + 4 || d[0] != 2 || get32(d + 4) != dhcp.xid ||
        memcmp(d + 28, my_mac, 6) != 0 || get32(d + DHCP_FIXED) != DHCP_MAGIC)
        return;
    int type = 0;
    struct dhcp_lease l = {0};
    l.ip = get32(d + 16); /* yiaddr */
    for (uint32_t i = DHCP_FIXED + 4; i < len && d[i] != 255;) {
        if (d[i] == 0) {
            ++i;
            continue;
        }
        if (i + 2 > len || i + 2 + d[i + 1] > len) break;
        uint8_t code = d[i], olen = d[i + 1];
        const uint8_t* v = d + i + 2;
        if (code == 53 && olen >= 1) type = v[0];
        if (code == 1 && olen >= 4) l.mask = get32(v);
        if (code == 3 && olen >= 4) l.router = get32(v);
        if (code == 6 && olen >= 4) l.dns = get32(v);
        if (code == 51 && olen >= 4) l.lease_seconds = get32(v);
        if (code == 54 && olen >= 4) l.server = get32(v);
        i += 2u + olen;
    }
    char b[16], c[16];
    if (dhcp.state == 1 && type == DHCP_OFFER) {
        kprintf("net: DHCP OFFER %s from %s\n", ip_to_str(l.ip, b), ip_to_str(l.server, c));
        dhcp.lease = l;
        dhcp.state = 2;
        dhcp_send(DHCP_REQUEST);
    } else if (dhcp.state == 2 && type == DHCP_ACK) {
        if (!l.server) l.server = dhcp.lease.server;
        dhcp.lease = l;
        dhcp.state = 3;
    } else if (dhcp.state == 2 && type == DHCP_NAK) {
        kputs("net: DHCP NAK, starting again\n");
        dhcp.state = 0;
    }
}

int dhcp_configure(uint64_t timeout_us, struct dhcp_lease* lease) {
    uint64_t deadline = now_us() + timeout_us;
    dhcp.xid = 0x53564D00u ^ (uint32_t)now_us() ^ (uint32_t)my_mac[5] << 8;
    while (now_us() < deadline) {
        dhcp.state = 1;
        kputs("net: DHCP DISCOVER\n");
        dhcp_send(DHCP_DISCOVER);
        uint64_t retry = now_us() + 2000000;
        while (now_us() < retry && dhcp.state != 3 && dhcp.state != 0) net_poll();
        if (dhcp.state == 3) {
            *lease = dhcp.lease;
            net_set_address(lease->ip, lease->mask ? lease->mask : IP4(255, 255, 255, 0),
                            lease->router);
            return 0;
        }
    }
    return -1;
}
