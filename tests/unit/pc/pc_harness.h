// A DeviceContext on plain buses and a small guest RAM, with no KVM: the PC device families are
// wired into it exactly as Machine wires them, and a test drives them port by port as a guest
// would, watching IRQ lines, the run's end and the console.
#pragma once

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/machine/device_context.h"

namespace svm::test {

class PcHarness {
public:
    explicit PcHarness(MachineConfig config = {}, uint64_t ram = 16ull << 20)
        : config_(std::move(config)), memory_(GuestMemory::create(ram).value()) {
        config_.memory_size = ram;
    }
    ~PcHarness() {
        while (!owned_.empty()) owned_.pop_back();
    }

    DeviceContext& ctx() { return ctx_; }
    GuestMemory& memory() { return memory_; }
    Bus& io() { return io_; }
    Bus& mmio() { return mmio_; }

    uint8_t inb(uint16_t port) { return static_cast<uint8_t>(in(port, 1)); }
    uint16_t inw(uint16_t port) { return static_cast<uint16_t>(in(port, 2)); }
    uint32_t inl(uint16_t port) { return static_cast<uint32_t>(in(port, 4)); }
    void outb(uint16_t port, uint8_t v) { out(port, v, 1); }
    void outw(uint16_t port, uint16_t v) { out(port, v, 2); }
    void outl(uint16_t port, uint32_t v) { out(port, v, 4); }
    // Returns false if no device claimed the port.
    bool claimed(uint16_t port) {
        uint8_t b = 0;
        return io_.read(port, std::span(&b, 1));
    }
    uint64_t mmio_read(uint64_t addr, size_t size) {
        uint64_t v = 0;
        mmio_.read(addr, std::span(reinterpret_cast<uint8_t*>(&v), size));
        return v;
    }
    void mmio_write(uint64_t addr, uint64_t v, size_t size) {
        mmio_.write(addr, std::span(reinterpret_cast<const uint8_t*>(&v), size));
    }

    // The level of IRQ `irq` as last driven (false if never driven), and how often it was raised.
    bool irq_level(uint32_t irq) {
        std::lock_guard lock(mutex_);
        return irq < levels_.size() && levels_[irq];
    }
    int irq_raises(uint32_t irq) {
        std::lock_guard lock(mutex_);
        return irq < raises_.size() ? raises_[irq] : 0;
    }
    // The outcome the devices asked for, if any (the first one).
    std::optional<RunOutcome> outcome() {
        std::lock_guard lock(mutex_);
        return outcome_;
    }
    std::string console_text() {
        std::lock_guard lock(mutex_);
        return console_;
    }
    // Feeds bytes as if typed on svm's standard input.
    void type(std::string_view text) {
        stdin_sink_(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
    }
    // Runs the end-of-run hooks as Machine::run() does.
    void end_run(const RunOutcome& outcome) {
        for (auto& hook : at_end_) hook(outcome);
    }
    const std::vector<svm_device>& entries() const { return entries_; }
    void set_memory_map(std::vector<svm_mem_range> map) { map_ = std::move(map); }

private:
    uint64_t in(uint16_t port, size_t size) {
        uint64_t v = 0;
        io_.read(port, std::span(reinterpret_cast<uint8_t*>(&v), size));
        return v;
    }
    void out(uint16_t port, uint64_t v, size_t size) {
        io_.write(port, std::span(reinterpret_cast<const uint8_t*>(&v), size));
    }

    MachineConfig config_;
    GuestMemory memory_;
    Bus io_{"I/O port bus"};
    Bus mmio_{"MMIO bus"};
    std::mutex mutex_;
    std::vector<bool> levels_ = std::vector<bool>(24);
    std::vector<int> raises_ = std::vector<int>(24);
    std::optional<RunOutcome> outcome_;
    std::string console_;
    std::vector<svm_device> entries_;
    std::vector<svm_mem_range> map_;
    std::function<void(std::span<const uint8_t>)> stdin_sink_ = [](std::span<const uint8_t>) {};
    std::vector<std::function<void(const RunOutcome&)>> at_end_;
    std::vector<std::shared_ptr<void>> owned_;
    DeviceContext ctx_{
        config_,
        memory_,
        io_,
        mmio_,
        [this](uint32_t irq, bool level) {
            std::lock_guard lock(mutex_);
            if (irq >= levels_.size()) return;
            if (level && !levels_[irq]) ++raises_[irq];
            levels_[irq] = level;
        },
        [this](RunOutcome o) {
            std::lock_guard lock(mutex_);
            if (!outcome_) outcome_ = std::move(o);
        },
        entries_,
        [this](std::span<const uint8_t> bytes) {
            std::lock_guard lock(mutex_);
            console_.append(bytes.begin(), bytes.end());
        },
        stdin_sink_,
        at_end_,
        1,
        [this] { return map_; },
        owned_,
    };
};

}  // namespace svm::test
