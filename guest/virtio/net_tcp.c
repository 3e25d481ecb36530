/* The TCP echo server of virtio_net.elf (net_stack.h tcp_echo_listen): RFC 9293 3.10 event
 * processing, reduced to one connection at a time. */
#include "lib/console.h"
#include "lib/mem.h"
#include "virtio/net_internal.h"
#include "virtio/net_stack.h"
#include "virtio/runtime.h"

/* The TCP echo server's one connection (RFC 9293 3.3.2 states, reduced). */
enum tcp_state { TCP_CLOSED, TCP_LISTEN, TCP_SYN_RECEIVED, TCP_ESTABLISHED, TCP_LAST_ACK };
static struct {
    uint16_t port;
    enum tcp_state state;
    uint32_t peer_ip;
    uint16_t peer_port;
    uint8_t peer_mac[6];
    uint32_t rcv_nxt, snd_nxt, iss;
} tcp;

void tcp_echo_listen(uint16_t port) {
    tcp.port = port;
    tcp.state = port ? TCP_LISTEN : TCP_CLOSED;
}

static void tcp_send(uint8_t flags, const uint8_t* data, uint32_t data_len, uint32_t seq,
                     uint32_t ack, const uint8_t* dst_mac, uint32_t dst_ip, uint16_t dst_port) {
    uint32_t hlen = (flags & TCP_SYN) ? 24 : 20; /* SYN carries the MSS option */
    uint32_t len = hlen + data_len;
    uint8_t* t = ip_header(dst_mac, my_ip, dst_ip, IPPROTO_TCP, len);
    put16(t, tcp.port);
    put16(t + 2, dst_port);
    put32(t + 4, seq);
    put32(t + 8, ack);
    t[12] = (uint8_t)((hlen / 4) << 4);
    t[13] = flags;
    put16(t + 14, TCP_WINDOW);
    put16(t + 16, 0);
    put16(t + 18, 0);
    if (hlen == 24) {
        t[20] = 2; /* MSS */
        t[21] = 4;
        put16(t + 22, 1460);
    }
    if (data_len) memcpy(t + hlen, data, data_len);
    put16(t + 16, fold(sum_bytes(pseudo_sum(my_ip, dst_ip, IPPROTO_TCP, len), t, len)));
    ip_send(len);
}

/* Answers a segment for no connection with RST (RFC 9293 3.10.7.1). */
static void tcp_reset(const uint8_t* eth, uint32_t src, const uint8_t* seg, uint32_t data_len) {
    uint8_t flags = seg[13];
    if (flags & TCP_RST) return;
    uint16_t saved = tcp.port;
    tcp.port = get16(seg + 2);
    if (flags & TCP_ACK)
        tcp_send(TCP_RST, NULL, 0, get32(seg + 8), 0, eth + 6, src, get16(seg));
    else
        tcp_send(
            TCP_RST | TCP_ACK, NULL, 0, 0,
            get32(seg + 4) + data_len + ((flags & TCP_SYN) ? 1 : 0) + ((flags & TCP_FIN) ? 1 : 0),
            eth + 6, src, get16(seg));
    tcp.port = saved;
}

void tcp_input(const uint8_t* eth, const uint8_t* ip, const uint8_t* seg, uint32_t len) {
    if (len < 20) return;
    uint32_t src = get32(ip + 12);
    if (fold(sum_bytes(pseudo_sum(src, my_ip, IPPROTO_TCP, len), seg, len)) != 0) return;
    uint32_t hlen = (uint32_t)(seg[12] >> 4) * 4;
    if (hlen < 20 || hlen > len) return;
    uint16_t sport = get16(seg), dport = get16(seg + 2);
    uint32_t seq = get32(seg + 4), ack = get32(seg + 8);
    uint8_t flags = seg[13];
    const uint8_t* data = seg + hlen;
    uint32_t data_len = len - hlen;
    char b[16];

    int ours = tcp.state >= TCP_SYN_RECEIVED && src == tcp.peer_ip && sport == tcp.peer_port;
    if (!ours && tcp.state == TCP_LAST_ACK && dport == tcp.port && (flags & TCP_SYN) &&
        !(flags & TCP_ACK)) {
        /* A new connection while the last one waits for the ACK of our FIN: both sides have
         * closed, so count it as done and take the new one (one connection at a time). */
        tcp.state = TCP_LISTEN;
        net_counters.tcp_connections++;
        kprintf("net: tcp connection closed (%u so far; final ACK not seen)\n",
                net_counters.tcp_connections);
    }
    if (tcp.state == TCP_CLOSED || dport != tcp.port || (tcp.state != TCP_LISTEN && !ours)) {
        tcp_reset(eth, src, seg, data_len);
        return;
    }
    if (flags & TCP_RST) {
        if (ours) {
            kputs("net: tcp connection reset by the peer\n");
            tcp.state = TCP_LISTEN;
        }
        return;
    }
    if (tcp.state == TCP_LISTEN) {
        if (!(flags & TCP_SYN) || (flags & TCP_ACK)) {
            tcp_reset(eth, src, seg, data_len);
            return;
        }
        tcp.peer_ip = src;
        tcp.peer_port = sport;
        memcpy(tcp.peer_mac, eth + 6, 6);
        tcp.rcv_nxt = seq + 1;
        tcp.iss = 0x10000000u + (uint32_t)now_us();
        tcp.snd_nxt = tcp.iss + 1;
        tcp.state = TCP_SYN_RECEIVED;
        kprintf("net: tcp SYN from %s:%u\n", ip_to_str(src, b), sport);
        tcp_send(TCP_SYN | TCP_ACK, NULL, 0, tcp.iss, tcp.rcv_nxt, tcp.peer_mac, src, sport);
        return;
    }
    if (flags & TCP_SYN) {
        /* Our SYN-ACK was lost or is late: send it again. */
        if (tcp.state == TCP_SYN_RECEIVED)
            tcp_send(TCP_SYN | TCP_ACK, NULL, 0, tcp.iss, tcp.rcv_nxt, tcp.peer_mac, src, sport);
        return;
    }
    if (!(flags & TCP_ACK)) return;
    if (tcp.state == TCP_SYN_RECEIVED) {
        if (ack != tcp.snd_nxt) return;
        tcp.state = TCP_ESTABLISHED;
        kputs("net: tcp connection established\n");
    }
    if (tcp.state == TCP_LAST_ACK) {
        if (ack == tcp.snd_nxt) {
            tcp.state = TCP_LISTEN;
            net_counters.tcp_connections++;
            kprintf("net: tcp connection closed (%u so far)\n", net_counters.tcp_connections);
        }
        return;
    }
    /* ESTABLISHED: take in-order data and FIN; anything else gets a duplicate ACK. */
    if (seq != tcp.rcv_nxt) {
        if (data_len || (flags & TCP_FIN))
            tcp_send(TCP_ACK, NULL, 0, tcp.snd_nxt, tcp.rcv_nxt, tcp.peer_mac, src, sport);
        return;
    }
    if (data_len > 1400) {
        data_len = 1400; /* the rest (and a FIN after it) comes again: we ack only this */
        flags &= (uint8_t)~TCP_FIN;
    }
    if (data_len) {
        tcp.rcv_nxt += data_len;
        kprintf("net: tcp echo %u bytes\n", data_len);
        tcp_send(TCP_ACK | TCP_PSH, data, data_len, tcp.snd_nxt, tcp.rcv_nxt, tcp.peer_mac, src,
                 sport);
        tcp.snd_nxt += data_len;
        net_counters.tcp_bytes_echoed += data_len;
    }
    if (flags & TCP_FIN) {
        /* The peer is done: acknowledge its FIN and close our side at once (CLOSE-WAIT, then
         * LAST-ACK). */
        tcp.rcv_nxt += 1;
        tcp_send(TCP_FIN | TCP_ACK, NULL, 0, tcp.snd_nxt, tcp.rcv_nxt, tcp.peer_mac, src, sport);
        tcp.snd_nxt += 1;
        tcp.state = TCP_LAST_ACK;
    }
}
