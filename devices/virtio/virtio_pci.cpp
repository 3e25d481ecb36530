// The modern virtio-pci transport (OASIS virtio 1.2, 4.1; PCI Local Bus Specification 3.0).
#include "devices/virtio/virtio_pci.h"

#include <algorithm>
#include <utility>

#include "core/log.h"

namespace svm::virtio {
namespace {

std::vector<uint16_t> max_sizes(const VirtioDevice& device) {
    std::vector<uint16_t> sizes(device.num_queues());
    for (uint16_t i = 0; i < sizes.size(); ++i) sizes[i] = device.queue_max_size(i);
    return sizes;
}

}  // namespace

Result<std::shared_ptr<VirtioPci>> VirtioPci::create(std::shared_ptr<VirtioDevice> device,
                                                     GuestMemory& memory, VirtioPciConfig config) {
    if (!device) return error("virtio-pci: no device");
    if (device->num_queues() == 0 || device->num_queues() > kMaxQueues) {
        return error("virtio-pci: device {} has {} queues; the transport supports 1 to {}",
                     device->device_id(), device->num_queues(), kMaxQueues);
    }
    return std::make_shared<VirtioPci>(std::move(device), memory, std::move(config));
}

VirtioPci::VirtioPci(std::shared_ptr<VirtioDevice> device, GuestMemory& memory,
                     VirtioPciConfig config)
    : device_(std::move(device)),
      memory_(memory),
      config_(std::move(config)),
      num_queues_(device_->num_queues()),
      offered_features_(device_->device_features()),
      max_sizes_(max_sizes(*device_)),
      reported_address_(config_.bar_address & ~(kBarSize - 1)),
      queues_(num_queues_),
      queue_regs_(num_queues_),
      msix_(static_cast<uint16_t>(num_queues_ + 1), config_.msi) {
    SVM_ASSERT(num_queues_ >= 1 && num_queues_ <= kMaxQueues);
    init_config_space();
    std::lock_guard lock(mutex_);
    reset_registers_locked();
}

void VirtioPci::set_write_observer(const SplitQueue::WriteObserver& observer) {
    std::lock_guard device_lock(device_mutex_);
    for (SplitQueue& queue : queues_) queue.set_write_observer(observer);
}

uint32_t VirtioPci::class_code(uint32_t device_id) {
    // QEMU's choices (hw/virtio/virtio-*-pci.c): drivers match on vendor and device ID; the
    // class is what `lspci` prints.
    switch (device_id) {
        case kDeviceBlock:
            return 0x010000;  // mass storage, SCSI
        case kDeviceNet:
            return 0x020000;  // network, Ethernet
        default:
            return 0xff0000;  // unassigned class
    }
}

void VirtioPci::init_config_space() {
    set16(kVendorId, kVendor);
    set16(kDeviceId, static_cast<uint16_t>(kDeviceBase + device_->device_id()));
    set16(kCommand, kCommandMemory | kCommandBusMaster);
    set_writable16(kCommand, kCommandMemory | kCommandBusMaster | kCommandInterruptDisable);
    set16(kStatus, kStatusCapabilities);
    set_clear_on_write16(kStatus, 0xf900);  // error bits are RW1C (PCI 3.0, 6.2.3)
    set8(kRevisionId, kRevision);
    const uint32_t cls = class_code(device_->device_id());
    for (uint8_t i = 0; i < 3; ++i) set8(kClassCode + i, static_cast<uint8_t>(cls >> (8 * i)));
    set8(kHeaderType, 0x00);

    // BAR0 (low) and BAR1 (high) form one 64-bit BAR; the bits below the size read 0, so a
    // sizing write of all ones reads back ~(kBarSize - 1) | flags (PCI 3.0, 6.2.5.1).
    set32(kBar0, static_cast<uint32_t>(reported_address_) | kBarFlags);
    set32(kBar0 + 4, static_cast<uint32_t>(reported_address_ >> 32));
    const uint32_t low_mask = ~static_cast<uint32_t>(kBarSize - 1);
    for (uint8_t i = 0; i < 4; ++i) {
        set_writable8(kBar0 + i, static_cast<uint8_t>(low_mask >> (8 * i)));
        set_writable8(kBar0 + 4 + i, 0xff);
    }
    set16(kSubsystemVendorId, kSubsystemVendor);
    set16(kSubsystemId, kSubsystem);
    set8(kCapabilitiesPointer, kMsixCap);
    set8(kInterruptLine, config_.interrupt_line);
    set_writable8(kInterruptLine, 0xff);
    set8(kInterruptPin, 1);  // INTA#

    // MSI-X (PCI 3.0, 6.8.2): Table Size is N - 1; only Enable and Function Mask are writable.
    set8(kMsixCap, MsixTable::kCapabilityId);
    set8(kMsixCap + 1, kCommonCap);
    set16(kMsixCap + 2, static_cast<uint16_t>(msix_.vectors() - 1));
    set_writable8(kMsixCap + 3, 0xc0);
    set32(kMsixCap + 4, static_cast<uint32_t>(kMsixTableOffset));  // BIR 0
    set32(kMsixCap + 8, static_cast<uint32_t>(kMsixPbaOffset));    // BIR 0

    add_virtio_cap(kCommonCap, kNotifyCap, 16, kCfgCommon, kCommonOffset, kCommonLength);
    add_virtio_cap(kNotifyCap, kIsrCap, 20, kCfgNotify, kNotifyOffset,
                   uint64_t{num_queues_} * kNotifyMultiplier);
    set32(kNotifyCap + 16, kNotifyMultiplier);
    add_virtio_cap(kIsrCap, kDeviceCap, 16, kCfgIsr, kIsrOffset, kIsrLength);
    add_virtio_cap(kDeviceCap, kPciCfgCap, 16, kCfgDevice, kDeviceOffset, kDeviceLength);
    // 4.1.4.9: cap.bar, cap.offset and cap.length are the driver's to write; pci_cfg_data is
    // served by read_config/write_config.
    add_virtio_cap(kPciCfgCap, 0, 20, kCfgPci, 0, 0);
    set_writable8(kPciCfgCap + 4, 0xff);
    for (uint8_t i = 8; i < 16; ++i) set_writable8(kPciCfgCap + i, 0xff);
}

void VirtioPci::add_virtio_cap(uint8_t at, uint8_t next, uint8_t length, uint8_t cfg_type,
                               uint64_t offset, uint64_t bar_length) {
    // struct virtio_pci_cap (4.1.4): vndr, next, len, cfg_type, bar, id, padding[2], offset,
    // length.
    set8(at, kCapVendor);
    set8(at + 1, next);
    set8(at + 2, length);
    set8(at + 3, cfg_type);
    set8(at + 4, 0);  // BAR0
    set32(at + 8, static_cast<uint32_t>(offset));
    set32(at + 12, static_cast<uint32_t>(bar_length));
}

uint32_t VirtioPci::config32(uint8_t offset) {
    uint32_t value = 0;
    for (uint8_t i = 0; i < 4; ++i) {
        value |= uint32_t{PciFunction::read_config(static_cast<uint8_t>(offset + i))} << (8 * i);
    }
    return value;
}

uint64_t VirtioPci::bar_address() {
    return (uint64_t{config32(kBar0 + 4)} << 32) | (config32(kBar0) & ~0xfu);
}

bool VirtioPci::memory_decoding() {
    return config32(kCommand) & kCommandMemory;
}

uint8_t VirtioPci::device_status() {
    std::lock_guard lock(mutex_);
    return status_;
}

// ---- Configuration space ----

uint8_t VirtioPci::read_config(uint8_t offset) {
    if (offset >= kPciCfgData && offset < kPciCfgData + 4) {
        // A read of the window's first byte performs the BAR read (4.1.4.9: "upon detecting
        // driver read access to pci_cfg_data"); PciBus hands a wider read over byte by byte,
        // lowest first, so one driver access makes one BAR access.
        if (offset == kPciCfgData) window_access(false);
        std::lock_guard lock(mutex_);
        return window_data_[offset - kPciCfgData];
    }
    uint8_t value = PciFunction::read_config(offset);
    if (offset == kStatus) {
        // Interrupt Status (PCI 3.0, 6.2.3) is the OR of the ISR bits (4.1.4.5.1).
        std::lock_guard lock(mutex_);
        if (isr_ != 0) value |= kStatusInterrupt;
    }
    return value;
}

void VirtioPci::write_config(uint8_t offset, uint8_t value) {
    if (offset >= kPciCfgData && offset < kPciCfgData + 4) {
        // The BAR write happens once the window's last byte (cap.length) is written.
        const unsigned index = offset - kPciCfgData;
        {
            std::lock_guard lock(mutex_);
            window_data_[index] = value;
        }
        if (index + 1 == config32(kPciCfgCap + 12)) window_access(true);
        return;
    }
    std::lock_guard report(report_mutex_);
    {
        std::lock_guard lock(mutex_);
        PciFunction::write_config(offset, value);
        if (offset == kCommand + 1 || offset == kMsixCap + 3) {
            update_msix_control_locked();
            update_intx_locked();
        }
    }
    const uint64_t address = bar_address();
    const bool decoding = memory_decoding();
    if (address == reported_address_ && decoding == reported_decoding_) return;
    reported_address_ = address;
    reported_decoding_ = decoding;
    if (config_.on_bar_change) config_.on_bar_change(address, decoding);
}

void VirtioPci::window_access(bool is_write) {
    const uint8_t bar = PciFunction::read_config(kPciCfgCap + 4);
    const uint32_t offset = config32(kPciCfgCap + 8);
    const uint32_t length = config32(kPciCfgCap + 12);
    // 4.1.4.9.1: the driver sets a length of 1, 2 or 4 and an aligned offset inside a BAR range;
    // anything else is ignored (a read returns the window unchanged).
    if (bar != 0 || (length != 1 && length != 2 && length != 4) || offset % length != 0 ||
        offset + length > kBarSize) {
        std::lock_guard lock(mutex_);
        log_bad_access_locked("configuration window", offset, length);
        return;
    }
    std::array<uint8_t, 4> bytes{};
    if (is_write) {
        {
            std::lock_guard lock(mutex_);
            bytes = window_data_;
        }
        write(offset, std::span(bytes.data(), length));
    } else {
        read(offset, std::span(bytes.data(), length));
        std::lock_guard lock(mutex_);
        std::copy_n(bytes.begin(), length, window_data_.begin());
    }
}

// ---- The BAR ----

void VirtioPci::read(uint64_t offset, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), 0);
    const uint64_t in_page = offset % kPageSize;
    if (data.empty() || offset >= kBarSize || in_page + data.size() > kPageSize) return;
    switch (offset / kPageSize) {
        case kCommonOffset / kPageSize:
            read_common(in_page, data);
            break;
        case kIsrOffset / kPageSize:
            if (in_page == 0) data[0] = read_isr();
            break;
        case kDeviceOffset / kPageSize: {
            std::lock_guard device(device_mutex_);
            device_->read_config(static_cast<uint32_t>(in_page), data);
            break;
        }
        case kMsixTableOffset / kPageSize: {
            std::lock_guard lock(mutex_);
            msix_.read_table(in_page, data);
            break;
        }
        case kMsixPbaOffset / kPageSize: {
            std::lock_guard lock(mutex_);
            msix_.read_pba(in_page, data);
            break;
        }
        default:
            break;  // the notify area and the unused pages read 0
    }
}

void VirtioPci::write(uint64_t offset, std::span<const uint8_t> data) {
    const uint64_t in_page = offset % kPageSize;
    if (data.empty() || offset >= kBarSize || in_page + data.size() > kPageSize) return;
    switch (offset / kPageSize) {
        case kCommonOffset / kPageSize:
            write_common(in_page, data);
            break;
        case kDeviceOffset / kPageSize: {
            std::lock_guard device(device_mutex_);
            device_->write_config(static_cast<uint32_t>(in_page), data);
            break;
        }
        case kNotifyOffset / kPageSize:
            // The address names the queue (notify_off_multiplier 4); the value (the queue index,
            // 4.1.4.4) is not needed, so an ioeventfd without datamatch can replace this path.
            if (in_page / kNotifyMultiplier < num_queues_) {
                notify(static_cast<uint16_t>(in_page / kNotifyMultiplier));
            }
            break;
        case kMsixTableOffset / kPageSize: {
            std::lock_guard lock(mutex_);
            msix_.write_table(in_page, data);
            break;
        }
        default:
            break;  // the ISR, the PBA and the unused pages are read-only
    }
}

uint8_t VirtioPci::read_isr() {
    // 4.1.4.5.1: reading clears the ISR and deasserts INTx.
    std::lock_guard lock(mutex_);
    const uint8_t value = std::exchange(isr_, 0);
    update_intx_locked();
    return value;
}

void VirtioPci::notify(uint16_t index) {
    std::lock_guard device(device_mutex_);
    {
        std::lock_guard lock(mutex_);
        if (!active_ || (status_ & kStatusDeviceNeedsReset) || !queue_regs_[index].enabled) return;
    }
    device_->notify(index);
}

// ---- Interrupts ----

void VirtioPci::queue_interrupt(uint16_t index) {
    std::lock_guard lock(mutex_);
    if (index >= num_queues_) return;
    if (msix_.enabled()) {
        // 4.1.5.1.2: an event mapped to NO_VECTOR raises nothing.
        if (queue_regs_[index].msix_vector != kNoVector)
            msix_.signal(queue_regs_[index].msix_vector);
        return;
    }
    isr_ |= kIsrQueue;
    update_intx_locked();
}

void VirtioPci::config_interrupt_locked() {
    if (msix_.enabled()) {
        if (config_msix_vector_ != kNoVector) msix_.signal(config_msix_vector_);
        return;
    }
    isr_ |= kIsrConfig;
    update_intx_locked();
}

void VirtioPci::needs_reset_locked(const std::string& why) {
    if (status_ & kStatusDeviceNeedsReset) return;
    status_ |= kStatusDeviceNeedsReset;
    log::error("virtio-pci ({:04x}:{:04x}): {}; the device needs a reset", kVendor,
               kDeviceBase + device_->device_id(), why);
    // 2.1.2: with DRIVER_OK set, the device sends a configuration change notification.
    if (status_ & kStatusDriverOk) config_interrupt_locked();
}

void VirtioPci::update_intx_locked() {
    const bool disabled = config32(kCommand) & kCommandInterruptDisable;
    const bool assert = isr_ != 0 && !msix_.enabled() && !disabled;
    if (assert == intx_asserted_) return;
    intx_asserted_ = assert;
    if (config_.intx) config_.intx(assert);
}

void VirtioPci::update_msix_control_locked() {
    const uint16_t control = static_cast<uint16_t>(config32(kMsixCap) >> 16);
    msix_.set_control(control & MsixTable::kControlEnable,
                      control & MsixTable::kControlFunctionMask);
}

void VirtioPci::log_bad_access_locked(const char* what, uint64_t offset, size_t size) {
    if (std::exchange(logged_bad_access_, true)) return;
    log::verbose(
        "virtio-pci ({:04x}:{:04x}): ignored a bad {} access at {:#x}, {} bytes "
        "(logged once until reset)",
        kVendor, kDeviceBase + device_->device_id(), what, offset, size);
}

}  // namespace svm::virtio
