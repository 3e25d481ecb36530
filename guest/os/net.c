/*
 * The network card (OASIS virtio 1.2, 5.1 "Network Device") under guest/virtio's IPv4 stack
 * (net_stack.c: Ethernet, ARP, IPv4, ICMP echo; net_dhcp.c: the DHCP client).
 *
 * The queues are guest/virtio/net_card.c's (shared with the virtio test guest), which also
 * provides net_output(); net_poll() below polls the card and lets the other threads run. The
 * stack is not reentrant, so every use of it (the `net` thread, the shell's `ping`) holds
 * `lock`. The `net` thread configures the card by DHCP at boot, then
 * polls it once a tick so that ARP requests and pings are answered in the background.
 * FIXME: a receive interrupt would replace the polling.
 */
#include "lib/mem.h"
#include "os/kernel.h"
#include "virtio/net_card.h"
#include "virtio/net_stack.h"
#include "virtio/virtio.h"

#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_STATUS (1ull << 16)
#define VIRTIO_NET_S_LINK_UP 1
#define DHCP_TIMEOUT_US 30000000u
#define PING_COUNT 4
#define PING_TIMEOUT_US 1000000u

static struct virtio_dev dev;
static int present;
static struct mutex lock;
static uint8_t mac[6];
static struct dhcp_lease lease;
static volatile int configured; /* 1: DHCP done or ip= given, -1: DHCP gave up or ip=off */
static int is_static;           /* the address came from ip= */

/* For net_stack.c, which calls it in every wait (DHCP, ARP, ping): poll, then let the other
 * threads run. The caller holds `lock`. */
void net_poll(void) {
    net_card_poll();
    thread_yield();
}

int net_card_init(void) {
    if (os_virtio_find(VIRTIO_ID_NET, &dev) != 0) return -1;
    if (virtio_negotiate(&dev, VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS) != 0 ||
        !(dev.features & VIRTIO_NET_F_MAC) || net_card_setup_queues(&dev) != 0) {
        kprintf("svm-os: virtio-net at %s refused the set-up\n", virtio_dev_name(&dev));
        virtio_reset(&dev);
        return -1;
    }
    virtio_driver_ok(&dev);
    net_card_start();
    /* struct virtio_net_config (5.1.4): mac[6] at 0, status at 6. */
    for (unsigned i = 0; i < 6; i++) mac[i] = virtio_cfg8(&dev, i);
    net_init(mac);
    present = 1;
    return 0;
}

const char* net_card_name(void) {
    return present ? virtio_dev_name(&dev) : NULL;
}

static void print_address(const char* label, uint32_t ip) {
    char b[16];
    kprintf("%s %s", label, ip ? ip_to_str(ip, b) : "-");
}

/* The `ip=` kernel parameter, in the form Linux reads it (Documentation/admin-guide/nfs/
 * nfsroot.rst: ip=<client-ip>:<server-ip>:<gw-ip>:<netmask>:...): "dhcp", "on", "any" or no
 * ip= at all mean DHCP (returns 0); "off" or "none" leave the card unconfigured (returns -1);
 * otherwise a static address: the client IP, then optionally the server (ignored), the gateway
 * and the netmask (255.255.255.0 if not given), fields after those ignored (returns 1, with
 * `lease` filled in). A value that does not parse is reported and taken as DHCP. */
static int static_address(struct dhcp_lease* l) {
    char value[128];
    if (!cmdline_value("ip", value, sizeof value)) return 0;
    if (!strcmp(value, "dhcp") || !strcmp(value, "on") || !strcmp(value, "any")) return 0;
    if (!strcmp(value, "off") || !strcmp(value, "none")) return -1;
    char* fields[4] = {value, NULL, NULL, NULL};
    char* p = value;
    for (int i = 1; i < 4; i++) {
        while (*p && *p != ':') p++;
        if (!*p) break;
        *p++ = 0;
        fields[i] = p;
    }
    for (char* q = p; *q; q++)
        if (*q == ':') *q = 0; /* hostname, device, ...: not used */
    memset(l, 0, sizeof *l);
    l->ip = ip_from_str(fields[0]);
    l->router = fields[2] && *fields[2] ? ip_from_str(fields[2]) : 0;
    l->mask = fields[3] && *fields[3] ? ip_from_str(fields[3]) : IP4(255, 255, 255, 0);
    if (!l->ip || !l->mask || (fields[2] && *fields[2] && !l->router)) {
        kputs("net: ip= is not CLIENT-IP[:SERVER-IP[:GATEWAY-IP[:NETMASK]]]; using DHCP\n");
        return 0;
    }
    return 1;
}

/* The `net` thread: the address from ip= or DHCP, then answer ARP and pings in the
 * background. */
static void net_main(void* unused) {
    (void)unused;
    int ok;
    int fixed = static_address(&lease);
    if (fixed == 1) {
        mutex_lock(&lock);
        net_set_address(lease.ip, lease.mask, lease.router);
        mutex_unlock(&lock);
        is_static = 1;
        ok = 1;
    } else if (fixed < 0) {
        configured = -1;
        kputs("net: ip=off: the card stays unconfigured\n");
        ok = -1;
    } else {
        mutex_lock(&lock);
        ok = dhcp_configure(DHCP_TIMEOUT_US, &lease) == 0;
        mutex_unlock(&lock);
    }
    if (ok > 0) {
        if (!lease.mask) lease.mask = IP4(255, 255, 255, 0); /* what net_dhcp.c assumed */
        configured = 1;
        print_address("net: address", lease.ip);
        print_address(" netmask", lease.mask);
        print_address(" gateway", lease.router);
        print_address(" dns", lease.dns);
        kputs(is_static ? " (static, ip=)\n" : "\n");
    } else if (ok == 0) {
        configured = -1;
        kputs("net: no DHCP answer; the card stays unconfigured\n");
    }
    for (;;) {
        mutex_lock(&lock);
        net_card_poll();
        mutex_unlock(&lock);
        thread_sleep(1);
    }
}

void net_start(void) {
    if (present) thread_create("net", net_main, NULL);
}

void net_ifconfig(void) {
    if (!present) {
        kputs("ifconfig: no network card\n");
        return;
    }
    kprintf("net0: %s\n", virtio_dev_name(&dev));
    kprintf("  mac %02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
    if (dev.features & VIRTIO_NET_F_STATUS)
        kprintf(", link %s", virtio_cfg16(&dev, 6) & VIRTIO_NET_S_LINK_UP ? "up" : "down");
    kputs("\n");
    if (configured == 1) {
        print_address("  inet", lease.ip);
        print_address(" netmask", lease.mask);
        print_address(" gateway", lease.router);
        print_address(" dns", lease.dns);
        if (is_static)
            kputs(" (static, ip=)\n");
        else
            kprintf(" (DHCP, lease %u s)\n", lease.lease_seconds);
    } else {
        kputs(configured ? "  no address (no DHCP answer, or ip=off)\n"
                         : "  no address yet (DHCP)\n");
    }
    kprintf("  rx %u frames, tx %u frames\n", net_counters.frames_in, net_card_frames_out);
}

void net_ping(const char* host) {
    if (!present) {
        kputs("ping: no network card\n");
        return;
    }
    uint32_t ip = ip_from_str(host);
    if (!ip) {
        kputs("ping: give a dotted IPv4 address, e.g. ping 10.0.2.2\n");
        return;
    }
    if (configured != 1) {
        kputs("ping: the card has no address (yet)\n");
        return;
    }
    char b[16];
    ip_to_str(ip, b);
    kprintf("PING %s: %u echo requests\n", b, PING_COUNT);
    unsigned received = 0;
    uint32_t min = 0xFFFFFFFFu, max = 0;
    uint64_t sum = 0;
    static uint16_t seq;
    for (unsigned i = 0; i < PING_COUNT; i++) {
        uint64_t sent_at = now_us();
        uint32_t rtt = 0;
        uint8_t ttl = 0;
        mutex_lock(&lock);
        int ok = ping(ip, ++seq, PING_TIMEOUT_US, &rtt, &ttl) == 0;
        mutex_unlock(&lock);
        if (ok) {
            kprintf("reply from %s: seq %u ttl %u time %u.%03u ms\n", b, i + 1, ttl, rtt / 1000,
                    rtt % 1000);
            received++;
            sum += rtt;
            if (rtt < min) min = rtt;
            if (rtt > max) max = rtt;
        } else {
            kprintf("no reply from %s: seq %u\n", b, i + 1);
        }
        /* One request a second, as ping(8) does. */
        uint64_t spent = now_us() - sent_at;
        if (i + 1 < PING_COUNT && spent < 1000000u)
            thread_sleep((1000000u - spent) * TIMER_HZ / 1000000u + 1);
    }
    kprintf("--- %s: %u sent, %u received, %u%% loss", b, PING_COUNT, received,
            (PING_COUNT - received) * 100 / PING_COUNT);
    if (received) {
        uint32_t avg = (uint32_t)(sum / received);
        kprintf(", time min/avg/max %u.%03u/%u.%03u/%u.%03u ms", min / 1000, min % 1000, avg / 1000,
                avg % 1000, max / 1000, max % 1000);
    }
    kputs("\n");
}
