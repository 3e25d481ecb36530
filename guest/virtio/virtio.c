/*
 * Transport-independent part of the guest virtio driver (virtio.h): the initialisation sequence
 * (3.1.1), configuration space reads (2.5) and split virtqueues (2.7). The transport-specific
 * register accesses are in virtio_pci.c and virtio_mmio.c behind the vt_* functions below.
 */
#include "virtio/virtio.h"

#include "lib/format.h"
#include "lib/mem.h"
#include "virtio/runtime.h"
#include "virtio/transport.h"

/* Queue memory (2.7: descriptor table 16-byte aligned, available ring 2, used ring 4; we give
 * each part its own page): per queue one page for the descriptors and the available ring, one
 * for the used ring, one for indirect tables (8 descriptors per head). */
#define QUEUE_PAGES 3
#define MAX_QUEUES_TOTAL 4
#define INDIRECT_MAX 8
static uint8_t queue_memory[MAX_QUEUES_TOTAL][QUEUE_PAGES][4096] __attribute__((aligned(4096)));
static unsigned queues_allocated;

static inline void barrier(void) {
    __asm__ volatile("" ::: "memory");
}

const char* virtio_dev_name(const struct virtio_dev* dev) {
    static char name[40];
    if (dev->transport == VIRTIO_PCI)
        format(name, sizeof name, "virtio-pci %02x:%02x.%x", dev->bus, dev->slot, dev->function);
    else
        format(name, sizeof name, "virtio-mmio 0x%llx", (unsigned long long)(uintptr_t)dev->mmio);
    return name;
}

uint8_t virtio_status(struct virtio_dev* dev) {
    return vt_get_status(dev);
}

void virtio_reset(struct virtio_dev* dev) {
    vt_set_status(dev, 0);
    /* 4.1.4.3.2 / 4.2.3.1: after writing 0 the driver waits until the status reads 0. */
    for (int i = 0; i < 1000000 && vt_get_status(dev) != 0; ++i) __asm__ volatile("pause");
}

int virtio_negotiate(struct virtio_dev* dev, uint64_t wanted) {
    /* 3.1.1 steps 1-3: reset, ACKNOWLEDGE (we noticed the device), DRIVER (we can drive it). */
    virtio_reset(dev);
    uint8_t status = VIRTIO_STATUS_ACKNOWLEDGE;
    vt_set_status(dev, status);
    status |= VIRTIO_STATUS_DRIVER;
    vt_set_status(dev, status);

    /* Step 4: read the device's features, write the subset we understand. */
    dev->offered_features = vt_device_features(dev);
    if (!(dev->offered_features & VIRTIO_F_VERSION_1)) {
        /* A legacy-only device: this driver speaks virtio 1.x only (6.1). */
        vt_set_status(dev, status | VIRTIO_STATUS_FAILED);
        return -1;
    }
    dev->features = dev->offered_features & (wanted | VIRTIO_F_VERSION_1);
    vt_set_driver_features(dev, dev->features);

    /* Steps 5-6: FEATURES_OK, then read it back: the device clears it to refuse the subset. */
    status |= VIRTIO_STATUS_FEATURES_OK;
    vt_set_status(dev, status);
    if (!(vt_get_status(dev) & VIRTIO_STATUS_FEATURES_OK)) {
        vt_set_status(dev, status | VIRTIO_STATUS_FAILED);
        return -1;
    }
    return 0;
}

int virtio_setup_queue(struct virtio_dev* dev, uint16_t index, uint16_t size) {
    if (index >= VIRTIO_MAX_QUEUES || queues_allocated >= MAX_QUEUES_TOTAL) return -1;
    uint16_t max = vt_queue_max(dev, index);
    if (max == 0) return -1; /* the queue does not exist */
    if (size > VIRTQ_MAX_SIZE) size = VIRTQ_MAX_SIZE;
    if (size > max) size = max;
    /* Split queue sizes are powers of 2 (2.7); round down. */
    while (size & (size - 1)) size &= (uint16_t)(size - 1);

    struct virtq* vq = &dev->queues[index];
    uint8_t(*pages)[4096] = queue_memory[queues_allocated++];
    memset(pages, 0, QUEUE_PAGES * 4096);
    vq->dev = dev;
    vq->index = index;
    vq->size = size;
    vq->desc = (struct virtq_desc*)pages[0];
    vq->avail = (struct virtq_avail*)(pages[0] + 16 * VIRTQ_MAX_SIZE);
    vq->used = (struct virtq_used*)pages[1];
    vq->event_idx = (dev->features & VIRTIO_F_EVENT_IDX) != 0;
    /* Polling driver: ask for no used-buffer notifications (2.7.7; with EVENT_IDX the flag is
     * ignored and used_event, left 0, decides). */
    if (!vq->event_idx) vq->avail->flags = 1; /* VIRTQ_AVAIL_F_NO_INTERRUPT */
    for (uint16_t i = 0; i < size; ++i) vq->desc[i].next = (uint16_t)(i + 1);
    vq->free_head = 0;
    vq->num_free = size;
    vq->last_used = 0;
    return vt_queue_enable(dev, index, size, (uint64_t)(uintptr_t)vq->desc,
                           (uint64_t)(uintptr_t)vq->avail, (uint64_t)(uintptr_t)vq->used,
                           &vq->notify_off);
}

uint8_t virtio_driver_ok(struct virtio_dev* dev) {
    vt_set_status(dev, (uint8_t)(vt_get_status(dev) | VIRTIO_STATUS_DRIVER_OK));
    return vt_get_status(dev);
}

uint8_t virtio_cfg8(struct virtio_dev* dev, uint32_t offset) {
    return (uint8_t)vt_config_read(dev, offset, 1);
}
uint16_t virtio_cfg16(struct virtio_dev* dev, uint32_t offset) {
    return (uint16_t)vt_config_read(dev, offset, 2);
}
uint32_t virtio_cfg32(struct virtio_dev* dev, uint32_t offset) {
    return vt_config_read(dev, offset, 4);
}
uint64_t virtio_cfg64(struct virtio_dev* dev, uint32_t offset) {
    /* 2.5.1: a field wider than 32 bits may change between the halves; retry until the
     * configuration generation is the same before and after. */
    uint32_t lo, hi;
    uint8_t before, after;
    do {
        before = vt_config_generation(dev);
        lo = vt_config_read(dev, offset, 4);
        hi = vt_config_read(dev, offset + 4, 4);
        after = vt_config_generation(dev);
    } while (before != after);
    return ((uint64_t)hi << 32) | lo;
}

/* Each queue's indirect tables: INDIRECT_MAX descriptors per possible head. */
static struct virtq_desc* indirect_table(struct virtq* vq, uint16_t head) {
    uint8_t* page = (uint8_t*)vq->used + 4096; /* the queue's third page */
    return (struct virtq_desc*)(page + (size_t)head * INDIRECT_MAX * sizeof(struct virtq_desc));
}

int virtq_add(struct virtq* vq, const struct virtq_buf* bufs, unsigned n, int indirect) {
    if (n == 0) return -1;
    if (indirect && (n > INDIRECT_MAX || !(vq->dev->features & VIRTIO_F_INDIRECT_DESC)))
        indirect = 0;
    unsigned needed = indirect ? 1 : n;
    if (vq->num_free < needed) return -1;

    uint16_t head = vq->free_head;
    if (indirect) {
        /* 2.7.5.3.1: one descriptor with VIRTQ_DESC_F_INDIRECT pointing at a table whose
         * entries chain through next from 0; the outer descriptor has no WRITE flag. */
        struct virtq_desc* table = indirect_table(vq, head);
        for (unsigned i = 0; i < n; ++i) {
            table[i].addr = (uint64_t)(uintptr_t)bufs[i].addr;
            table[i].len = bufs[i].len;
            table[i].flags = (uint16_t)((bufs[i].write ? VIRTQ_DESC_F_WRITE : 0) |
                                        (i + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
            table[i].next = (uint16_t)(i + 1 < n ? i + 1 : 0);
        }
        struct virtq_desc* d = &vq->desc[head];
        vq->free_head = d->next;
        d->addr = (uint64_t)(uintptr_t)table;
        d->len = (uint32_t)(n * sizeof(struct virtq_desc));
        d->flags = VIRTQ_DESC_F_INDIRECT;
    } else {
        uint16_t i = head, last = head;
        for (unsigned k = 0; k < n; ++k) {
            struct virtq_desc* d = &vq->desc[i];
            d->addr = (uint64_t)(uintptr_t)bufs[k].addr;
            d->len = bufs[k].len;
            d->flags = (uint16_t)((bufs[k].write ? VIRTQ_DESC_F_WRITE : 0) |
                                  (k + 1 < n ? VIRTQ_DESC_F_NEXT : 0));
            last = i;
            i = d->next;
        }
        vq->free_head = vq->desc[last].next;
    }
    vq->num_free = (uint16_t)(vq->num_free - needed);
    vq->chain_len[head] = (uint16_t)needed;

    /* 2.7.13: the head goes into the next available ring slot, then (after a barrier) idx. */
    uint16_t idx = vq->avail->idx;
    vq->avail->ring[idx & (vq->size - 1)] = head;
    barrier();
    *(volatile uint16_t*)&vq->avail->idx = (uint16_t)(idx + 1);
    barrier();
    return head;
}

void virtq_kick(struct virtq* vq) {
    barrier();
    if (vq->event_idx) {
        /* 2.7.10: notify only if avail_event (after the used ring) lies in the entries added
         * since the last notification (vring_need_event). */
        uint16_t new_idx = vq->avail->idx;
        /* avail_event: the 16 bits after the used ring's last element. */
        uint16_t event = *(volatile uint16_t*)((uint8_t*)vq->used + 4 + 8 * (size_t)vq->size);
        int need = (uint16_t)(new_idx - event - 1) < (uint16_t)(new_idx - vq->kicked_idx);
        vq->kicked_idx = new_idx;
        if (!need) return;
    } else if (*(volatile uint16_t*)&vq->used->flags & 1) {
        return; /* VIRTQ_USED_F_NO_NOTIFY (2.7.7) */
    }
    vt_notify(vq->dev, vq);
}

int virtq_get_used(struct virtq* vq, uint32_t* len) {
    uint16_t used_idx = *(volatile uint16_t*)&vq->used->idx;
    if (used_idx == vq->last_used) return -1;
    barrier(); /* read the element after idx (2.7.8) */
    struct virtq_used_elem e = vq->used->ring[vq->last_used & (vq->size - 1)];
    vq->last_used++;
    if (e.id >= vq->size) return -1; /* a broken device: ignore the entry */
    /* Return the chain's descriptors to the free list. */
    uint16_t head = (uint16_t)e.id, i = head;
    for (unsigned k = 1; k < vq->chain_len[head]; ++k) i = vq->desc[i].next;
    vq->desc[i].next = vq->free_head;
    vq->free_head = head;
    vq->num_free = (uint16_t)(vq->num_free + vq->chain_len[head]);
    if (len) *len = e.len;
    return head;
}

long virtq_transfer(struct virtq* vq, const struct virtq_buf* bufs, unsigned n, int indirect,
                    uint64_t timeout_us) {
    int head = virtq_add(vq, bufs, n, indirect);
    if (head < 0) return -1;
    virtq_kick(vq);
    uint64_t deadline = now_us() + timeout_us;
    for (;;) {
        uint32_t len;
        int got = virtq_get_used(vq, &len);
        if (got == head) return len;
        if (got < 0 && now_us() > deadline) return -1;
        if (got < 0) virtio_wait();
    }
}

/* The default wait between polls: a spin-loop hint. Weak, so that a kernel with threads
 * (guest/os/devices.c) can give the CPU away instead. */
__attribute__((weak)) void virtio_wait(void) {
    __asm__ volatile("pause");
}

/* Transport dispatch (transport.h). */
uint8_t vt_get_status(struct virtio_dev* dev) {
    return dev->transport == VIRTIO_PCI ? pci_get_status(dev) : mmio_get_status(dev);
}
void vt_set_status(struct virtio_dev* dev, uint8_t status) {
    if (dev->transport == VIRTIO_PCI)
        pci_set_status(dev, status);
    else
        mmio_set_status(dev, status);
}
uint64_t vt_device_features(struct virtio_dev* dev) {
    return dev->transport == VIRTIO_PCI ? pci_device_features(dev) : mmio_device_features(dev);
}
void vt_set_driver_features(struct virtio_dev* dev, uint64_t features) {
    if (dev->transport == VIRTIO_PCI)
        pci_set_driver_features(dev, features);
    else
        mmio_set_driver_features(dev, features);
}
uint16_t vt_queue_max(struct virtio_dev* dev, uint16_t index) {
    return dev->transport == VIRTIO_PCI ? pci_queue_max(dev, index) : mmio_queue_max(dev, index);
}
int vt_queue_enable(struct virtio_dev* dev, uint16_t index, uint16_t size, uint64_t desc,
                    uint64_t driver, uint64_t device, uint16_t* notify_off) {
    if (dev->transport == VIRTIO_PCI)
        return pci_queue_enable(dev, index, size, desc, driver, device, notify_off);
    return mmio_queue_enable(dev, index, size, desc, driver, device, notify_off);
}
void vt_notify(struct virtio_dev* dev, struct virtq* vq) {
    if (dev->transport == VIRTIO_PCI)
        pci_notify(dev, vq);
    else
        mmio_notify(dev, vq);
}
uint32_t vt_config_read(struct virtio_dev* dev, uint32_t offset, unsigned width) {
    return dev->transport == VIRTIO_PCI ? pci_config_read(dev, offset, width)
                                        : mmio_config_read(dev, offset, width);
}
uint8_t vt_config_generation(struct virtio_dev* dev) {
    return dev->transport == VIRTIO_PCI ? pci_config_generation(dev) : mmio_config_generation(dev);
}
