#include "devices/virtio/virtio_mmio.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/log.h"
#include "core/result.h"
#include "devices/virtio/virtio_mmio_registers.h"

namespace svm::virtio {

using mmio::describe;
using mmio::misuse;

namespace {

// Transport features (6 "Reserved Feature Bits") this transport does not implement, removed from
// what the device offers: packed rings (2.8), VIRTIO_F_NOTIFICATION_DATA (QueueNotify then carries
// more than the index), VIRTIO_F_NOTIF_CONFIG_DATA and VIRTIO_F_RING_RESET (QueueReset, 4.2.2).
constexpr uint64_t kFeatureRingPacked = 1ull << 34;
constexpr uint64_t kFeatureNotificationData = 1ull << 38;
constexpr uint64_t kFeatureNotifConfigData = 1ull << 39;
constexpr uint64_t kFeatureRingReset = 1ull << 40;
constexpr uint64_t kTransportUnsupported =
    kFeatureRingPacked | kFeatureNotificationData | kFeatureNotifConfigData | kFeatureRingReset;

bool is_power_of_two(uint32_t v) {
    return v != 0 && (v & (v - 1)) == 0;
}

}  // namespace

VirtioMmio::VirtioMmio(std::shared_ptr<VirtioDevice> device, GuestMemory& memory, IrqLine irq,
                       std::string name)
    : device_(std::move(device)),
      memory_(memory),
      irq_(std::move(irq)),
      name_(std::move(name)),
      offered_features_(device_->device_features() & ~kTransportUnsupported) {
    // A device that does not offer VERSION_1 could never pass FEATURES_OK: an svm bug.
    SVM_ASSERT((offered_features_ & kFeatureVersion1) != 0);
    queue_config_.resize(device_->num_queues());
    queues_.resize(device_->num_queues());
    for (uint16_t i = 0; i < queue_config_.size(); ++i) {
        queue_config_[i].num = device_->queue_max_size(i);
    }
}

VirtioMmio::~VirtioMmio() {
    // The device may outlive us (shared_ptr): make it drop the context whose callbacks hold `this`.
    std::lock_guard device_lock(device_mutex_);
    device_->reset();
}

void VirtioMmio::set_write_observer(const SplitQueue::WriteObserver& observer) {
    std::lock_guard device_lock(device_mutex_);
    for (SplitQueue& queue : queues_) queue.set_write_observer(observer);
}

size_t VirtioMmio::warnings_logged() const {
    std::lock_guard lock(mutex_);
    return warned_.count();
}

void VirtioMmio::warn_once(uint64_t offset, const std::string& what) {
    warn_bit(offset >= kConfigOffset ? kConfigWarning : offset / 4, what);
}

void VirtioMmio::warn_bit(size_t bit, const std::string& what) {
    if (warned_[bit]) return;
    warned_[bit] = true;
    log::info("{}: {} (logged once)", name_, what);
}

void VirtioMmio::read(uint64_t offset, std::span<uint8_t> data) {
    std::fill(data.begin(), data.end(), 0);
    std::lock_guard lock(mutex_);
    if (offset >= kConfigOffset) {
        // 4.2.2: the configuration space takes accesses of its fields' widths; svm accepts any
        // width and the device returns 0 past its layout.
        device_->read_config(static_cast<uint32_t>(offset - kConfigOffset), data);
        return;
    }
    if (data.size() != 4 || offset % 4 != 0) {
        warn_once(offset, fmt::format("{}-byte read of {} ignored: control registers take aligned "
                                      "32-bit accesses (4.2.2.2)",
                                      data.size(), describe(offset)));
        return;
    }
    if (const char* why = misuse(offset, false)) {
        warn_once(offset, fmt::format("read of {} returns 0: {}", describe(offset), why));
        return;
    }
    const uint32_t value = read_register(offset);
    std::memcpy(data.data(), &value, sizeof(value));
}

void VirtioMmio::write(uint64_t offset, std::span<const uint8_t> data) {
    std::lock_guard device_lock(device_mutex_);
    if (offset >= kConfigOffset) {
        std::lock_guard lock(mutex_);  // serialised with read_config()
        device_->write_config(static_cast<uint32_t>(offset - kConfigOffset), data);
        return;
    }
    uint32_t value = 0;
    std::memcpy(&value, data.data(), std::min(data.size(), sizeof(value)));
    {
        std::lock_guard lock(mutex_);
        const char* why = data.size() != 4 || offset % 4 != 0
                              ? "control registers take aligned 32-bit accesses (4.2.2.2)"
                              : misuse(offset, true);
        if (why) {
            warn_once(offset, fmt::format("{}-byte write of {:#x} to {} ignored: {}", data.size(),
                                          value, describe(offset), why));
            return;
        }
        if (offset != kQueueNotifyOffset && offset != kStatusOffset &&
            offset != kQueueReadyOffset) {
            return write_register(offset, value);
        }
    }
    // These three call into the device, which must happen outside mutex_.
    if (offset == kQueueNotifyOffset) return notify_locked(value);
    if (offset == kQueueReadyOffset) return write_queue_ready(value);
    write_status(value);
}

uint32_t VirtioMmio::read_register(uint64_t offset) {
    switch (offset) {
        case kMagicValueOffset:
            return kMagic;
        case kVersionOffset:
            return kVersion;
        case kDeviceIdOffset:
            return device_->device_id();
        case kVendorIdOffset:
            return kVendorId;
        case kDeviceFeaturesOffset:
            // 4.2.2: bits 32 * DeviceFeaturesSel and up; selections past 1 read 0.
            if (device_features_sel_ > 1) return 0;
            return static_cast<uint32_t>(offered_features_ >> (32 * device_features_sel_));
        case kQueueNumMaxOffset:
            // 4.2.2: 0 when the selected queue is not available.
            return selected_queue() ? device_->queue_max_size(static_cast<uint16_t>(queue_sel_))
                                    : 0;
        case kQueueReadyOffset: {
            const QueueConfig* queue = selected_queue();
            return queue && queue->ready ? 1 : 0;
        }
        case kInterruptStatusOffset:
            return interrupt_status_;
        case kStatusOffset:
            return status_;
        case kShmLenLowOffset:
        case kShmLenHighOffset:
        case kShmBaseLowOffset:
        case kShmBaseHighOffset:
            // 4.2.2: svm's devices have no shared memory regions, whatever SHMSel says; an absent
            // region has length ~0 (and svm reports its base as ~0 too).
            return ~0u;
        case kQueueResetOffset:
            return 0;  // VIRTIO_F_RING_RESET is not offered: no queue reset is ever in progress
        case kConfigGenerationOffset:
            return config_generation_;
        default:
            return 0;  // misuse() let only readable registers through
    }
}

VirtioMmio::QueueConfig* VirtioMmio::selected_queue() {
    return queue_sel_ < queue_config_.size() ? &queue_config_[queue_sel_] : nullptr;
}

VirtioMmio::QueueConfig* VirtioMmio::writable_queue(uint64_t offset) {
    QueueConfig* queue = selected_queue();
    if (!queue) {
        warn_once(offset, fmt::format("write to {} ignored: QueueSel {} is not a queue",
                                      describe(offset), queue_sel_));
        return nullptr;
    }
    if (queue->ready) {
        warn_once(offset, fmt::format("write to {} ignored: queue {} is ready; write 0 to "
                                      "QueueReady first (4.2.3.2)",
                                      describe(offset), queue_sel_));
        return nullptr;
    }
    return queue;
}

void VirtioMmio::write_register(uint64_t offset, uint32_t value) {
    auto set_half = [](uint64_t& field, bool high, uint32_t v) {
        const unsigned shift = high ? 32 : 0;
        field = (field & ~(0xffffffffull << shift)) | (uint64_t{v} << shift);
    };
    QueueConfig* queue = nullptr;
    switch (offset) {
        case kDeviceFeaturesSelOffset:
            device_features_sel_ = value;
            return;
        case kDriverFeaturesOffset:
            if (status_ & kStatusFeaturesOk) {
                return warn_once(offset,
                                 "DriverFeatures written after FEATURES_OK ignored (3.1.1)");
            }
            if (driver_features_sel_ <= 1) {
                set_half(driver_features_, driver_features_sel_ == 1, value);
            } else if (value != 0) {
                driver_features_beyond_64_ = true;  // never offered: FEATURES_OK will be refused
            }
            return;
        case kDriverFeaturesSelOffset:
            driver_features_sel_ = value;
            return;
        case kQueueSelOffset:
            queue_sel_ = value;  // an absent queue reads QueueNumMax 0 (4.2.3.2 step 2)
            return;
        case kQueueNumOffset:
            if ((queue = writable_queue(offset))) {
                const uint32_t max = device_->queue_max_size(static_cast<uint16_t>(queue_sel_));
                if (value > max || !is_power_of_two(value)) {
                    // Kept: DRIVER_OK then fails with DEVICE_NEEDS_RESET, which the driver can see.
                    warn_once(offset,
                              fmt::format("QueueNum {} for queue {} is not a power of 2 of at "
                                          "most QueueNumMax {} (2.7, 4.2.2)",
                                          value, queue_sel_, max));
                }
                queue->num = value;
            }
            return;
        case kInterruptAckOffset:
            interrupt_status_ &= ~value;
            return update_line();
        case kQueueDescLowOffset:
        case kQueueDescHighOffset:
            if ((queue = writable_queue(offset))) {
                set_half(queue->desc, offset == kQueueDescHighOffset, value);
            }
            return;
        case kQueueDriverLowOffset:
        case kQueueDriverHighOffset:
            if ((queue = writable_queue(offset))) {
                set_half(queue->driver, offset == kQueueDriverHighOffset, value);
            }
            return;
        case kQueueDeviceLowOffset:
        case kQueueDeviceHighOffset:
            if ((queue = writable_queue(offset))) {
                set_half(queue->device, offset == kQueueDeviceHighOffset, value);
            }
            return;
        case kShmSelOffset:
            shm_sel_ = value;  // every region reads as absent
            return;
        case kQueueResetOffset:
            return warn_once(offset,
                             "QueueReset write ignored: VIRTIO_F_RING_RESET is not offered");
        default:
            return;  // misuse() let only writable registers through
    }
}

void VirtioMmio::write_queue_ready(uint32_t value) {
    // A queue taken down or brought up while the device runs may be in use by one of the
    // device's own threads (virtio-net's receive thread): the device holds them off.
    device_->change_queues([&] {
        std::lock_guard lock(mutex_);
        change_queue_ready(value);
    });
}

void VirtioMmio::change_queue_ready(uint32_t value) {
    QueueConfig* queue = selected_queue();
    if (!queue) {
        warn_once(kQueueReadyOffset,
                  fmt::format("QueueReady write ignored: QueueSel {} is not a queue", queue_sel_));
        return;
    }
    const auto index = static_cast<uint16_t>(queue_sel_);
    if (value == 0) {
        // Linux's del_vq writes 0 and reads it back. notify() runs only under device_mutex_,
        // which the caller holds, and the device's own threads are held off (change_queues).
        queue->ready = false;
        queues_[index].reset();
        return;
    }
    if (value != 1) {
        warn_once(kQueueReadyOffset, fmt::format("QueueReady write of {:#x} ignored: 0 or 1 "
                                                 "(4.2.2)",
                                                 value));
        return;
    }
    if (queue->ready) return;
    queue->ready = true;
    // 3.1.1 sets queues up before DRIVER_OK; one made ready later goes live at once.
    if (active_) enable_queue(index);
}

bool VirtioMmio::features_acceptable() {
    return (driver_features_ & ~offered_features_) == 0 && !driver_features_beyond_64_ &&
           (driver_features_ & kFeatureVersion1) != 0;
}

bool VirtioMmio::enable_queue(uint16_t index) {
    const QueueConfig& config = queue_config_[index];
    if (config.num > device_->queue_max_size(index)) {
        set_needs_reset(fmt::format("queue {}: QueueNum {} is above QueueNumMax {}", index,
                                    config.num, device_->queue_max_size(index)));
        return false;
    }
    QueueLayout layout;
    layout.size = static_cast<uint16_t>(config.num);
    layout.desc = config.desc;
    layout.avail = config.driver;
    layout.used = config.device;
    auto enabled =
        queues_[index].enable(memory_, layout, (driver_features_ & kFeatureEventIdx) != 0,
                              (driver_features_ & kFeatureIndirectDesc) != 0);
    if (!enabled) {
        set_needs_reset(fmt::format("queue {}: {}", index, enabled.error().message));
        return false;
    }
    return true;
}

void VirtioMmio::write_status(uint32_t value) {
    if (value == 0) return reset_device();
    DeviceContext context;
    {
        std::lock_guard lock(mutex_);
        if (value > 0xff) {
            warn_once(kStatusOffset,
                      fmt::format("Status write of {:#x} ignored: 8 bits (2.1)", value));
            return;
        }
        // DEVICE_NEEDS_RESET belongs to the device; a driver writing back what it read keeps it.
        const uint8_t current = status_ & ~kStatusDeviceNeedsReset;
        uint8_t next = static_cast<uint8_t>(value) & ~kStatusDeviceNeedsReset;
        if ((current & ~next) != 0) {
            warn_once(kStatusOffset,
                      fmt::format("Status write of {:#x} over {:#x} ignored: bits are cleared only "
                                  "by writing 0 (2.1.2)",
                                  value, status_));
            return;
        }
        const uint8_t added = next & ~current;
        if ((added & kStatusFeaturesOk) && !features_acceptable()) {
            // 2.2.1, 3.1.1 step 6: FEATURES_OK does not stick; the driver reads it back.
            warn_bit(
                kFeaturesWarning,
                fmt::format("FEATURES_OK refused: driver features {:#x}{} are not a subset "
                            "of the offered {:#x} with VERSION_1 (2.2.1)",
                            driver_features_, driver_features_beyond_64_ ? " (and bits >= 64)" : "",
                            offered_features_));
            next &= ~kStatusFeaturesOk;
        }
        if ((added & kStatusDriverOk) && !(next & kStatusFeaturesOk)) {
            warn_once(kStatusOffset, "DRIVER_OK without FEATURES_OK ignored (3.1.1)");
            next &= ~kStatusDriverOk;
        }
        status_ = next | (status_ & kStatusDeviceNeedsReset);
        if (!(next & kStatusDriverOk) || !(added & kStatusDriverOk)) return;
        // 3.1.1 step 8: the device is live. Every ready queue goes live with the negotiated ring
        // features; one that cannot sets DEVICE_NEEDS_RESET and the device is not started.
        bool ok = true;
        for (uint16_t i = 0; i < queue_config_.size(); ++i) {
            if (queue_config_[i].ready && !enable_queue(i)) ok = false;
        }
        if (!ok) return;
        const uint64_t epoch = epoch_;
        context.memory = &memory_;
        context.queues = queues_;
        context.features = driver_features_;
        context.interrupt = [this, epoch](uint16_t) {
            std::lock_guard callback_lock(mutex_);
            if (epoch == epoch_) raise_interrupt(kInterruptUsedBuffer);
        };
        context.needs_reset = [this, epoch](const std::string& why) {
            std::lock_guard callback_lock(mutex_);
            if (epoch == epoch_) set_needs_reset(why);
        };
    }
    // Outside mutex_: the device may call its callbacks from activate().
    auto activated = device_->activate(context);
    std::lock_guard lock(mutex_);
    if (!activated) return set_needs_reset(activated.error().message);
    active_ = true;
}

void VirtioMmio::reset_device() {
    // The device first stops and finishes what it started (its callbacks may still fire), then
    // the transport forgets everything (4.2.2.1: InterruptStatus and every QueueReady read 0).
    device_->reset();
    std::lock_guard lock(mutex_);
    ++epoch_;
    status_ = 0;
    interrupt_status_ = 0;
    device_features_sel_ = 0;
    driver_features_sel_ = 0;
    driver_features_ = 0;
    driver_features_beyond_64_ = false;
    queue_sel_ = 0;
    shm_sel_ = 0;
    active_ = false;
    needs_reset_ = false;
    for (uint16_t i = 0; i < queues_.size(); ++i) {
        queues_[i].reset();
        queue_config_[i] = QueueConfig{};
        queue_config_[i].num = device_->queue_max_size(i);
    }
    update_line();
}

void VirtioMmio::set_needs_reset(const std::string& why) {
    if (needs_reset_) return;
    needs_reset_ = true;
    status_ |= kStatusDeviceNeedsReset;
    log::info("{}: DEVICE_NEEDS_RESET: {}", name_, why);
    // 2.1.2: with DRIVER_OK set, the driver learns of it through a configuration change.
    if (status_ & kStatusDriverOk) raise_interrupt(kInterruptConfigChange);
}

void VirtioMmio::raise_interrupt(uint32_t bits) {
    interrupt_status_ |= bits;
    update_line();
}

void VirtioMmio::update_line() {
    // The line is level: asserted while any InterruptStatus bit is set (4.2.2.1).
    const bool level = interrupt_status_ != 0;
    if (level == line_) return;
    line_ = level;
    if (irq_) irq_(level);
}

void VirtioMmio::notify_queue(uint32_t index) {
    std::lock_guard device_lock(device_mutex_);
    notify_locked(index);
}

void VirtioMmio::notify_locked(uint32_t index) {
    {
        std::lock_guard lock(mutex_);
        if (!active_) {
            warn_once(kQueueNotifyOffset,
                      fmt::format("QueueNotify {} ignored: the device is not live (no "
                                  "DRIVER_OK, or starting it failed)",
                                  index));
            return;
        }
        if (index >= queues_.size() || !queues_[index].enabled()) {
            warn_once(kQueueNotifyOffset,
                      fmt::format("QueueNotify {} ignored: no such ready queue", index));
            return;
        }
    }
    // Outside mutex_: the device calls its interrupt callback from notify().
    device_->notify(static_cast<uint16_t>(index));
}

}  // namespace svm::virtio
