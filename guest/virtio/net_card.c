/* See net_card.h. */
#include "virtio/net_card.h"

#include "lib/mem.h"
#include "virtio/net_stack.h"
#include "virtio/runtime.h" /* now_us() */

#define NET_HDR_LEN 12     /* struct virtio_net_hdr with num_buffers: VERSION_1 (5.1.6) */
#define FRAME_OFFSET 64    /* where a transmit buffer's frame starts, after the header */
#define BUFFER_SIZE 2048   /* >= 1526 (5.1.6.3.1: no MRG_RXBUF, no GUEST_TSO*) */
#define SEND_TIMEOUT_US 1000000u

unsigned net_card_frames_out;
unsigned net_card_tx_failures;

static struct virtio_dev* card;
static uint8_t rx_buffers[NET_CARD_BUFFERS][BUFFER_SIZE] __attribute__((aligned(4096)));
static uint8_t tx_buffers[NET_CARD_BUFFERS][BUFFER_SIZE] __attribute__((aligned(4096)));
static int8_t rx_of_head[VIRTQ_MAX_SIZE]; /* which rx buffer a used head is */
static int8_t tx_of_head[VIRTQ_MAX_SIZE];
static uint8_t tx_busy[NET_CARD_BUFFERS];

int net_card_setup_queues(struct virtio_dev* dev) {
    card = dev;
    return virtio_setup_queue(dev, NET_CARD_RX_QUEUE, NET_CARD_BUFFERS) == 0 &&
                   virtio_setup_queue(dev, NET_CARD_TX_QUEUE, NET_CARD_BUFFERS) == 0
               ? 0
               : -1;
}

static void rx_post(unsigned i) {
    struct virtq_buf b = {rx_buffers[i], BUFFER_SIZE, 1};
    int head = virtq_add(&card->queues[NET_CARD_RX_QUEUE], &b, 1, 0);
    if (head >= 0) rx_of_head[head] = (int8_t)i;
}

void net_card_start(void) {
    memset(rx_of_head, -1, sizeof rx_of_head);
    memset(tx_of_head, -1, sizeof tx_of_head);
    struct virtq* rx = &card->queues[NET_CARD_RX_QUEUE];
    for (unsigned i = 0; i < NET_CARD_BUFFERS && i < rx->size; ++i) rx_post(i);
    virtq_kick(rx);
}

void net_card_reclaim_tx(void) {
    int head;
    while ((head = virtq_get_used(&card->queues[NET_CARD_TX_QUEUE], NULL)) >= 0)
        if (tx_of_head[head] >= 0) tx_busy[tx_of_head[head]] = 0;
}

/* For net_stack.c: queues one frame, waiting (virtio_wait()) at most 1 s for a free buffer. */
int net_output(const uint8_t* frame, uint32_t len) {
    if (len > BUFFER_SIZE - FRAME_OFFSET) return -1;
    uint64_t deadline = now_us() + SEND_TIMEOUT_US;
    struct virtq* tx = &card->queues[NET_CARD_TX_QUEUE];
    for (;;) {
        net_card_reclaim_tx();
        for (unsigned i = 0; i < NET_CARD_BUFFERS; ++i) {
            if (tx_busy[i]) continue;
            /* 5.1.6.2: no offloads negotiated, so the header is all zero (flags 0, gso_type
             * VIRTIO_NET_HDR_GSO_NONE); then the frame, in a second descriptor. */
            memset(tx_buffers[i], 0, NET_HDR_LEN);
            memcpy(tx_buffers[i] + FRAME_OFFSET, frame, len);
            struct virtq_buf b[2] = {{tx_buffers[i], NET_HDR_LEN, 0},
                                     {tx_buffers[i] + FRAME_OFFSET, len, 0}};
            int head = virtq_add(tx, b, 2, 0);
            if (head < 0) break;
            tx_of_head[head] = (int8_t)i;
            tx_busy[i] = 1;
            virtq_kick(tx);
            ++net_card_frames_out;
            return 0;
        }
        if (now_us() > deadline) {
            ++net_card_tx_failures;
            return -1;
        }
        virtio_wait();
    }
}

void net_card_poll(void) {
    struct virtq* rx = &card->queues[NET_CARD_RX_QUEUE];
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
    net_card_reclaim_tx();
}
