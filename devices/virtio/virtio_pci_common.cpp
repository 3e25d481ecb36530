// virtio-pci's common configuration structure and the device status machine (OASIS virtio 1.2,
// 4.1.4.3 "Common configuration structure layout", 3.1.1 "Driver Requirements: Device
// Initialization", 2.1 "Device Status Field"). Part of VirtioPci, kept apart from the PCI side
// (virtio_pci.cpp) so each file holds one concept.

#include "core/log.h"
#include "devices/virtio/virtio_pci.h"

namespace svm::virtio {
namespace {

template <size_t N>
void put(std::array<uint8_t, N>& out, uint64_t offset, unsigned size, uint64_t value) {
    for (unsigned i = 0; i < size; ++i) out[offset + i] = static_cast<uint8_t>(value >> (8 * i));
}

// Sets the low or high half of a 64-bit register (4.1.3.1: "for 64-bit fields, the driver MAY
// access each of the high and low 32-bit parts of the field independently").
void set_part(uint64_t& field, uint64_t at, unsigned size, uint64_t value) {
    if (size == 8 && at == 0) {
        field = value;
    } else if (size == 4 && at == 0) {
        field = (field & ~0xffffffffull) | (value & 0xffffffffull);
    } else if (size == 4 && at == 4) {
        field = (field & 0xffffffffull) | (value << 32);
    }
}

}  // namespace

void VirtioPci::read_common(uint64_t offset, std::span<uint8_t> data) {
    // Reads have no effect here, so any width is served from a snapshot of the structure.
    std::array<uint8_t, kCommonLength> s{};
    {
        std::lock_guard lock(mutex_);
        auto half = [](uint64_t v, uint32_t select) -> uint32_t {
            return select == 0   ? static_cast<uint32_t>(v)
                   : select == 1 ? static_cast<uint32_t>(v >> 32)
                                 : 0;
        };
        put(s, kDeviceFeatureSelect, 4, device_feature_select_);
        put(s, kDeviceFeature, 4, half(offered_features_, device_feature_select_));
        put(s, kDriverFeatureSelect, 4, driver_feature_select_);
        put(s, kDriverFeature, 4, half(driver_features_, driver_feature_select_));
        put(s, kConfigMsixVector, 2, config_msix_vector_);
        put(s, kNumQueues, 2, num_queues_);
        put(s, kDeviceStatus, 1, status_);
        // config_generation stays 0: no svm device changes its configuration on its own yet.
        put(s, kConfigGeneration, 1, 0);
        put(s, kQueueSelect, 2, queue_select_);
        // 4.1.4.3.1: a queue_select past the last queue reads queue_size 0 ("unavailable").
        if (queue_select_ < num_queues_) {
            const QueueRegs& q = queue_regs_[queue_select_];
            put(s, kQueueSize, 2, q.size);
            put(s, kQueueMsixVector, 2, q.msix_vector);
            put(s, kQueueEnable, 2, q.enabled ? 1 : 0);
            put(s, kQueueNotifyOff, 2, queue_select_);  // notify at notify_address(queue)
            put(s, kQueueDesc, 8, q.desc);
            put(s, kQueueDriver, 8, q.driver);
            put(s, kQueueDevice, 8, q.device);
            put(s, kQueueNotifyData, 2, queue_select_);
            put(s, kQueueReset, 2, 0);
        }
    }
    for (size_t i = 0; i < data.size(); ++i) {
        data[i] = offset + i < s.size() ? s[offset + i] : 0;
    }
}

void VirtioPci::write_common(uint64_t offset, std::span<const uint8_t> data) {
    uint64_t value = 0;
    for (size_t i = 0; i < data.size() && i < 8; ++i) value |= uint64_t{data[i]} << (8 * i);
    // device_mutex_ is held across the write so a reset or an activation it causes completes
    // before any other write or notification, and device_status reads its old value until then
    // (4.1.4.3.2: the driver waits for device_status to read 0 after writing 0).
    std::lock_guard device(device_mutex_);
    StatusAction action;
    {
        std::lock_guard lock(mutex_);
        action = write_common_locked(offset, static_cast<unsigned>(data.size()), value);
    }
    finish_status(action);
}

VirtioPci::StatusAction VirtioPci::write_common_locked(uint64_t offset, unsigned size,
                                                       uint64_t value) {
    // 4.1.3.1: the driver accesses each field with its natural width; anything else is dropped.
    auto bad = [&] {
        log_bad_access_locked("common configuration", offset, size);
        return StatusAction::None;
    };
    const auto v32 = static_cast<uint32_t>(value);
    const auto v16 = static_cast<uint16_t>(value);
    switch (offset) {
        case kDeviceFeatureSelect:
            if (size != 4) return bad();
            device_feature_select_ = v32;
            return StatusAction::None;
        case kDriverFeatureSelect:
            if (size != 4) return bad();
            driver_feature_select_ = v32;
            return StatusAction::None;
        case kDriverFeature:
            // Frozen once FEATURES_OK is set (3.1.1 step 5); select 2 and above hold no bits.
            if (size != 4 || (status_ & kStatusFeaturesOk) || driver_feature_select_ > 1)
                return bad();
            if (driver_feature_select_ == 0) {
                driver_features_ = (driver_features_ & ~0xffffffffull) | v32;
            } else {
                driver_features_ = (driver_features_ & 0xffffffffull) | (uint64_t{v32} << 32);
            }
            return StatusAction::None;
        case kConfigMsixVector:
            if (size != 2) return bad();
            // 4.1.5.1.2.1: a vector the table does not have reads back NO_VECTOR (a failed
            // mapping).
            config_msix_vector_ = v16 < msix_.vectors() ? v16 : kNoVector;
            return StatusAction::None;
        case kDeviceStatus:
            if (size != 1) return bad();
            return write_status_locked(static_cast<uint8_t>(value));
        case kQueueSelect:
            if (size != 2) return bad();
            queue_select_ = v16;
            return StatusAction::None;
        default:
            break;
    }

    // The per-queue fields; a queue_select past the last queue makes them read-only.
    if (offset < kQueueSize || offset >= kCommonLength || queue_select_ >= num_queues_) {
        return bad();
    }
    QueueRegs& q = queue_regs_[queue_select_];
    if (offset == kQueueMsixVector) {
        if (size != 2) return bad();
        q.msix_vector = v16 < msix_.vectors() ? v16 : kNoVector;
        return StatusAction::None;
    }
    // 4.1.4.3.2: the driver configures a queue before enabling it and never disables it (no
    // VIRTIO_F_RING_RESET is offered, so queue_reset is read-only 0); after queue_enable or
    // DRIVER_OK the layout is fixed.
    if (q.enabled || (status_ & kStatusDriverOk)) return bad();
    switch (offset) {
        case kQueueSize:
            // The driver may shrink the queue; SplitQueue::enable rejects a size that is not a
            // power of 2 at DRIVER_OK (then DEVICE_NEEDS_RESET).
            if (size != 2 || v16 == 0 || v16 > max_sizes_[queue_select_]) return bad();
            q.size = v16;
            return StatusAction::None;
        case kQueueEnable:
            if (size != 2 || v16 != 1) return bad();
            q.enabled = true;
            return StatusAction::None;
        case kQueueDesc:
        case kQueueDesc + 4:
            set_part(q.desc, offset - kQueueDesc, size, value);
            break;
        case kQueueDriver:
        case kQueueDriver + 4:
            set_part(q.driver, offset - kQueueDriver, size, value);
            break;
        case kQueueDevice:
        case kQueueDevice + 4:
            set_part(q.device, offset - kQueueDevice, size, value);
            break;
        default:
            return bad();  // queue_notify_off, queue_notify_data, queue_reset: read-only
    }
    if (size != 4 && size != 8) return bad();
    return StatusAction::None;
}

VirtioPci::StatusAction VirtioPci::write_status_locked(uint8_t value) {
    if (value == 0) return StatusAction::Reset;  // 4.1.4.3.1: writing 0 resets the device
    // DEVICE_NEEDS_RESET is the device's bit (2.1.1); the driver only adds bits (3.1.1), so a
    // write that clears one is ignored.
    uint8_t next = static_cast<uint8_t>((value & ~kStatusDeviceNeedsReset) |
                                        (status_ & kStatusDeviceNeedsReset));
    if (status_ & ~next) {
        log_bad_access_locked("device_status (a bit cleared)", kDeviceStatus, 1);
        return StatusAction::None;
    }
    const uint8_t added = next & ~status_;
    if (added & kStatusFeaturesOk) {
        // 3.1.1 step 5/6 and 2.2.1: FEATURES_OK only for a subset of the offered features, and a
        // modern device requires VIRTIO_F_VERSION_1 (6.1); otherwise the bit stays clear.
        if ((driver_features_ & ~offered_features_) || !(driver_features_ & kFeatureVersion1)) {
            log::verbose("virtio-pci ({:04x}:{:04x}): refused features {:#x} (offered {:#x})",
                         kVendor, kDeviceBase + device_->device_id(), driver_features_,
                         offered_features_);
            next &= static_cast<uint8_t>(~kStatusFeaturesOk);
        }
    }
    if ((added & kStatusDriverOk) && !(next & kStatusFeaturesOk)) {
        next &= static_cast<uint8_t>(~kStatusDriverOk);  // DRIVER_OK needs negotiated features
    }
    if ((next & kStatusDriverOk) && !(status_ & kStatusDriverOk)) {
        // DRIVER_OK is published by finish_status once the queues and the device are live.
        status_ = next & static_cast<uint8_t>(~kStatusDriverOk);
        return StatusAction::Activate;
    }
    status_ = next;
    return StatusAction::None;
}

void VirtioPci::finish_status(StatusAction action) {
    // device_mutex_ held, mutex_ not: the device may call interrupt/needs_reset from here.
    if (action == StatusAction::Reset) {
        device_->reset();
        for (SplitQueue& queue : queues_) queue.reset();
        std::lock_guard lock(mutex_);
        reset_registers_locked();
        return;
    }
    if (action != StatusAction::Activate) return;

    std::vector<QueueLayout> layouts(num_queues_);
    std::vector<bool> enabled(num_queues_);
    uint64_t features;
    {
        std::lock_guard lock(mutex_);
        for (uint16_t i = 0; i < num_queues_; ++i) {
            const QueueRegs& q = queue_regs_[i];
            layouts[i] = QueueLayout{q.size, q.desc, q.driver, q.device};
            enabled[i] = q.enabled;
        }
        features = driver_features_;
    }
    // 3.1.1 step 8: the queues the driver enabled go live, then the device.
    std::string failure;
    for (uint16_t i = 0; i < num_queues_ && failure.empty(); ++i) {
        if (!enabled[i]) continue;
        auto live = queues_[i].enable(memory_, layouts[i], (features & kFeatureEventIdx) != 0,
                                      (features & kFeatureIndirectDesc) != 0);
        if (!live) failure = fmt::format("queue {}: {}", i, live.error().message);
    }
    if (failure.empty()) {
        DeviceContext context;
        context.memory = &memory_;
        context.queues = queues_;
        context.features = features;
        context.interrupt = [this](uint16_t index) { queue_interrupt(index); };
        context.needs_reset = [this](const std::string& why) {
            std::lock_guard lock(mutex_);
            needs_reset_locked(why);
        };
        auto activated = device_->activate(context);
        if (!activated) failure = activated.error().message;
    }
    std::lock_guard lock(mutex_);
    status_ |= kStatusDriverOk;
    if (failure.empty()) {
        active_ = true;
    } else {
        needs_reset_locked(failure);
    }
}

void VirtioPci::reset_registers_locked() {
    // 4.1.4.3.1 and 4.1.5.1.2.1: after reset, queues are disabled at their maximum size and
    // every event is unmapped (NO_VECTOR). The MSI-X table belongs to PCI and is kept.
    device_feature_select_ = 0;
    driver_feature_select_ = 0;
    driver_features_ = 0;
    config_msix_vector_ = kNoVector;
    status_ = 0;
    queue_select_ = 0;
    for (uint16_t i = 0; i < num_queues_; ++i) queue_regs_[i] = QueueRegs{max_sizes_[i]};
    active_ = false;
    isr_ = 0;
    logged_bad_access_ = false;
    update_intx_locked();
}

}  // namespace svm::virtio
