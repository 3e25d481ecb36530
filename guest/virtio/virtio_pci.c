/*
 * The modern virtio-pci transport, driver side (OASIS virtio 1.2, 4.1): discovery by PCI
 * configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2), the vendor capabilities that say
 * where each structure lies in which BAR (4.1.4), and the common configuration registers
 * (4.1.4.3).
 */
#include "lib/io.h"
#include "lib/mem.h"
#include "virtio/transport.h"
#include "virtio/virtio.h"

#define PCI_CONFIG_ADDRESS 0xCF8
#define PCI_CONFIG_DATA 0xCFC
#define PCI_VENDOR_VIRTIO 0x1AF4
#define PCI_DEVICE_MODERN_BASE 0x1040 /* + device type (4.1.2.1) */
#define PCI_COMMAND 0x04
#define PCI_COMMAND_MEMORY (1u << 1)
#define PCI_COMMAND_MASTER (1u << 2)
#define PCI_STATUS_CAPS (1u << 4) /* in the upper half of dword 0x04 */
#define PCI_CAP_POINTER 0x34
#define PCI_CAP_VENDOR 0x09

/* virtio_pci_cap.cfg_type (4.1.4). */
#define VIRTIO_PCI_CAP_COMMON_CFG 1
#define VIRTIO_PCI_CAP_NOTIFY_CFG 2
#define VIRTIO_PCI_CAP_ISR_CFG 3
#define VIRTIO_PCI_CAP_DEVICE_CFG 4

/* struct virtio_pci_common_cfg (4.1.4.3). */
#define COMMON_DFSELECT 0x00
#define COMMON_DF 0x04
#define COMMON_GFSELECT 0x08
#define COMMON_GF 0x0C
#define COMMON_MSIX 0x10
#define COMMON_NUMQ 0x12
#define COMMON_STATUS 0x14
#define COMMON_CFGGENERATION 0x15
#define COMMON_Q_SELECT 0x16
#define COMMON_Q_SIZE 0x18
#define COMMON_Q_MSIX 0x1A
#define COMMON_Q_ENABLE 0x1C
#define COMMON_Q_NOFF 0x1E
#define COMMON_Q_DESCLO 0x20
#define COMMON_Q_DESCHI 0x24
#define COMMON_Q_AVAILLO 0x28
#define COMMON_Q_AVAILHI 0x2C
#define COMMON_Q_USEDLO 0x30
#define COMMON_Q_USEDHI 0x34
#define VIRTIO_MSI_NO_VECTOR 0xFFFF

/* Where an unassigned BAR goes: the top of the PCI hole, below the I/O APIC. */
#define BAR_ASSIGN_BASE 0xFE000000u
#define BAR_ASSIGN_END 0xFEB00000u
static uint32_t next_bar = BAR_ASSIGN_BASE;

static uint32_t cfg_address(const struct virtio_dev* d, uint32_t reg) {
    return 0x80000000u | (uint32_t)d->bus << 16 | (uint32_t)d->slot << 11 |
           (uint32_t)d->function << 8 | (reg & 0xFC);
}
static uint32_t cfg_read32(const struct virtio_dev* d, uint32_t reg) {
    outl(PCI_CONFIG_ADDRESS, cfg_address(d, reg));
    return inl(PCI_CONFIG_DATA);
}
static uint8_t cfg_read8(const struct virtio_dev* d, uint32_t reg) {
    return (uint8_t)(cfg_read32(d, reg) >> ((reg & 3) * 8));
}
static void cfg_write32(const struct virtio_dev* d, uint32_t reg, uint32_t v) {
    outl(PCI_CONFIG_ADDRESS, cfg_address(d, reg));
    outl(PCI_CONFIG_DATA, v);
}
static void cfg_write16(const struct virtio_dev* d, uint32_t reg, uint16_t v) {
    outl(PCI_CONFIG_ADDRESS, cfg_address(d, reg));
    outw((uint16_t)(PCI_CONFIG_DATA + (reg & 2)), v);
}

/* Returns BAR `bar`'s memory address, assigning one if the firmware left it 0 (PCI 3.0,
 * 6.2.5.1: write all-ones, read back the size mask). 64-bit BARs take two registers. Returns 0
 * for an I/O BAR or one that cannot be assigned. */
static uint64_t map_bar(struct virtio_dev* d, unsigned bar) {
    if (bar > 5) return 0;
    if (d->bar_address[bar]) return d->bar_address[bar];
    uint32_t reg = 0x10 + 4 * bar;
    uint32_t lo = cfg_read32(d, reg);
    if (lo & 1) return 0; /* I/O space */
    int is64 = ((lo >> 1) & 3) == 2;
    uint64_t address = lo & ~0xFull;
    if (is64 && bar < 5) address |= (uint64_t)cfg_read32(d, reg + 4) << 32;
    if (address == 0) {
        cfg_write32(d, reg, 0xFFFFFFFFu);
        uint32_t mask = cfg_read32(d, reg) & ~0xFu;
        uint32_t size = ~mask + 1;
        if (size < 0x1000) size = 0x1000;
        uint32_t base = (next_bar + size - 1) & ~(size - 1);
        if (mask == 0 || base + size > BAR_ASSIGN_END) {
            cfg_write32(d, reg, lo);
            return 0;
        }
        next_bar = base + size;
        cfg_write32(d, reg, base | (lo & 0xF));
        if (is64) cfg_write32(d, reg + 4, 0);
        address = base;
    }
    /* Memory space decoding (to reach the BAR) and bus mastering (the device reads and writes
     * our rings): the firmware enables them only for devices it uses itself. */
    uint32_t command = cfg_read32(d, PCI_COMMAND) & 0xFFFF;
    cfg_write16(d, PCI_COMMAND, (uint16_t)(command | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER));
    d->bar_address[bar] = address;
    return address;
}

/* Walks the capability list for the virtio structures (4.1.4); takes the first of each type
 * (4.1.4.1: "the driver SHOULD use the first instance it can support"). Returns 0 if common,
 * notify, ISR and device configuration were all found. */
static int parse_capabilities(struct virtio_dev* d) {
    if (!((cfg_read32(d, PCI_COMMAND) >> 16) & PCI_STATUS_CAPS)) return -1;
    uint8_t at = cfg_read8(d, PCI_CAP_POINTER) & 0xFC;
    for (int guard = 0; at && guard < 48; ++guard, at = cfg_read8(d, at + 1u) & 0xFC) {
        if (cfg_read8(d, at) != PCI_CAP_VENDOR) continue;
        uint8_t cfg_type = cfg_read8(d, at + 3u);
        uint8_t bar = cfg_read8(d, at + 4u);
        uint32_t offset = cfg_read32(d, at + 8u);
        if (bar > 5 || cfg_type < VIRTIO_PCI_CAP_COMMON_CFG || cfg_type > VIRTIO_PCI_CAP_DEVICE_CFG)
            continue; /* e.g. the PCI configuration access capability (5) */
        uint64_t base = map_bar(d, bar);
        if (!base || base >= (1ull << 32)) continue; /* entry.S maps the low 4 GiB only */
        volatile uint8_t* p = (volatile uint8_t*)(uintptr_t)(base + offset);
        switch (cfg_type) {
            case VIRTIO_PCI_CAP_COMMON_CFG:
                if (!d->common) d->common = p;
                break;
            case VIRTIO_PCI_CAP_NOTIFY_CFG:
                if (!d->notify_base) {
                    d->notify_base = p;
                    d->notify_multiplier = cfg_read32(d, at + 16u);
                }
                break;
            case VIRTIO_PCI_CAP_ISR_CFG:
                if (!d->isr) d->isr = p;
                break;
            case VIRTIO_PCI_CAP_DEVICE_CFG:
                if (!d->device_cfg) d->device_cfg = p;
                break;
        }
    }
    return d->common && d->notify_base && d->isr && d->device_cfg ? 0 : -1;
}

int virtio_pci_find(uint32_t device_id, struct virtio_dev* dev) {
    /* Mechanism #1 is there if CONFIG_ADDRESS reads back what was written. */
    outl(PCI_CONFIG_ADDRESS, 0x80000000u);
    if (inl(PCI_CONFIG_ADDRESS) != 0x80000000u) return -1;
    for (unsigned bus = 0; bus < 256; ++bus) {
        for (unsigned slot = 0; slot < 32; ++slot) {
            unsigned functions = 1;
            for (unsigned fn = 0; fn < functions; ++fn) {
                struct virtio_dev d;
                memset(&d, 0, sizeof d);
                d.transport = VIRTIO_PCI;
                d.bus = (uint8_t)bus;
                d.slot = (uint8_t)slot;
                d.function = (uint8_t)fn;
                uint32_t id = cfg_read32(&d, 0);
                if ((id & 0xFFFF) == 0xFFFF) {
                    if (fn == 0) break;
                    continue;
                }
                if (fn == 0 && (cfg_read32(&d, 0x0C) & 0x800000)) functions = 8;
                if ((id & 0xFFFF) != PCI_VENDOR_VIRTIO ||
                    (id >> 16) != PCI_DEVICE_MODERN_BASE + device_id)
                    continue;
                if (parse_capabilities(&d) != 0) continue;
                d.device_id = device_id;
                *dev = d;
                return 0;
            }
        }
    }
    return -1;
}

uint8_t pci_get_status(struct virtio_dev* dev) {
    return rd8(dev->common + COMMON_STATUS);
}
void pci_set_status(struct virtio_dev* dev, uint8_t status) {
    wr8(dev->common + COMMON_STATUS, status);
}
uint64_t pci_device_features(struct virtio_dev* dev) {
    wr32(dev->common + COMMON_DFSELECT, 0);
    uint32_t lo = rd32(dev->common + COMMON_DF);
    wr32(dev->common + COMMON_DFSELECT, 1);
    uint32_t hi = rd32(dev->common + COMMON_DF);
    return ((uint64_t)hi << 32) | lo;
}
void pci_set_driver_features(struct virtio_dev* dev, uint64_t features) {
    wr32(dev->common + COMMON_GFSELECT, 0);
    wr32(dev->common + COMMON_GF, (uint32_t)features);
    wr32(dev->common + COMMON_GFSELECT, 1);
    wr32(dev->common + COMMON_GF, (uint32_t)(features >> 32));
}
uint16_t pci_queue_max(struct virtio_dev* dev, uint16_t index) {
    if (index >= rd16(dev->common + COMMON_NUMQ)) return 0;
    wr16(dev->common + COMMON_Q_SELECT, index);
    return rd16(dev->common + COMMON_Q_SIZE);
}
int pci_queue_enable(struct virtio_dev* dev, uint16_t index, uint16_t size, uint64_t desc,
                     uint64_t driver, uint64_t device, uint16_t* notify_off) {
    /* 4.1.5.1.3: select, size, (no MSI-X vector: we poll), the three addresses as 32-bit
     * halves (4.1.3.1), notify offset, then queue_enable = 1. */
    volatile uint8_t* c = dev->common;
    wr16(c + COMMON_Q_SELECT, index);
    if (rd16(c + COMMON_Q_ENABLE)) return -1; /* not reset? */
    wr16(c + COMMON_Q_SIZE, size);
    wr16(c + COMMON_Q_MSIX, VIRTIO_MSI_NO_VECTOR);
    wr32(c + COMMON_Q_DESCLO, (uint32_t)desc);
    wr32(c + COMMON_Q_DESCHI, (uint32_t)(desc >> 32));
    wr32(c + COMMON_Q_AVAILLO, (uint32_t)driver);
    wr32(c + COMMON_Q_AVAILHI, (uint32_t)(driver >> 32));
    wr32(c + COMMON_Q_USEDLO, (uint32_t)device);
    wr32(c + COMMON_Q_USEDHI, (uint32_t)(device >> 32));
    *notify_off = rd16(c + COMMON_Q_NOFF);
    wr16(c + COMMON_Q_ENABLE, 1);
    return rd16(c + COMMON_Q_ENABLE) == 1 ? 0 : -1;
}
void pci_notify(struct virtio_dev* dev, struct virtq* vq) {
    /* 4.1.4.4: the queue's notification address is cap.offset + queue_notify_off *
     * notify_off_multiplier; without VIRTIO_F_NOTIFICATION_DATA the driver writes the 16-bit
     * queue index there (4.1.5.2). */
    wr16(dev->notify_base + (uint32_t)vq->notify_off * dev->notify_multiplier, vq->index);
}
uint32_t pci_config_read(struct virtio_dev* dev, uint32_t offset, unsigned width) {
    volatile uint8_t* p = dev->device_cfg + offset;
    return width == 1 ? rd8(p) : width == 2 ? rd16(p) : rd32(p);
}
uint8_t pci_config_generation(struct virtio_dev* dev) {
    return rd8(dev->common + COMMON_CFGGENERATION);
}
