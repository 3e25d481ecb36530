/*
 * virtio_rng.elf: reads 64 bytes twice from a virtio entropy device (OASIS virtio 1.2, 5.4: one
 * queue of device-writable buffers) and checks that each read returned bytes, that they are not
 * all zero and that the two differ. Command line: transport=pci|mmio.
 */
#include "lib/check.h"
#include "lib/console.h"
#include "lib/mem.h"
#include "virtio/runtime.h"
#include "virtio/virtio.h"

static uint8_t buffers[2][64] __attribute__((aligned(64)));

unsigned test_main(void) {
    struct virtio_dev dev;
    if (virtio_find(VIRTIO_ID_RNG, &dev) != 0) return EXIT_NO_DEVICE;
    int ok = virtio_negotiate(&dev, VIRTIO_F_EVENT_IDX) == 0;
    kprintf("rng: offered features 0x%llx, accepted 0x%llx\n",
            (unsigned long long)dev.offered_features, (unsigned long long)dev.features);
    if (!check_that("features ok", ok, "refused", "FEATURES_OK")) return EXIT_CHECKS;
    if (!check_that("queue 0 set up", virtio_setup_queue(&dev, 0, 8) == 0, "failed", "ready"))
        return EXIT_CHECKS;
    check_eq("device status", virtio_driver_ok(&dev) & 0x4F, 0x0F);

    for (int i = 0; i < 2; ++i) {
        /* 5.4.6.1: the device may write fewer bytes than asked; ask again for the rest. */
        uint32_t got = 0;
        for (int tries = 0; got < sizeof buffers[i] && tries < 16; ++tries) {
            struct virtq_buf b = {buffers[i] + got, (uint32_t)(sizeof buffers[i] - got), 1};
            long n = virtq_transfer(&dev.queues[0], &b, 1, 0, 5000000);
            if (n < 0) {
                kputs("rng: the device did not answer\n");
                return EXIT_TIMEOUT;
            }
            got += (uint32_t)n;
        }
        kprintf("rng: read %u: %u bytes:", i + 1, got);
        for (unsigned k = 0; k < 16; ++k) kprintf(" %02x", buffers[i][k]);
        kputs(" ...\n");
        check_eq_dec(i == 0 ? "first read length" : "second read length", got, 64);
        int nonzero = 0;
        for (unsigned k = 0; k < sizeof buffers[i]; ++k) nonzero |= buffers[i][k];
        check_that(i == 0 ? "first read not all zero" : "second read not all zero", nonzero != 0,
                   "all zero", "random bytes");
    }
    check_that("the reads differ", memcmp(buffers[0], buffers[1], 64) != 0, "equal", "different");
    virtio_reset(&dev);
    return EXIT_OK;
}
