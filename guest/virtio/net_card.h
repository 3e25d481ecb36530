/*
 * The queues of a virtio network device (OASIS virtio 1.2, 5.1 "Network Device") under
 * net_stack.c, shared by virtio_net.elf (net_test.c) and the sample OS (os/net.c): receive
 * queue 0 holds NET_CARD_BUFFERS device-writable buffers; transmit queue 1 takes chains of the
 * 12-byte struct virtio_net_hdr (all zero: no offloads, 5.1.6.2) and one frame. It defines
 * net_output() for the stack; the user defines net_poll() around net_card_poll().
 */
#ifndef GUEST_VIRTIO_NET_CARD_H
#define GUEST_VIRTIO_NET_CARD_H

#include <stdint.h>

#include "virtio/virtio.h"

#define NET_CARD_RX_QUEUE 0
#define NET_CARD_TX_QUEUE 1
#define NET_CARD_BUFFERS 16 /* per queue */

extern unsigned net_card_frames_out;   /* frames queued for transmission */
extern unsigned net_card_tx_failures;  /* frames net_output() gave up on */

/* Sets up both queues of `dev` (features negotiated, before DRIVER_OK). Returns 0, or -1 if the
 * device refused a queue. The card is `dev` from then on. */
int net_card_setup_queues(struct virtio_dev* dev);
/* After DRIVER_OK: gives the device every receive buffer. */
void net_card_start(void);
/* Passes every received frame to net_input(), gives its buffer back, and reclaims the transmit
 * buffers the device is done with. */
void net_card_poll(void);
/* Reclaims finished transmit buffers only. */
void net_card_reclaim_tx(void);

#endif /* GUEST_VIRTIO_NET_CARD_H */
