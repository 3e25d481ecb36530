// A virtio-pci function on a PciBus with its interrupts recorded, and a driver's view of it:
// configuration cycles through the bus (byte by byte, as configuration mechanism #1 delivers
// them), BAR accesses at offsets (as the MMIO bus delivers them), and the initialisation sequence
// of virtio 1.2, 3.1.1 through the common configuration structure (4.1.4.3).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "devices/legacy/pci_bus.h"
#include "devices/virtio/virtio_pci.h"
#include "tests/unit/virtio/test_driver.h"

namespace svm::virtio::test {

using Pci = VirtioPci;

struct Msi {
    uint64_t address;
    uint32_t data;
    bool operator==(const Msi&) const = default;
};

class VirtioPciHarness {
public:
    static constexpr uint64_t kRam = 4ull << 20;
    static constexpr uint64_t kBarBase = 0xfebf0000;  // a multiple of the BAR size
    static constexpr uint16_t kQueueEntries = 16;

    VirtioPciHarness() : memory_(GuestMemory::create(kRam).value()) {}

    void attach(std::shared_ptr<VirtioDevice> device) {
        VirtioPciConfig config;
        config.bar_address = kBarBase;
        config.on_bar_change = [this](uint64_t address, bool decoding) {
            std::lock_guard lock(mutex_);
            bar_moves_.emplace_back(address, decoding);
        };
        config.msi = [this](uint64_t address, uint32_t data) {
            std::lock_guard lock(mutex_);
            msis_.push_back({address, data});
        };
        config.intx = [this](bool asserted) {
            std::lock_guard lock(mutex_);
            ASSERT_NE(asserted, intx_) << "INTx reported without a level change";
            intx_ = asserted;
        };
        auto created = Pci::create(std::move(device), memory_, std::move(config));
        ASSERT_TRUE(created) << created.error().message;
        pci_ = *created;
        ASSERT_TRUE(bus_.add(0, 3, 0, pci_));
    }

    // Configuration space through the bus.
    uint32_t cfg(unsigned offset, unsigned size = 4) {
        uint8_t bytes[4] = {};
        bus_.read(0, 3, 0, offset, std::span(bytes, size));
        uint32_t v = 0;
        for (unsigned i = 0; i < size; ++i) v |= uint32_t{bytes[i]} << (8 * i);
        return v;
    }
    void set_cfg(unsigned offset, uint32_t value, unsigned size = 4) {
        uint8_t bytes[4];
        for (unsigned i = 0; i < 4; ++i) bytes[i] = static_cast<uint8_t>(value >> (8 * i));
        bus_.write(0, 3, 0, offset, std::span(bytes, size));
    }

    // The BAR, at offsets.
    uint64_t bar(uint64_t offset, unsigned size) {
        uint8_t bytes[8] = {};
        pci_->read(offset, std::span(bytes, size));
        uint64_t v = 0;
        for (unsigned i = 0; i < size; ++i) v |= uint64_t{bytes[i]} << (8 * i);
        return v;
    }
    void set_bar(uint64_t offset, uint64_t value, unsigned size) {
        uint8_t bytes[8];
        for (unsigned i = 0; i < 8; ++i) bytes[i] = static_cast<uint8_t>(value >> (8 * i));
        pci_->write(offset, std::span(bytes, size));
    }

    // The common configuration structure, each field at its natural width.
    uint8_t status() { return static_cast<uint8_t>(bar(Pci::kDeviceStatus, 1)); }
    void set_status(uint8_t value) { set_bar(Pci::kDeviceStatus, value, 1); }
    uint64_t device_features() {
        set_bar(Pci::kDeviceFeatureSelect, 0, 4);
        uint64_t low = bar(Pci::kDeviceFeature, 4);
        set_bar(Pci::kDeviceFeatureSelect, 1, 4);
        return low | bar(Pci::kDeviceFeature, 4) << 32;
    }
    void set_driver_features(uint64_t features) {
        set_bar(Pci::kDriverFeatureSelect, 0, 4);
        set_bar(Pci::kDriverFeature, static_cast<uint32_t>(features), 4);
        set_bar(Pci::kDriverFeatureSelect, 1, 4);
        set_bar(Pci::kDriverFeature, features >> 32, 4);
    }
    void select(uint16_t queue) { set_bar(Pci::kQueueSelect, queue, 2); }

    // 3.1.1 steps 1-6: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK. Returns the status
    // read back after FEATURES_OK.
    uint8_t negotiate(uint64_t features) {
        set_status(0);
        EXPECT_EQ(status(), 0);
        set_status(kStatusAcknowledge);
        set_status(kStatusAcknowledge | kStatusDriver);
        set_driver_features(features);
        set_status(kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
        return status();
    }

    // 3.1.1 step 7 for queue 0 (kQueueEntries entries at `base`), mapping it to MSI-X `vector`.
    TestDriver& setup_queue0(uint64_t base = 0x10000, uint16_t vector = 1) {
        select(0);
        EXPECT_GE(bar(Pci::kQueueSize, 2), kQueueEntries);
        set_bar(Pci::kQueueSize, kQueueEntries, 2);
        driver_.emplace(memory_, TestDriver::layout_at(base, kQueueEntries));
        const QueueLayout& l = driver_->layout();
        set_bar(Pci::kQueueDesc, l.desc, 8);
        set_bar(Pci::kQueueDriver, l.avail & 0xffffffff, 4);  // halves, as 4.1.3.1 allows
        set_bar(Pci::kQueueDriver + 4, l.avail >> 32, 4);
        set_bar(Pci::kQueueDevice, l.used, 8);
        set_bar(Pci::kQueueMsixVector, vector, 2);
        set_bar(Pci::kQueueEnable, 1, 2);
        return *driver_;
    }

    // The whole sequence (3.1.1) with every offered feature, configuration changes on MSI-X
    // vector 0 and queue 0 on vector 1; returns the final status.
    uint8_t init(uint64_t feature_mask = ~0ull) {
        uint64_t offered = device_features();
        EXPECT_EQ(negotiate(offered & feature_mask) & kStatusFeaturesOk, kStatusFeaturesOk);
        set_bar(Pci::kConfigMsixVector, 0, 2);  // the configuration change vector
        setup_queue0();
        set_status(kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
        return status();
    }

    // Notifies queue `index` as a driver does: its index, 16 bits, at the notify address.
    void notify(uint16_t index) {
        select(index);
        uint64_t off = bar(Pci::kQueueNotifyOff, 2);
        set_bar(Pci::kNotifyOffset + off * Pci::kNotifyMultiplier, index, 2);
    }

    // MSI-X: enables it (optionally with the function mask) and programs `vector`.
    void enable_msix(bool function_mask = false) {
        uint16_t control = static_cast<uint16_t>(cfg(Pci::kMsixCap + 2, 2));
        control |= MsixTable::kControlEnable;
        if (function_mask) control |= MsixTable::kControlFunctionMask;
        set_cfg(Pci::kMsixCap + 2, control, 2);
    }
    void program_vector(uint16_t vector, uint64_t address, uint32_t data, bool masked = false) {
        uint64_t entry = Pci::kMsixTableOffset + 16ull * vector;
        set_bar(entry, address, 8);
        set_bar(entry + 8, data, 4);
        set_bar(entry + 12, masked ? 1 : 0, 4);
    }

    std::vector<Msi> msis() {
        std::lock_guard lock(mutex_);
        return msis_;
    }
    bool intx() {
        std::lock_guard lock(mutex_);
        return intx_;
    }
    std::vector<std::pair<uint64_t, bool>> bar_moves() {
        std::lock_guard lock(mutex_);
        return bar_moves_;
    }

    GuestMemory memory_;
    PciBus bus_;
    std::shared_ptr<Pci> pci_;
    std::optional<TestDriver> driver_;

private:
    std::mutex mutex_;
    std::vector<Msi> msis_;
    bool intx_ = false;
    std::vector<std::pair<uint64_t, bool>> bar_moves_;
};

}  // namespace svm::virtio::test
