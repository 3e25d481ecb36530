/*
 * virtio_net.elf: drives a virtio network device (OASIS virtio 1.2, 5.1) with receive queue 0
 * and transmit queue 1, every frame preceded by the 12-byte struct virtio_net_hdr of VERSION_1
 * (5.1.6), and runs net_stack.c on it.
 *
 * Command line (after the kernel name):
 *   (no ip=)   DHCP (expects ip=10.0.2.15 style leases from QEMU's or svm's user networking),
 *              then pings the gateway (ping=ADDR overrides it) and prints the reply; then, with
 *              echo=PORT, serves TCP echo on PORT until conns=N (default 1) connections have
 *              closed. Answers ARP and ICMP echo throughout.
 *   ip=A.B.C.D [mask=M] [gw=G] [ping=ADDR]   static address, no DHCP (the TAP test): answers
 *              ARP and ICMP echo until pings=N (default 3) echo requests were answered; pings=0
 *              serves until the timeout and then passes.
 *   timeout=S  overall limit in seconds (default 60): exit 3 if the goals were not reached.
 *   transport=pci|mmio, noeventidx
 */
#include "lib/check.h"
#include "lib/console.h"
#include "lib/mem.h"
#include "virtio/net_card.h"
#include "virtio/net_stack.h"
#include "virtio/runtime.h"
#include "virtio/virtio.h"

#define VIRTIO_NET_F_MAC (1ull << 5)
#define VIRTIO_NET_F_STATUS (1ull << 16)
#define VIRTIO_NET_S_LINK_UP 1

static struct virtio_dev dev;

void net_poll(void) {
    net_card_poll();
}

static void serve_until(uint64_t deadline, unsigned want_pings, unsigned want_conns) {
    while (now_us() < deadline) {
        net_poll();
        if (want_pings && net_counters.echo_replies_sent >= want_pings) return;
        if (want_conns && net_counters.tcp_connections >= want_conns) return;
    }
}

unsigned test_main(void) {
    if (virtio_find(VIRTIO_ID_NET, &dev) != 0) return EXIT_NO_DEVICE;
    uint64_t wanted = VIRTIO_NET_F_MAC | VIRTIO_NET_F_STATUS;
    if (!cmd_flag("noeventidx")) wanted |= VIRTIO_F_EVENT_IDX;
    int ok = virtio_negotiate(&dev, wanted) == 0;
    kprintf("net: offered features 0x%llx, accepted 0x%llx\n",
            (unsigned long long)dev.offered_features, (unsigned long long)dev.features);
    if (!check_that("features ok", ok, "refused", "FEATURES_OK")) return EXIT_CHECKS;
    check_that("mac offered", (dev.features & VIRTIO_NET_F_MAC) != 0, "no", "VIRTIO_NET_F_MAC");
    int queues = net_card_setup_queues(&dev) == 0;
    if (!check_that("queues set up", queues, "failed", "rx and tx ready")) return EXIT_CHECKS;
    check_eq("device status", virtio_driver_ok(&dev) & 0x4F, 0x0F);
    net_card_start();

    /* struct virtio_net_config (5.1.4): mac[6] at 0, status at 6 (with VIRTIO_NET_F_STATUS). */
    uint8_t mac[6];
    for (unsigned i = 0; i < 6; ++i) mac[i] = virtio_cfg8(&dev, i);
    kprintf("net: mac %02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
            mac[5]);
    if (dev.features & VIRTIO_NET_F_STATUS)
        kprintf(", link %s", virtio_cfg16(&dev, 6) & VIRTIO_NET_S_LINK_UP ? "up" : "down");
    kputs("\n");
    check_that("mac is unicast", !(mac[0] & 1), "multicast", "unicast");
    net_init(mac);

    uint64_t deadline = now_us() + cmd_number("timeout", 60) * 1000000ull;
    char arg[24], b[16], c[16];
    unsigned result = EXIT_OK;
    if (cmd_value("ip", arg, sizeof arg)) {
        uint32_t ip = ip_from_str(arg);
        uint32_t mask =
            cmd_value("mask", arg, sizeof arg) ? ip_from_str(arg) : IP4(255, 255, 255, 0);
        uint32_t gw = cmd_value("gw", arg, sizeof arg) ? ip_from_str(arg) : 0;
        net_set_address(ip, mask, gw);
        kprintf("net: static address %s\n", ip_to_str(ip, b));
    } else {
        struct dhcp_lease lease;
        if (dhcp_configure(deadline - now_us(), &lease) != 0) {
            kputs("net: no DHCP lease\n");
            return EXIT_TIMEOUT;
        }
        kprintf("net: DHCP ACK: address %s, router %s", ip_to_str(lease.ip, b),
                ip_to_str(lease.router, c));
        kprintf(", mask %s, lease %u s\n", ip_to_str(lease.mask, b), lease.lease_seconds);
        char want[16];
        if (cmd_value("want_ip", want, sizeof want))
            check_eq("dhcp address", lease.ip, ip_from_str(want));
        if (!cmd_value("ping", arg, sizeof arg)) ip_to_str(lease.router, arg);
    }
    if (cmd_value("ping", arg, sizeof arg) || !cmd_value("ip", b, sizeof b)) {
        uint32_t target = ip_from_str(arg);
        uint32_t rtt = 0;
        uint8_t ttl = 0;
        int answered = 0;
        for (uint16_t seq = 1; seq <= 3 && !answered; ++seq) {
            if (ping(target, seq, 2000000, &rtt, &ttl) == 0) {
                kprintf("net: ping %s: reply seq %u ttl %u time %u us\n", ip_to_str(target, c), seq,
                        ttl, rtt);
                answered = 1;
            }
        }
        check_that("ping reply", answered, "none", "an echo reply");
    }
    unsigned echo_port = (unsigned)cmd_number("echo", 0);
    if (echo_port) {
        unsigned conns = (unsigned)cmd_number("conns", 1);
        tcp_echo_listen((uint16_t)echo_port);
        kprintf("net: tcp echo listening on port %u\n", echo_port);
        serve_until(deadline, 0, conns);
        if (!check_eq_dec("tcp connections closed", net_counters.tcp_connections, conns))
            result = EXIT_TIMEOUT;
    } else if (cmd_value("ip", b, sizeof b)) {
        unsigned pings = (unsigned)cmd_number("pings", 3);
        kprintf("net: answering ARP and ping until %u echo requests\n", pings);
        serve_until(deadline, pings, 0);
        if (pings && !check_eq_dec("echo requests answered", net_counters.echo_replies_sent, pings))
            result = EXIT_TIMEOUT;
    }
    /* Let the device finish sending: QEMU and svm transmit asynchronously after the
     * notification, and a reset (or the exit) before the chains are used would drop the last
     * frames, e.g. the reply to the last ping. */
    uint64_t drain_deadline = now_us() + 1000000;
    struct virtq* tx = &dev.queues[NET_CARD_TX_QUEUE];
    while (tx->num_free < tx->size && now_us() < drain_deadline) net_card_reclaim_tx();
    check_eq_dec("transmit queue drained", tx->size - tx->num_free, 0);
    kprintf("net: %u frames in, %u out, %u ARP replies, %u echo replies, %u tcp bytes echoed\n",
            net_counters.frames_in, net_card_frames_out, net_counters.arp_replies_sent,
            net_counters.echo_replies_sent, net_counters.tcp_bytes_echoed);
    check_eq_dec("transmit failures", net_card_tx_failures, 0);
    virtio_reset(&dev);
    return result;
}
