/* The transport operations virtio.c calls (virtio-pci: virtio_pci.c, 4.1; virtio-mmio:
 * virtio_mmio.c, 4.2), dispatched on dev->transport. */
#ifndef GUEST_VIRTIO_TRANSPORT_H
#define GUEST_VIRTIO_TRANSPORT_H

#include <stdint.h>

#include "virtio/virtio.h"

uint8_t vt_get_status(struct virtio_dev* dev);
void vt_set_status(struct virtio_dev* dev, uint8_t status);
uint64_t vt_device_features(struct virtio_dev* dev);
void vt_set_driver_features(struct virtio_dev* dev, uint64_t features);
/* The queue's maximum size (0: no such queue). */
uint16_t vt_queue_max(struct virtio_dev* dev, uint16_t index);
/* Programs size and the three addresses, enables the queue, returns its notify offset (PCI).
 * Returns 0 or -1. */
int vt_queue_enable(struct virtio_dev* dev, uint16_t index, uint16_t size, uint64_t desc,
                    uint64_t driver, uint64_t device, uint16_t* notify_off);
void vt_notify(struct virtio_dev* dev, struct virtq* vq);
uint32_t vt_config_read(struct virtio_dev* dev, uint32_t offset, unsigned width);
uint8_t vt_config_generation(struct virtio_dev* dev);

/* The same, per transport. */
uint8_t pci_get_status(struct virtio_dev* dev);
void pci_set_status(struct virtio_dev* dev, uint8_t status);
uint64_t pci_device_features(struct virtio_dev* dev);
void pci_set_driver_features(struct virtio_dev* dev, uint64_t features);
uint16_t pci_queue_max(struct virtio_dev* dev, uint16_t index);
int pci_queue_enable(struct virtio_dev* dev, uint16_t index, uint16_t size, uint64_t desc,
                     uint64_t driver, uint64_t device, uint16_t* notify_off);
void pci_notify(struct virtio_dev* dev, struct virtq* vq);
uint32_t pci_config_read(struct virtio_dev* dev, uint32_t offset, unsigned width);
uint8_t pci_config_generation(struct virtio_dev* dev);

uint8_t mmio_get_status(struct virtio_dev* dev);
void mmio_set_status(struct virtio_dev* dev, uint8_t status);
uint64_t mmio_device_features(struct virtio_dev* dev);
void mmio_set_driver_features(struct virtio_dev* dev, uint64_t features);
uint16_t mmio_queue_max(struct virtio_dev* dev, uint16_t index);
int mmio_queue_enable(struct virtio_dev* dev, uint16_t index, uint16_t size, uint64_t desc,
                      uint64_t driver, uint64_t device, uint16_t* notify_off);
void mmio_notify(struct virtio_dev* dev, struct virtq* vq);
uint32_t mmio_config_read(struct virtio_dev* dev, uint32_t offset, unsigned width);
uint8_t mmio_config_generation(struct virtio_dev* dev);

/* MMIO accessors: one access of exactly this width. */
static inline uint8_t rd8(volatile uint8_t* p) {
    return *p;
}
static inline uint16_t rd16(volatile uint8_t* p) {
    return *(volatile uint16_t*)p;
}
static inline uint32_t rd32(volatile uint8_t* p) {
    return *(volatile uint32_t*)p;
}
static inline void wr8(volatile uint8_t* p, uint8_t v) {
    *p = v;
}
static inline void wr16(volatile uint8_t* p, uint16_t v) {
    *(volatile uint16_t*)p = v;
}
static inline void wr32(volatile uint8_t* p, uint32_t v) {
    *(volatile uint32_t*)p = v;
}

#endif /* GUEST_VIRTIO_TRANSPORT_H */
