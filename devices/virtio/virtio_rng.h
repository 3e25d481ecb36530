// virtio-rng (OASIS virtio 1.2, 5.4 "Entropy Device"): one queue of device-writable buffers that
// the device fills with random bytes from the host's getrandom(2).
#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "devices/virtio/virtio_device.h"

namespace svm::virtio {

class VirtioRng final : public VirtioDevice {
public:
    static constexpr uint16_t kQueueSize = 256;
    // 5.4.6.1: the device MAY use less than a buffer's length; each chain gets at most this many
    // bytes so one request cannot hold the I/O thread for long.
    static constexpr uint32_t kMaxBytesPerRequest = 64 * 1024;

    // Fills its argument with random bytes; returns false if it cannot. The default reads
    // getrandom(2); tests substitute a pattern or a failure.
    using Source = std::function<bool(std::span<uint8_t>)>;

    VirtioRng();
    explicit VirtioRng(Source source) : source_(std::move(source)) {}

    // ^VirtioDevice
    uint32_t device_id() const override { return kDeviceEntropy; }
    uint64_t device_features() const override {
        return kFeatureVersion1 | kFeatureIndirectDesc | kFeatureEventIdx;
    }
    uint16_t num_queues() const override { return 1; }
    uint16_t queue_max_size(uint16_t) const override { return kQueueSize; }
    // 5.4.4: no configuration space; every byte reads 0.
    void read_config(uint32_t offset, std::span<uint8_t> out) const override;
    Result<void> activate(const DeviceContext& context) override;
    void notify(uint16_t index) override;
    void reset() override;

private:
    // Fills one chain's writable buffers; returns the bytes written (0 if the source failed).
    uint32_t fill(const Chain& chain);

    Source source_;
    Activation activation_;
};

}  // namespace svm::virtio
