/*
 * Finding virtio devices, and the glue that lets guest/virtio's polling driver live in a kernel
 * with threads.
 *
 * The driver (guest/virtio/virtio.c, virtio_pci.c, virtio_mmio.c; OASIS virtio 1.2) is shared
 * with svm's virtio test guests. It polls the used ring; between two polls it calls
 * virtio_wait(), which here gives the CPU to the other threads, so a disk read or an entropy
 * request does not stall the shell or the network thread. FIXME: interrupts (MSI-X or INTx
 * through the I/O APIC) would let the waiting thread block instead.
 */
#include <svm/machine.h>

#include "lib/machine_table.h"
#include "os/kernel.h"
#include "virtio/virtio.h"

/* Overrides guest/virtio/virtio.c's weak default (a `pause`). */
void virtio_wait(void) {
    thread_yield();
}

int os_virtio_find(uint32_t device_id, struct virtio_dev* dev) {
    /* QEMU's PC and svm both offer virtio-pci (modern, 4.1); svm may also offer virtio-mmio
     * windows, which only its machine table lists (on a PC those addresses may be a PCI BAR). */
    if (virtio_pci_find(device_id, dev) == 0) return 0;
    if (!boot_machine) return -1;
    for (uint32_t i = 0; i < boot_machine->dev_count; i++) {
        const struct svm_device* d = machine_device(boot_machine, i);
        if (d->type == SVM_DEV_VIRTIO_MMIO && SVM_VIRTIO_ID(d) == device_id &&
            virtio_mmio_find(device_id, d->mmio_base, 1, dev) == 0)
            return 0;
    }
    return -1;
}
