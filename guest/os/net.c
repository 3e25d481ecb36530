/*
 * The network card (OASIS virtio 1.2, 5.1 "Network Device") under guest/virtio's IPv4 stack
 * (net_stack.c: Ethernet, ARP, IPv4, ICMP echo; net_dhcp.c: the DHCP client).
 *
 * Receive queue 0 holds RX_BUFFERS device-writable buffers; transmit queue 1 takes chains of the
 * 12-byte struct virtio_net_hdr (all zero: no offloads, 5.1.6.2) and the frame. The stack calls
 * net_output() and net_poll() below; it is not reentrant, so every use of it (the `net` thread,
 * the shell's `ping`) holds `lock`. The `net` thread configures the card by DHCP at boot, then
 * polls it once a tick so that ARP requests and pings are answered in the background.
 * FIXME: a receive interrupt would replace the polling.
 */
#include "lib/mem.h"
#include "os/kernel.h"
#include "virtio/net_stack.h"
#include "virtio/virtio.h"

#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_STATUS (1ull << 16)
#define VIRTIO_NET_S_LINK_UP 1
#define NET_HDR_LEN 12 /* struct virtio_net_hdr with num_buffers: VERSION_1 (5.1.6) */
#define RX_QUEUE 0
#define TX_QUEUE 1
#define RX_BUFFERS 16
#define TX_BUFFERS 16
#define BUFFER_SIZE 2048 /* >= 1526 (5.1.6.3.1: no MRG_RXBUF, no GUEST_TSO*) */
#define DHCP_TIMEOUT_US 30000000u
#define PING_COUNT 4
#define PING_TIMEOUT_US 1000000u

static struct virtio_dev dev;
static int present;
static struct mutex lock;
static uint8_t mac[6];
static struct dhcp_lease lease;
static volatile int configured; /* 1: DHCP done, -1: DHCP gave up */
static unsigned frames_out;

static uint8_t rx_buffers[RX_BUFFERS][BUFFER_SIZE] __attribute__((aligned(4096)));
static uint8_t tx_buffers[TX_BUFFERS][BUFFER_SIZE] __attribute__((aligned(4096)));
static int8_t rx_of_head[VIRTQ_MAX_SIZE]; /* which rx buffer a used head is */
static int8_t tx_of_head[VIRTQ_MAX_SIZE];
static uint8_t tx_busy[TX_BUFFERS];

static void rx_post(unsigned i) {
    struct virtq_buf b = {rx_buffers[i], BUFFER_SIZE, 1};
    int head = virtq_add(&dev.queues[RX_QUEUE], &b, 1, 0);
    if (head >= 0) rx_of_head[head] = (int8_t)i;
}

static void tx_reclaim(void) {
    int head;
    while ((head = virtq_get_used(&dev.queues[TX_QUEUE], NULL)) >= 0)
        if (tx_of_head[head] >= 0) tx_busy[tx_of_head[head]] = 0;
}

/* For net_stack.c: queues one frame. Waits (yielding) at most 1 s for a free buffer. */
int net_output(const uint8_t* frame, uint32_t len) {
    if (len > BUFFER_SIZE - 64) return -1;
    uint64_t deadline = now_us() + 1000000u;
    for (;;) {
        tx_reclaim();
        for (unsigned i = 0; i < TX_BUFFERS; i++) {
            if (tx_busy[i]) continue;
            memset(tx_buffers[i], 0, NET_HDR_LEN);
            memcpy(tx_buffers[i] + 64, frame, len);
            struct virtq_buf b[2] = {{tx_buffers[i], NET_HDR_LEN, 0}, {tx_buffers[i] + 64, len, 0}};
            int head = virtq_add(&dev.queues[TX_QUEUE], b, 2, 0);
            if (head < 0) break;
            tx_of_head[head] = (int8_t)i;
            tx_busy[i] = 1;
            virtq_kick(&dev.queues[TX_QUEUE]);
            frames_out++;
            return 0;
        }
        if (now_us() > deadline) return -1;
        thread_yield();
    }
}

/* Hands every received frame to the stack and gives the buffers back. */
static void poll_card(void) {
    struct virtq* rx = &dev.queues[RX_QUEUE];
    uint32_t len;
    int head, reposted = 0;
    while ((head = virtq_get_used(rx, &len)) >= 0) {
        int i = rx_of_head[head];
        if (i < 0) continue;
        if (len > NET_HDR_LEN && len <= BUFFER_SIZE)
            net_input(rx_buffers[i] + NET_HDR_LEN, len - NET_HDR_LEN);
        rx_post((unsigned)i);
        reposted = 1;
    }
    if (reposted) virtq_kick(rx);
    tx_reclaim();
}

/* For net_stack.c, which calls it in every wait (DHCP, ARP, ping): poll, then let the other
 * threads run. The caller holds `lock`. */
void net_poll(void) {
    poll_card();
    thread_yield();
}

int net_card_init(void) {
    if (os_virtio_find(VIRTIO_ID_NET, &dev) != 0) return -1;
    if (virtio_negotiate(&dev, VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS) != 0 ||
        !(dev.features & VIRTIO_NET_F_MAC) || virtio_setup_queue(&dev, RX_QUEUE, RX_BUFFERS) != 0 ||
        virtio_setup_queue(&dev, TX_QUEUE, TX_BUFFERS) != 0) {
        kprintf("svm-os: virtio-net at %s refused the set-up\n", virtio_dev_name(&dev));
        virtio_reset(&dev);
        return -1;
    }
    virtio_driver_ok(&dev);
    memset(rx_of_head, -1, sizeof rx_of_head);
    memset(tx_of_head, -1, sizeof tx_of_head);
    for (unsigned i = 0; i < RX_BUFFERS && i < dev.queues[RX_QUEUE].size; i++) rx_post(i);
    virtq_kick(&dev.queues[RX_QUEUE]);
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

/* The `net` thread: DHCP, then answer ARP and pings in the background. */
static void net_main(void* unused) {
    (void)unused;
    mutex_lock(&lock);
    int ok = dhcp_configure(DHCP_TIMEOUT_US, &lease) == 0;
    mutex_unlock(&lock);
    if (ok) {
        if (!lease.mask) lease.mask = IP4(255, 255, 255, 0); /* what net_dhcp.c assumed */
        configured = 1;
        print_address("net: address", lease.ip);
        print_address(" netmask", lease.mask);
        print_address(" gateway", lease.router);
        print_address(" dns", lease.dns);
        kputs("\n");
    } else {
        configured = -1;
        kputs("net: no DHCP answer; the card stays unconfigured\n");
    }
    for (;;) {
        mutex_lock(&lock);
        poll_card();
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
        kprintf(" (DHCP, lease %u s)\n", lease.lease_seconds);
    } else {
        kputs(configured ? "  no address (no DHCP answer)\n" : "  no address yet (DHCP)\n");
    }
    kprintf("  rx %u frames, tx %u frames\n", net_counters.frames_in, frames_out);
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
