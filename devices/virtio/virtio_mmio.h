// The virtio-mmio transport, version 2 (OASIS virtio 1.2, 4.2 "Virtio Over MMIO"): a 0x200-byte
// register window per device, as Firecracker and QEMU's microvm machine offer, in front of one
// transport-independent VirtioDevice. It owns the device status (2.1), feature negotiation (2.2),
// the queues' layouts (4.2.3.2) and the interrupt line (4.2.3.4); the device does the rest.
//
// Everything the guest writes is untrusted: an access of the wrong width, a write to a read-only
// register, an out-of-range QueueSel, a queue register written while QueueReady is 1, or any other
// violation of 4.2.2.2 is ignored (a read yields 0) and logged once per register; none can crash
// svm or make it touch memory outside guest RAM.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "devices/bus_device.h"
#include "devices/virtio/virtio_device.h"
#include "devices/virtio/virtqueue.h"

namespace svm::virtio {

// Where the PC machine places virtio-mmio devices (the machine wires them; these are the one list
// the ACPI DSDT, the machine table and the bus registration will share).
//
// Slot n (0-7) is the 0x200-byte window at kMmioBase + n * kMmioSlotSize. QEMU's microvm puts its
// transports at 0xFEB00000 + 0x200 * n, but svm's --compat symphony string window already holds
// 0xFEB00000-0xFEB00FFF (core/machine/pc/pc_layout.h), so svm starts one page higher: the eight
// windows fill 0xFEB01000-0xFEB01FFF, still in the MMIO hole below the I/O APIC that svm's boot
// page tables identity-map, and clear of the framebuffer (0xFD000000, 16 MiB) and the HPET.
constexpr uint64_t kMmioBase = 0xfeb01000;
constexpr uint64_t kMmioSlotSize = 0x200;
constexpr unsigned kMmioSlots = 8;
// Slot n raises ISA IRQ kMmioIrqs[n] (I/O APIC pin n, PIC input n: KVM's identity routing, see
// docs/machine.md). The machine already uses 0 (PIT), 1 (keyboard), 2 (cascade), 4 (COM1), 8 (RTC),
// 9 (SCI) and 12 (mouse). First come the lines nothing on a PC competes for any more (5: LPT2 or
// a sound card, 6: floppy, 10, 11), then those of legacy devices svm does not have (3: COM2, 14 and
// 15: IDE), and 7 last: it is also the master 8259's spurious IRQ, which hobby kernels often
// discard without checking the ISR. Each device gets a line of its own: ISA pins default to edge
// triggering, where a shared line would lose interrupts. ISA IRQs rather than I/O APIC pins 16-19
// so that kernels that only program the 8259 can use them too.
constexpr std::array<uint32_t, kMmioSlots> kMmioIrqs = {5, 6, 10, 11, 3, 14, 15, 7};

constexpr uint64_t mmio_slot_base(unsigned slot) {
    return kMmioBase + kMmioSlotSize * slot;
}

class VirtioMmio final : public BusDevice {
public:
    // The register offsets (4.2.2, table "MMIO Device Register Layout").
    static constexpr uint64_t kMagicValueOffset = 0x000;
    static constexpr uint64_t kVersionOffset = 0x004;
    static constexpr uint64_t kDeviceIdOffset = 0x008;
    static constexpr uint64_t kVendorIdOffset = 0x00c;
    static constexpr uint64_t kDeviceFeaturesOffset = 0x010;
    static constexpr uint64_t kDeviceFeaturesSelOffset = 0x014;
    static constexpr uint64_t kDriverFeaturesOffset = 0x020;
    static constexpr uint64_t kDriverFeaturesSelOffset = 0x024;
    static constexpr uint64_t kQueueSelOffset = 0x030;
    static constexpr uint64_t kQueueNumMaxOffset = 0x034;
    static constexpr uint64_t kQueueNumOffset = 0x038;
    static constexpr uint64_t kQueueReadyOffset = 0x044;
    // The machine routes 4-byte writes here to an ioeventfd (KVM_IOEVENTFD) whose I/O thread calls
    // notify_queue(), so the vCPU thread does not carry the I/O. Until then write() calls it.
    static constexpr uint64_t kQueueNotifyOffset = 0x050;
    static constexpr uint64_t kInterruptStatusOffset = 0x060;
    static constexpr uint64_t kInterruptAckOffset = 0x064;
    static constexpr uint64_t kStatusOffset = 0x070;
    static constexpr uint64_t kQueueDescLowOffset = 0x080;
    static constexpr uint64_t kQueueDescHighOffset = 0x084;
    static constexpr uint64_t kQueueDriverLowOffset = 0x090;
    static constexpr uint64_t kQueueDriverHighOffset = 0x094;
    static constexpr uint64_t kQueueDeviceLowOffset = 0x0a0;
    static constexpr uint64_t kQueueDeviceHighOffset = 0x0a4;
    static constexpr uint64_t kShmSelOffset = 0x0ac;
    static constexpr uint64_t kShmLenLowOffset = 0x0b0;
    static constexpr uint64_t kShmLenHighOffset = 0x0b4;
    static constexpr uint64_t kShmBaseLowOffset = 0x0b8;
    static constexpr uint64_t kShmBaseHighOffset = 0x0bc;
    static constexpr uint64_t kQueueResetOffset = 0x0c0;
    static constexpr uint64_t kConfigGenerationOffset = 0x0fc;
    static constexpr uint64_t kConfigOffset = 0x100;  // device-specific configuration space
    static constexpr uint64_t kWindowSize = kMmioSlotSize;

    static constexpr uint32_t kMagic = 0x74726976;  // "virt", little-endian
    static constexpr uint32_t kVersion = 2;         // virtio 1.x; 1 was the legacy interface
    // 4.2.2: VendorID is free for the device to choose; svm's reads "SVM\0" in memory order.
    static constexpr uint32_t kVendorId = 0x004d5653;
    // InterruptStatus bits (4.2.2).
    static constexpr uint32_t kInterruptUsedBuffer = 1;
    static constexpr uint32_t kInterruptConfigChange = 2;

    // `device` lives as long as the transport; `memory` must outlive it. `irq` is called with the
    // transport's state lock held, with alternating values, and must not call back into this
    // object. `name` prefixes log lines ("virtio-mmio.0 (blk)").
    VirtioMmio(std::shared_ptr<VirtioDevice> device, GuestMemory& memory, IrqLine irq,
               std::string name);
    ~VirtioMmio() override;
    VirtioMmio(const VirtioMmio&) = delete;
    VirtioMmio& operator=(const VirtioMmio&) = delete;

    // The driver notified queue `index` (QueueNotify, 4.2.3.3): calls the device on the calling
    // thread if the driver set DRIVER_OK and the queue is live. Safe from any thread.
    void notify_queue(uint32_t index);

    // How many distinct bad accesses were logged (each register logs at most once): for tests.
    size_t warnings_logged() const;
    // Tells `observer` which guest-physical ranges the device writes into the driver's buffers
    // and used rings (SplitQueue::set_write_observer): the debugger's watchpoints. Thread-safe.
    void set_write_observer(const SplitQueue::WriteObserver& observer);

    // ^BusDevice
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    // What the driver wrote for one queue (4.2.3.2); the SplitQueue is built from it on DRIVER_OK.
    struct QueueConfig {
        uint32_t num = 0;
        bool ready = false;
        uint64_t desc = 0;
        uint64_t driver = 0;
        uint64_t device = 0;
    };

    uint32_t read_register(uint64_t offset);
    void write_register(uint64_t offset, uint32_t value);
    void write_status(uint32_t value);
    // QueueReady (4.2.2): with device_mutex_ held, not mutex_.
    void write_queue_ready(uint32_t value);
    // Its effect, inside VirtioDevice::change_queues. Requires mutex_.
    void change_queue_ready(uint32_t value);
    // True if FEATURES_OK may be kept (2.2.1, 3.1.1 step 5): the driver's features are a subset
    // of the offered ones and include VERSION_1. Requires mutex_.
    bool features_acceptable();
    // Builds the SplitQueue of queue `index`; on failure sets DEVICE_NEEDS_RESET. Requires mutex_.
    bool enable_queue(uint16_t index);
    // Stops the device, then forgets every negotiated state (2.1.2, 4.2.2 Status = 0).
    void reset_device();
    // Requires mutex_.
    void set_needs_reset(const std::string& why);
    // QueueNotify with device_mutex_ held.
    void notify_locked(uint32_t index);
    // Requires mutex_.
    void raise_interrupt(uint32_t bits);
    void update_line();
    QueueConfig* selected_queue();
    // The selected queue if its layout registers may be written (it exists and is not ready);
    // otherwise logs why not (once for `offset`) and returns nullptr. Requires mutex_.
    QueueConfig* writable_queue(uint64_t offset);
    // Logs `what` the first time register `offset` misbehaves. Requires mutex_.
    void warn_once(uint64_t offset, const std::string& what);
    void warn_bit(size_t bit, const std::string& what);

    std::shared_ptr<VirtioDevice> device_;
    GuestMemory& memory_;
    IrqLine irq_;
    std::string name_;
    const uint64_t offered_features_;

    // Lock order: device_mutex_, then mutex_. device_mutex_ serialises every call into the device
    // (activate, notify, reset, write_config) and every register write, as VirtioDevice requires;
    // it is never taken by the device's callbacks. mutex_ guards the register state below; the
    // device's interrupt and needs_reset callbacks take it, so it is never held across activate,
    // notify or reset. It is held across read_config and write_config (so the two never race),
    // which therefore must not call the callbacks.
    std::mutex device_mutex_;
    mutable std::mutex mutex_;

    uint8_t status_ = 0;
    uint32_t interrupt_status_ = 0;
    bool line_ = false;
    uint32_t device_features_sel_ = 0;
    uint32_t driver_features_sel_ = 0;
    uint64_t driver_features_ = 0;
    bool driver_features_beyond_64_ = false;  // the driver accepted a bit >= 64 (never offered)
    uint32_t queue_sel_ = 0;
    uint32_t shm_sel_ = 0;
    uint32_t config_generation_ = 0;
    bool active_ = false;       // the device was activated and not reset since
    bool needs_reset_ = false;  // DEVICE_NEEDS_RESET was set (and logged) since the last reset
    uint64_t epoch_ = 0;        // bumped on reset: callbacks of an older activation are ignored
    std::vector<QueueConfig> queue_config_;
    std::vector<SplitQueue> queues_;
    // Which warnings were logged: one bit per 32-bit register, then config space, then refused
    // FEATURES_OK (kept apart from other Status warnings: it is the one drivers most need to see).
    static constexpr size_t kConfigWarning = kWindowSize / 4;
    static constexpr size_t kFeaturesWarning = kConfigWarning + 1;
    std::bitset<kFeaturesWarning + 1> warned_;
};

}  // namespace svm::virtio
