/*
 * A small polling virtio 1.x driver for svm's test guests (OASIS virtio 1.2, cited by section):
 * device discovery over modern virtio-pci (4.1) and virtio-mmio version 2 (4.2), the driver
 * initialisation sequence (3.1.1), feature negotiation (2.2) and split virtqueues (2.7).
 *
 * Everything runs with interrupts off: the driver notifies the device and then polls the used
 * ring. Guest memory is identity-mapped (guest/virtio/entry.S), so a buffer's address is its
 * guest-physical address.
 */
#ifndef GUEST_VIRTIO_VIRTIO_H
#define GUEST_VIRTIO_VIRTIO_H

#include <stddef.h>
#include <stdint.h>

/* Device types (5 "Device Types"). */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2
#define VIRTIO_ID_RNG 4

/* Device status bits (2.1). */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* Reserved feature bits (6). */
#define VIRTIO_F_INDIRECT_DESC (1ull << 28)
#define VIRTIO_F_EVENT_IDX (1ull << 29)
#define VIRTIO_F_VERSION_1 (1ull << 32)

/* Descriptor flags (2.7.5). */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4

/* The split virtqueue's three parts (2.7.5, 2.7.6, 2.7.8). */
struct virtq_desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
struct virtq_avail {
    uint16_t flags;
    uint16_t idx;
    uint16_t ring[]; /* then used_event, with VIRTIO_F_EVENT_IDX */
};
struct virtq_used_elem {
    uint32_t id;
    uint32_t len;
};
struct virtq_used {
    uint16_t flags;
    uint16_t idx;
    struct virtq_used_elem ring[]; /* then avail_event, with VIRTIO_F_EVENT_IDX */
};

/* The guest queues are at most this big (the device may offer more: the driver picks). */
#define VIRTQ_MAX_SIZE 32
#define VIRTIO_MAX_QUEUES 2

struct virtq {
    uint16_t index; /* queue number on the device */
    uint16_t size;  /* 0: not set up */
    struct virtq_desc* desc;
    struct virtq_avail* avail;
    struct virtq_used* used;
    uint16_t free_head; /* free descriptors, linked through next */
    uint16_t num_free;
    uint16_t last_used;                 /* next used ring entry the driver has not seen */
    uint16_t kicked_idx;                /* avail idx at the last notification (EVENT_IDX) */
    uint16_t notify_off;                /* virtio-pci: queue_notify_off (4.1.4.4) */
    uint16_t chain_len[VIRTQ_MAX_SIZE]; /* descriptors in the chain headed by [i] */
    int event_idx;                      /* VIRTIO_F_EVENT_IDX negotiated */
    struct virtio_dev* dev;
};

enum virtio_transport { VIRTIO_PCI = 1, VIRTIO_MMIO = 2 };

struct virtio_dev {
    enum virtio_transport transport;
    uint32_t device_id;
    /* virtio-pci (4.1.4): where each structure is mapped, and the function's address. */
    volatile uint8_t* common;
    volatile uint8_t* isr;
    volatile uint8_t* device_cfg;
    volatile uint8_t* notify_base;
    uint32_t notify_multiplier;
    uint8_t bus, slot, function;
    uint64_t bar_address[6];
    /* virtio-mmio (4.2.2): the register window. */
    volatile uint8_t* mmio;
    uint64_t offered_features;
    uint64_t features; /* negotiated */
    struct virtq queues[VIRTIO_MAX_QUEUES];
};

/* One buffer of a request: `len` bytes at `addr`, device-writable if `write`. */
struct virtq_buf {
    void* addr;
    uint32_t len;
    int write;
};

/* Discovery. Each returns 0 and fills *dev for the first device of `device_id` not yet
 * claimed, or -1 if there is none. virtio_pci_find scans bus 0-255 by configuration mechanism #1
 * for vendor 0x1AF4, device 0x1040 + device_id (modern only, 4.1.2.1), parses its capabilities
 * (4.1.4) and maps its BARs, assigning one in 0xFE000000-0xFEFFFFFF if the firmware left it 0.
 * virtio_mmio_find probes `count` windows of 0x200 bytes from `base` for the magic value and
 * version 2 (4.2.2). */
int virtio_pci_find(uint32_t device_id, struct virtio_dev* dev);
int virtio_mmio_find(uint32_t device_id, uint64_t base, unsigned count, struct virtio_dev* dev);

/* The initialisation sequence of 3.1.1 up to FEATURES_OK: reset, ACKNOWLEDGE, DRIVER, read the
 * offered features, accept (offered & wanted) | VERSION_1, FEATURES_OK and read it back.
 * Returns 0, or -1 (status FAILED set) if the device lacks VERSION_1 or refuses the features. */
int virtio_negotiate(struct virtio_dev* dev, uint64_t wanted);
/* Sets up queue `index` (4.1.5.1.3 / 4.2.3.2) with at most `size` entries. Returns 0, or -1 if
 * the queue does not exist or is too small. */
int virtio_setup_queue(struct virtio_dev* dev, uint16_t index, uint16_t size);
/* Sets DRIVER_OK (3.1.1 step 8). Returns the device status read back. */
uint8_t virtio_driver_ok(struct virtio_dev* dev);
/* Writes 0 to the device status: the device forgets everything (2.4). */
void virtio_reset(struct virtio_dev* dev);
uint8_t virtio_status(struct virtio_dev* dev);

/* Device configuration space (4.1.4.6 / 4.2.2 Config), read at the field's width. A 64-bit
 * field is read as two 32-bit halves, retried until config_generation is stable (2.5.1). */
uint8_t virtio_cfg8(struct virtio_dev* dev, uint32_t offset);
uint16_t virtio_cfg16(struct virtio_dev* dev, uint32_t offset);
uint32_t virtio_cfg32(struct virtio_dev* dev, uint32_t offset);
uint64_t virtio_cfg64(struct virtio_dev* dev, uint32_t offset);

/* Makes a chain of `n` buffers (device-readable ones first, 2.7.4.2) available on `vq`; with
 * `indirect`, as one indirect table (2.7.5.3; needs VIRTIO_F_INDIRECT_DESC and n <= 8). Returns
 * the head descriptor, or -1 if the ring is full. Does not notify. */
int virtq_add(struct virtq* vq, const struct virtq_buf* bufs, unsigned n, int indirect);
/* Notifies the device of new buffers on `vq` (2.9; with EVENT_IDX only if the device asked for
 * it, 2.7.10). */
void virtq_kick(struct virtq* vq);
/* Takes the next used buffer: returns its head descriptor (freeing the chain) and the bytes the
 * device wrote in *len, or -1 if the device has returned nothing new. */
int virtq_get_used(struct virtq* vq, uint32_t* len);
/* Adds, kicks and polls until that chain comes back, for at most `timeout_us`. Returns the
 * written length, or -1 on timeout or a full ring. */
long virtq_transfer(struct virtq* vq, const struct virtq_buf* bufs, unsigned n, int indirect,
                    uint64_t timeout_us);

/* Called by virtq_transfer between two polls of the used ring. virtio.c's weak default is a
 * `pause`; a kernel with threads overrides it (guest/os gives the CPU to other threads). */
void virtio_wait(void);

/* A readable name: "virtio-pci 00:04.0" or "virtio-mmio 0xfeb01000". */
const char* virtio_dev_name(const struct virtio_dev* dev);

#endif /* GUEST_VIRTIO_VIRTIO_H */
