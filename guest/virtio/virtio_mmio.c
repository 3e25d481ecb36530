/*
 * The virtio-mmio transport version 2, driver side (OASIS virtio 1.2, 4.2): discovery by the
 * magic value and version (4.2.2), and the register interface. 4.2.2.2: control registers are
 * read and written as aligned 32-bit words; the device configuration space (from 0x100) at the
 * width of its fields.
 */
#include "lib/console.h"
#include "lib/mem.h"
#include "virtio/transport.h"
#include "virtio/virtio.h"

#define MMIO_MAGIC_VALUE 0x000
#define MMIO_VERSION 0x004
#define MMIO_DEVICE_ID 0x008
#define MMIO_DEVICE_FEATURES 0x010
#define MMIO_DEVICE_FEATURES_SEL 0x014
#define MMIO_DRIVER_FEATURES 0x020
#define MMIO_DRIVER_FEATURES_SEL 0x024
#define MMIO_QUEUE_SEL 0x030
#define MMIO_QUEUE_NUM_MAX 0x034
#define MMIO_QUEUE_NUM 0x038
#define MMIO_QUEUE_READY 0x044
#define MMIO_QUEUE_NOTIFY 0x050
#define MMIO_INTERRUPT_STATUS 0x060
#define MMIO_INTERRUPT_ACK 0x064
#define MMIO_STATUS 0x070
#define MMIO_QUEUE_DESC_LOW 0x080
#define MMIO_QUEUE_DESC_HIGH 0x084
#define MMIO_QUEUE_DRIVER_LOW 0x090
#define MMIO_QUEUE_DRIVER_HIGH 0x094
#define MMIO_QUEUE_DEVICE_LOW 0x0A0
#define MMIO_QUEUE_DEVICE_HIGH 0x0A4
#define MMIO_CONFIG_GENERATION 0x0FC
#define MMIO_CONFIG 0x100
#define MMIO_MAGIC 0x74726976u /* "virt" */
#define MMIO_WINDOW 0x200

int virtio_mmio_find(uint32_t device_id, uint64_t base, unsigned count, struct virtio_dev* dev) {
    for (unsigned n = 0; n < count; ++n) {
        volatile uint8_t* w = (volatile uint8_t*)(uintptr_t)(base + (uint64_t)n * MMIO_WINDOW);
        if (rd32(w + MMIO_MAGIC_VALUE) != MMIO_MAGIC) continue;
        /* Version 1 is the legacy interface, which this driver does not speak (4.2.4). */
        uint32_t version = rd32(w + MMIO_VERSION);
        if (version != 2) {
            if (rd32(w + MMIO_DEVICE_ID) != 0) /* say why a real device is not used */
                kprintf("virtio-mmio 0x%llx: version %u (legacy), device %u: skipped\n",
                        (unsigned long long)(uintptr_t)w, version, rd32(w + MMIO_DEVICE_ID));
            continue;
        }
        /* Device ID 0: a placeholder transport with no device behind it (4.2.2). */
        if (rd32(w + MMIO_DEVICE_ID) != device_id) continue;
        memset(dev, 0, sizeof *dev);
        dev->transport = VIRTIO_MMIO;
        dev->device_id = device_id;
        dev->mmio = w;
        return 0;
    }
    return -1;
}

uint8_t mmio_get_status(struct virtio_dev* dev) {
    return (uint8_t)rd32(dev->mmio + MMIO_STATUS);
}
void mmio_set_status(struct virtio_dev* dev, uint8_t status) {
    wr32(dev->mmio + MMIO_STATUS, status);
}
uint64_t mmio_device_features(struct virtio_dev* dev) {
    wr32(dev->mmio + MMIO_DEVICE_FEATURES_SEL, 0);
    uint32_t lo = rd32(dev->mmio + MMIO_DEVICE_FEATURES);
    wr32(dev->mmio + MMIO_DEVICE_FEATURES_SEL, 1);
    uint32_t hi = rd32(dev->mmio + MMIO_DEVICE_FEATURES);
    return ((uint64_t)hi << 32) | lo;
}
void mmio_set_driver_features(struct virtio_dev* dev, uint64_t features) {
    wr32(dev->mmio + MMIO_DRIVER_FEATURES_SEL, 0);
    wr32(dev->mmio + MMIO_DRIVER_FEATURES, (uint32_t)features);
    wr32(dev->mmio + MMIO_DRIVER_FEATURES_SEL, 1);
    wr32(dev->mmio + MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
}
uint16_t mmio_queue_max(struct virtio_dev* dev, uint16_t index) {
    wr32(dev->mmio + MMIO_QUEUE_SEL, index);
    uint32_t max = rd32(dev->mmio + MMIO_QUEUE_NUM_MAX);
    return (uint16_t)(max > 0x8000 ? 0x8000 : max);
}
int mmio_queue_enable(struct virtio_dev* dev, uint16_t index, uint16_t size, uint64_t desc,
                      uint64_t driver, uint64_t device, uint16_t* notify_off) {
    /* 4.2.3.2: select the queue, check it is not in use, set its size and the three addresses,
     * then QueueReady = 1. */
    volatile uint8_t* r = dev->mmio;
    wr32(r + MMIO_QUEUE_SEL, index);
    if (rd32(r + MMIO_QUEUE_READY)) return -1;
    wr32(r + MMIO_QUEUE_NUM, size);
    wr32(r + MMIO_QUEUE_DESC_LOW, (uint32_t)desc);
    wr32(r + MMIO_QUEUE_DESC_HIGH, (uint32_t)(desc >> 32));
    wr32(r + MMIO_QUEUE_DRIVER_LOW, (uint32_t)driver);
    wr32(r + MMIO_QUEUE_DRIVER_HIGH, (uint32_t)(driver >> 32));
    wr32(r + MMIO_QUEUE_DEVICE_LOW, (uint32_t)device);
    wr32(r + MMIO_QUEUE_DEVICE_HIGH, (uint32_t)(device >> 32));
    wr32(r + MMIO_QUEUE_READY, 1);
    *notify_off = 0;
    return rd32(r + MMIO_QUEUE_READY) == 1 ? 0 : -1;
}
void mmio_notify(struct virtio_dev* dev, struct virtq* vq) {
    /* 4.2.3.3: write the queue index to QueueNotify. */
    wr32(dev->mmio + MMIO_QUEUE_NOTIFY, vq->index);
}
uint32_t mmio_config_read(struct virtio_dev* dev, uint32_t offset, unsigned width) {
    volatile uint8_t* p = dev->mmio + MMIO_CONFIG + offset;
    return width == 1 ? rd8(p) : width == 2 ? rd16(p) : rd32(p);
}
uint8_t mmio_config_generation(struct virtio_dev* dev) {
    return (uint8_t)rd32(dev->mmio + MMIO_CONFIG_GENERATION);
}
