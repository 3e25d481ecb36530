/*
 * The entropy device (OASIS virtio 1.2, 5.4 "Entropy Device"): one queue; the driver offers
 * device-writable buffers and the device fills them with random bytes, possibly fewer than
 * asked (5.4.6.1: ask again for the rest).
 */
#include "os/kernel.h"
#include "virtio/virtio.h"

static struct virtio_dev dev;
static int present;
static struct mutex lock;

int rng_init(void) {
    if (os_virtio_find(VIRTIO_ID_RNG, &dev) != 0) return -1;
    if (virtio_negotiate(&dev, 0) != 0 || virtio_setup_queue(&dev, 0, 8) != 0) {
        kprintf("svm-os: virtio-rng at %s refused the set-up\n", virtio_dev_name(&dev));
        virtio_reset(&dev);
        return -1;
    }
    virtio_driver_ok(&dev);
    present = 1;
    return 0;
}

const char* rng_name(void) {
    return present ? virtio_dev_name(&dev) : NULL;
}

int rng_read(void* buf, uint32_t n) {
    if (!present) return -1;
    mutex_lock(&lock);
    uint32_t got = 0;
    for (int tries = 0; got < n && tries < 16; tries++) {
        struct virtq_buf b = {(uint8_t*)buf + got, n - got, 1};
        long len = virtq_transfer(&dev.queues[0], &b, 1, 0, 1000000);
        if (len < 0) break;
        got += (uint32_t)len;
    }
    mutex_unlock(&lock);
    return got == n ? 0 : -1;
}
