// The modern virtio-pci transport (OASIS virtio 1.2, 4.1 "Virtio Over PCI Bus"): one PCI function
// that carries one VirtioDevice, what drivers written on QEMU (virtio-*-pci, non-transitional)
// find. It is both the function's configuration space (a PciFunction on the PciBus) and its
// memory BAR (a BusDevice the machine registers on the MMIO bus at the address the guest
// programs).
//
// Header (4.1.2): vendor 0x1AF4, device 0x1040 + the virtio device ID (4.1.2.1, no transitional
// IDs, no legacy I/O BAR), revision 1, subsystem 0x1AF4:0x1100 (QEMU's default), class code by
// device type as QEMU sets it (block 01/00/00, network 02/00/00, others ff/00/00), interrupt
// pin INTA#.
//
// BAR0/BAR1: one 64-bit non-prefetchable memory BAR of kBarSize bytes (non-prefetchable because
// reading the ISR status clears it, PCI 3.0, 6.2.5.1). One 4 KiB page per structure, so the
// machine can later trap, map or attach eventfds to each on its own:
//   0x0000 common configuration   (4.1.4.3, struct virtio_pci_common_cfg, 0x3c bytes)
//   0x1000 ISR status             (4.1.4.5, 1 byte, read-to-clear)
//   0x2000 device configuration   (4.1.4.6, VirtioDevice::read_config/write_config)
//   0x3000 notifications          (4.1.4.4, notify_off_multiplier 4: queue N at 0x3000 + 4 * N)
//   0x4000 MSI-X table            (PCI 3.0, 6.8.2; one vector per queue plus one for config)
//   0x5000 MSI-X pending bits
// Each queue has its own notify address, so the machine can attach one ioeventfd per queue
// (KVM_IOEVENTFD at bar_address() + notify_address(N), any length) when it adds an I/O thread.
//
// Capabilities (from the pointer at 0x34): MSI-X at 0x40, then the virtio_pci_cap structures
// (4.1.4) common (cfg_type 1), notify (2), ISR (3), device (4) and the PCI configuration access
// capability (5, 4.1.4.9), whose pci_cfg_data window reaches the BAR without a mapping.
//
// Interrupts: with MSI-X enabled, each event goes to the vector the driver mapped it to
// (4.1.5.1.2; NO_VECTOR = none); otherwise the ISR bits are set and INTx is asserted while the
// ISR is non-zero and the command register's Interrupt Disable bit is clear (4.1.4.5).
//
// Notifications written to the BAR call VirtioDevice::notify() on the writing thread; the machine
// (core/machine/pc/virtio.cpp) attaches an ioeventfd to each queue's notify address instead, so
// KVM hands the doorbell to an I/O thread that calls notify_queue().
//
// Thread-safety: every entry point may be called from any vCPU thread. Lock order: report_mutex_
// (BAR-move reports), then device_mutex_ (calls into the device: activate, notify, reset, config
// space), then mutex_ (the transport's registers, ISR, MSI-X, INTx), then PciFunction's lock. The
// MSI and INTx callbacks are called under mutex_ and must not call back into this object.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/result.h"
#include "devices/bus_device.h"
#include "devices/legacy/pci_function.h"
#include "devices/legacy/pci_msix_table.h"
#include "devices/virtio/virtio_device.h"

namespace svm::virtio {

struct VirtioPciConfig {
    // Where the BAR starts until the guest moves it (the machine's choice, as firmware would
    // assign it; a multiple of VirtioPci::kBarSize). The function starts with memory space and
    // bus mastering enabled, as firmware leaves it, since svm boots kernels without firmware.
    uint64_t bar_address = 0;
    // Called when the guest moves the BAR or toggles memory space decoding: the machine maps the
    // BAR (this object as a BusDevice) at `address` while `decoding`, and unmaps it otherwise.
    std::function<void(uint64_t address, bool decoding)> on_bar_change;
    // Delivers one MSI-X message (the machine: KVM_SIGNAL_MSI, later an irqfd).
    std::function<void(uint64_t address, uint32_t data)> msi;
    // INTA#, level-triggered (the machine routes it to an I/O APIC pin).
    IrqLine intx;
    // The Interrupt Line register's value at start (PCI 3.0, 6.2.4): the IRQ `intx` raises, as
    // firmware writes it for the OS; 0xFF = unknown.
    uint8_t interrupt_line = 0xff;
};

class VirtioPci final : public PciFunction, public BusDevice {
public:
    static constexpr uint16_t kVendor = 0x1af4;      // Red Hat, Inc. (4.1.2)
    static constexpr uint16_t kDeviceBase = 0x1040;  // + virtio device ID (4.1.2.1)
    static constexpr uint8_t kRevision = 1;          // non-transitional (4.1.2.1)
    static constexpr uint16_t kSubsystemVendor = 0x1af4;
    static constexpr uint16_t kSubsystem = 0x1100;

    // Configuration space.
    static constexpr uint8_t kBar0 = 0x10;
    static constexpr uint8_t kCapabilitiesPointer = 0x34;
    static constexpr uint8_t kInterruptLine = 0x3c;
    static constexpr uint8_t kInterruptPin = 0x3d;
    static constexpr uint8_t kMsixCap = 0x40;
    static constexpr uint8_t kCommonCap = 0x50;
    static constexpr uint8_t kNotifyCap = 0x60;  // 20 bytes: virtio_pci_notify_cap
    static constexpr uint8_t kIsrCap = 0x78;
    static constexpr uint8_t kDeviceCap = 0x88;
    static constexpr uint8_t kPciCfgCap = 0x98;  // 20 bytes: virtio_pci_cfg_cap
    static constexpr uint8_t kPciCfgData = kPciCfgCap + 16;
    static constexpr uint16_t kCommandMemory = 1u << 1;
    static constexpr uint16_t kCommandBusMaster = 1u << 2;
    static constexpr uint16_t kCommandInterruptDisable = 1u << 10;
    static constexpr uint16_t kStatusInterrupt = 1u << 3;
    static constexpr uint16_t kStatusCapabilities = 1u << 4;

    // virtio_pci_cap cfg_type (4.1.4).
    static constexpr uint8_t kCapVendor = 0x09;  // PCI_CAP_ID_VNDR
    static constexpr uint8_t kCfgCommon = 1;
    static constexpr uint8_t kCfgNotify = 2;
    static constexpr uint8_t kCfgIsr = 3;
    static constexpr uint8_t kCfgDevice = 4;
    static constexpr uint8_t kCfgPci = 5;

    // The BAR.
    static constexpr uint64_t kBarSize = 0x8000;
    static constexpr uint32_t kBarFlags = 0x4;  // memory, 64-bit, not prefetchable (6.2.5.1)
    static constexpr uint64_t kCommonOffset = 0x0000;
    static constexpr uint64_t kCommonLength = 0x3c;
    static constexpr uint64_t kIsrOffset = 0x1000;
    static constexpr uint64_t kIsrLength = 1;
    static constexpr uint64_t kDeviceOffset = 0x2000;
    static constexpr uint64_t kDeviceLength = 0x1000;
    static constexpr uint64_t kNotifyOffset = 0x3000;
    static constexpr uint32_t kNotifyMultiplier = 4;
    static constexpr uint64_t kMsixTableOffset = 0x4000;
    static constexpr uint64_t kMsixPbaOffset = 0x5000;
    static constexpr uint64_t kPageSize = 0x1000;
    // The MSI-X table holds 256 vectors at most in its page, one per queue plus config.
    static constexpr uint16_t kMaxQueues = 255;

    // struct virtio_pci_common_cfg field offsets (4.1.4.3).
    static constexpr uint64_t kDeviceFeatureSelect = 0x00;
    static constexpr uint64_t kDeviceFeature = 0x04;
    static constexpr uint64_t kDriverFeatureSelect = 0x08;
    static constexpr uint64_t kDriverFeature = 0x0c;
    static constexpr uint64_t kConfigMsixVector = 0x10;
    static constexpr uint64_t kNumQueues = 0x12;
    static constexpr uint64_t kDeviceStatus = 0x14;
    static constexpr uint64_t kConfigGeneration = 0x15;
    static constexpr uint64_t kQueueSelect = 0x16;
    static constexpr uint64_t kQueueSize = 0x18;
    static constexpr uint64_t kQueueMsixVector = 0x1a;
    static constexpr uint64_t kQueueEnable = 0x1c;
    static constexpr uint64_t kQueueNotifyOff = 0x1e;
    static constexpr uint64_t kQueueDesc = 0x20;
    static constexpr uint64_t kQueueDriver = 0x28;
    static constexpr uint64_t kQueueDevice = 0x30;
    static constexpr uint64_t kQueueNotifyData = 0x38;
    static constexpr uint64_t kQueueReset = 0x3a;
    static constexpr uint16_t kNoVector = 0xffff;  // VIRTIO_MSI_NO_VECTOR (4.1.5.1.2)

    // ISR status bits (4.1.4.5).
    static constexpr uint8_t kIsrQueue = 1;
    static constexpr uint8_t kIsrConfig = 2;

    // Creates the function for `device` reading and writing `memory` (which must outlive it).
    // Returns an error if the device has no queues or more than kMaxQueues.
    static Result<std::shared_ptr<VirtioPci>> create(std::shared_ptr<VirtioDevice> device,
                                                     GuestMemory& memory, VirtioPciConfig config);
    // Public for std::make_shared only: call create(), which checks what this asserts.
    VirtioPci(std::shared_ptr<VirtioDevice> device, GuestMemory& memory, VirtioPciConfig config);

    // The class code (base class, subclass, programming interface) for a virtio device ID.
    static uint32_t class_code(uint32_t device_id);
    // Where queue `index` is notified, relative to the BAR (4.1.4.4).
    static uint64_t notify_address(uint16_t index) {
        return kNotifyOffset + uint64_t{index} * kNotifyMultiplier;
    }

    // The BAR's guest-physical base (flags masked off) and whether memory space is decoded.
    uint64_t bar_address();
    bool memory_decoding();
    VirtioDevice& device() { return *device_; }
    // The device status register (2.1), for the machine's reports and tests.
    uint8_t device_status();
    // The driver notified queue `index` (4.1.4.4, 4.1.5.2): calls the device if the driver set
    // DRIVER_OK and the queue is enabled; out-of-range indexes are ignored. What a write to the
    // queue's notify address does; the machine calls it from an I/O thread when an ioeventfd
    // caught the write instead. Thread-safe.
    void notify_queue(uint16_t index) { notify(index); }
    // Tells `observer` which guest-physical ranges the device writes into the driver's buffers
    // and used rings (SplitQueue::set_write_observer): the debugger's watchpoints. Thread-safe.
    void set_write_observer(const SplitQueue::WriteObserver& observer);

    // ^PciFunction
    uint8_t read_config(uint8_t offset) override;
    void write_config(uint8_t offset, uint8_t value) override;

    // ^BusDevice: the BAR, at offsets from its base.
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    // Per-queue registers (4.1.4.3, the fields after queue_select).
    struct QueueRegs {
        uint16_t size = 0;
        uint16_t msix_vector = kNoVector;
        bool enabled = false;
        uint64_t desc = 0;
        uint64_t driver = 0;
        uint64_t device = 0;
    };
    enum class StatusAction { None, Reset, Activate };

    void init_config_space();
    void add_virtio_cap(uint8_t at, uint8_t next, uint8_t length, uint8_t cfg_type, uint64_t offset,
                        uint64_t bar_length);
    uint32_t config32(uint8_t offset);

    // The configuration access window (4.1.4.9).
    void window_access(bool is_write);

    // BAR regions.
    void read_common(uint64_t offset, std::span<uint8_t> data);
    void write_common(uint64_t offset, std::span<const uint8_t> data);
    StatusAction write_common_locked(uint64_t offset, unsigned size, uint64_t value);
    StatusAction write_status_locked(uint8_t value);
    void finish_status(StatusAction action);
    void reset_registers_locked();
    uint8_t read_isr();
    void notify(uint16_t index);

    // Interrupts (mutex_ held).
    void queue_interrupt(uint16_t index);
    void config_interrupt_locked();
    void needs_reset_locked(const std::string& why);
    void update_intx_locked();
    void update_msix_control_locked();
    void log_bad_access_locked(const char* what, uint64_t offset, size_t size);

    std::shared_ptr<VirtioDevice> device_;
    GuestMemory& memory_;
    VirtioPciConfig config_;
    const uint16_t num_queues_;
    const uint64_t offered_features_;        // device_->device_features(), fixed
    const std::vector<uint16_t> max_sizes_;  // device_->queue_max_size(i), fixed

    std::mutex report_mutex_;  // first: serialises on_bar_change reports
    uint64_t reported_address_ = 0;
    bool reported_decoding_ = true;

    std::mutex device_mutex_;         // second: calls into device_, and queues_
    std::vector<SplitQueue> queues_;  // the device's view; touched under device_mutex_ only

    std::mutex mutex_;  // third: everything below
    uint32_t device_feature_select_ = 0;
    uint32_t driver_feature_select_ = 0;
    uint64_t driver_features_ = 0;
    uint16_t config_msix_vector_ = kNoVector;
    uint8_t status_ = 0;
    uint16_t queue_select_ = 0;
    std::vector<QueueRegs> queue_regs_;
    bool active_ = false;  // the device was activated and not reset since
    uint8_t isr_ = 0;
    bool intx_asserted_ = false;
    MsixTable msix_;
    std::array<uint8_t, 4> window_data_{};  // pci_cfg_data
    bool logged_bad_access_ = false;
};

}  // namespace svm::virtio
