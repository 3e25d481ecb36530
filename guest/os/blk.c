/*
 * The block device (OASIS virtio 1.2, 5.2 "Block Device"): one request queue; a read is a chain
 * of the device-readable header (type VIRTIO_BLK_T_IN, the first 512-byte sector), the
 * device-writable data and a device-writable status byte (5.2.6).
 */
#include "lib/format.h"
#include "os/kernel.h"
#include "virtio/virtio.h"

#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_S_OK 0
#define REQUEST_TIMEOUT_US 5000000u

/* struct virtio_blk_req's device-readable part (5.2.6). */
struct blk_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

static struct virtio_dev dev;
static int present;
static uint64_t capacity; /* 512-byte sectors (5.2.4) */
static struct mutex lock; /* one request at a time: header and status are shared */
static struct blk_header header __attribute__((aligned(16)));
static volatile uint8_t status_byte;

int blk_init(void) {
    if (os_virtio_find(VIRTIO_ID_BLOCK, &dev) != 0) return -1;
    if (virtio_negotiate(&dev, VIRTIO_BLK_F_RO) != 0 || virtio_setup_queue(&dev, 0, 8) != 0) {
        kprintf("svm-os: virtio-blk at %s refused the set-up\n", virtio_dev_name(&dev));
        virtio_reset(&dev);
        return -1;
    }
    virtio_driver_ok(&dev);
    capacity = virtio_cfg64(&dev, 0); /* struct virtio_blk_config.capacity */
    present = 1;
    return 0;
}

int blk_present(void) {
    return present;
}

uint64_t blk_capacity(void) {
    return capacity;
}

const char* blk_describe(void) {
    static char text[80];
    format(text, sizeof text, "%s, %llu sectors%s", virtio_dev_name(&dev),
           (unsigned long long)capacity, (dev.features & VIRTIO_BLK_F_RO) ? ", read-only" : "");
    return text;
}

int blk_read(uint64_t sector, void* buf, uint32_t count) {
    if (!present || count == 0 || sector >= capacity || count > capacity - sector) return -1;
    mutex_lock(&lock);
    header.type = VIRTIO_BLK_T_IN;
    header.reserved = 0;
    header.sector = sector;
    status_byte = 0xFF;
    struct virtq_buf bufs[3] = {
        {&header, sizeof header, 0},
        {buf, count * BLK_SECTOR, 1},
        {(void*)&status_byte, 1, 1},
    };
    /* FIXME: after a timeout the chain stays on the ring and the device may still write into
     * buf and the status later; a reset of the device would be the clean way out. */
    long written = virtq_transfer(&dev.queues[0], bufs, 3, 0, REQUEST_TIMEOUT_US);
    int ok = written >= 0 && status_byte == VIRTIO_BLK_S_OK;
    mutex_unlock(&lock);
    return ok ? 0 : -1;
}
