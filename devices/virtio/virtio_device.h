// A virtio device model, independent of its transport (OASIS virtio 1.2, 2 "Basic Facilities of
// a Virtio Device", 5 "Device Types"). A transport (virtio-pci 4.1, virtio-mmio 4.2) owns the
// device status, feature negotiation, the queues' layouts and the interrupts; it calls the device
// when the driver has finished negotiating, when the driver notifies a queue, and on reset.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "core/guest_memory.h"
#include "core/result.h"
#include "devices/virtio/virtqueue.h"

namespace svm::virtio {

// Feature bits every svm device may offer (6 "Reserved Feature Bits").
constexpr uint64_t kFeatureIndirectDesc = 1ull << 28;  // VIRTIO_F_INDIRECT_DESC
constexpr uint64_t kFeatureEventIdx = 1ull << 29;      // VIRTIO_F_RING_EVENT_IDX
constexpr uint64_t kFeatureVersion1 = 1ull << 32;      // VIRTIO_F_VERSION_1

// Device status bits (2.1 "Device Status Field").
constexpr uint8_t kStatusAcknowledge = 1;
constexpr uint8_t kStatusDriver = 2;
constexpr uint8_t kStatusDriverOk = 4;
constexpr uint8_t kStatusFeaturesOk = 8;
constexpr uint8_t kStatusDeviceNeedsReset = 64;
constexpr uint8_t kStatusFailed = 128;

// Device IDs (5 "Device Types").
constexpr uint32_t kDeviceNet = 1;
constexpr uint32_t kDeviceBlock = 2;
constexpr uint32_t kDeviceEntropy = 4;

// What a device gets from its transport once the driver set DRIVER_OK (3.1.1 step 8).
struct DeviceContext {
    GuestMemory* memory = nullptr;
    std::span<SplitQueue> queues;  // one per queue, enabled or not (the driver may leave some off)
    uint64_t features = 0;         // the negotiated features
    // Raises the used-buffer notification of queue `index` (2.3 "Notifications"): the transport
    // picks INTx, an MSI-X vector or an irqfd. Call after SplitQueue::should_interrupt().
    std::function<void(uint16_t index)> interrupt;
    // The device hit a malformed ring or request it cannot continue after: the transport sets
    // DEVICE_NEEDS_RESET and sends a configuration change notification (2.1.2). `why` is logged
    // once per reset.
    std::function<void(const std::string& why)> needs_reset;
};

// What a device model keeps from activate() to reset(): the transport's context, and whether the
// device failed (it called needs_reset, 2.1.2, and ignores notifications until reset()).
class Activation {
public:
    // Keeps `context` if it has guest memory and at least `queues` queues; else returns an error
    // naming `name` (the device, e.g. "virtio-blk FILE"), which also prefixes fail()'s message.
    Result<void> activate(const DeviceContext& context, size_t queues, std::string name);
    // Forgets the context (device reset).
    void reset() { *this = Activation{}; }
    // Asks the transport for DEVICE_NEEDS_RESET with `why`, once until reset().
    void fail(const std::string& why);
    // True between a successful activate() and reset() or fail().
    bool running() const { return active_ && !failed_; }
    const DeviceContext& context() const { return context_; }
    GuestMemory& memory() const { return *context_.memory; }
    SplitQueue& queue(size_t index) const { return context_.queues[index]; }
    bool negotiated(uint64_t feature) const { return (context_.features & feature) != 0; }
    // Passes every chain queue `index` has to `handle` (which returns false to stop, having
    // failed the device), with notifications off while draining and one more look once they are
    // back on (2.7.10), then raises the used-buffer notification if the driver wants one. A
    // malformed ring fails the device. Does nothing unless running() and the queue is enabled.
    void drain(uint16_t index, const std::function<bool(Chain)>& handle);

private:
    DeviceContext context_;
    std::string name_;
    bool active_ = false;
    bool failed_ = false;
};

class VirtioDevice {
public:
    virtual ~VirtioDevice() = default;

    virtual uint32_t device_id() const = 0;
    // The features the device offers (device-specific bits and kFeature*).
    virtual uint64_t device_features() const = 0;
    virtual uint16_t num_queues() const = 0;
    // The largest size queue `index` may have (the transport reports it; the driver may use less).
    virtual uint16_t queue_max_size(uint16_t index) const = 0;

    // The device-specific configuration space (5.x.4 "Device configuration layout"), little-endian:
    // copies the bytes at [offset, offset + out.size()) into `out`; bytes past the end read 0.
    virtual void read_config(uint32_t offset, std::span<uint8_t> out) const = 0;
    // A driver write into the configuration space; ignored where the layout is read-only.
    virtual void write_config(uint32_t offset, std::span<const uint8_t> in) {
        (void)offset, (void)in;
    }

    // The driver set DRIVER_OK with `context.features` (a subset of device_features(), which the
    // transport checked). Returns an error if the device cannot run with them (the transport then
    // refuses FEATURES_OK or sets DEVICE_NEEDS_RESET).
    virtual Result<void> activate(const DeviceContext& context) = 0;
    // The driver notified queue `index` (2.9 "Driver Notifications"); called on the transport's
    // I/O thread, never concurrently with itself, activate() or reset().
    virtual void notify(uint16_t index) = 0;
    // The transport is about to take a queue down or bring one up while the device may be
    // running (a virtio-mmio driver writing QueueReady, 4.2.3.2): runs `change` with the device's
    // own threads (a back-end's receive thread) kept off the queues, and forgets what it held
    // from a queue that is no longer enabled. Called like notify(); `change` takes the
    // transport's register lock. The default runs `change` directly: right for devices that use
    // their queues only in notify().
    virtual void change_queues(const std::function<void()>& change) { change(); }
    // Device reset (2.1.2, 4.1.4.3.1 device_status = 0): stop using the context, finish or drop
    // requests in flight (a block device completes writes it started), forget negotiated state.
    virtual void reset() = 0;
};

}  // namespace svm::virtio
