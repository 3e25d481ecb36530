// A DeviceContext on plain buses and a small guest RAM, with no KVM: the PC device families are
// wired into it exactly as Machine wires them, and a test drives them port by port as a guest
// would, watching IRQ lines, the run's end and the console.
#pragma once

#include <gtest/gtest.h>

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/machine/device_context.h"

namespace svm::test {

// Device memory (a framebuffer) as the harness maps it instead of a KVM memory slot: on the MMIO
// bus, so a test writes it as a guest would, with the written pages recorded as KVM's dirty log
// records them.
class FakeDeviceMemory final : public BusDevice {
public:
    explicit FakeDeviceMemory(std::span<uint8_t> host)
        : host_(host), dirty_((host.size() / 4096 + 63) / 64) {}
    void read(uint64_t offset, std::span<uint8_t> data) override {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < data.size(); ++i)
            data[i] = offset + i < host_.size() ? host_[offset + i] : 0xff;
    }
    void write(uint64_t offset, std::span<const uint8_t> data) override {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < data.size() && offset + i < host_.size(); ++i) {
            host_[offset + i] = data[i];
            const uint64_t page = (offset + i) / 4096;
            dirty_[page / 64] |= uint64_t{1} << (page % 64);
        }
    }
    bool take_dirty(std::span<uint64_t> bitmap) {
        std::lock_guard lock(mutex_);
        for (size_t i = 0; i < bitmap.size(); ++i) bitmap[i] = i < dirty_.size() ? dirty_[i] : 0;
        std::fill(dirty_.begin(), dirty_.end(), 0);
        return mapped_;
    }
    std::vector<std::optional<uint64_t>> moves;  // what DeviceMemoryMapping::move was asked
    bool mapped_ = true;

private:
    std::span<uint8_t> host_;
    std::mutex mutex_;
    std::vector<uint64_t> dirty_;
};

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
    // A guest write: with fake ioeventfds on (use_ioeventfds), a write that one matches signals
    // its eventfd instead of reaching the bus, as KVM does.
    void mmio_write(uint64_t addr, uint64_t v, size_t size) {
        {
            std::lock_guard lock(mutex_);
            for (const IoEventFd& e : ioeventfds_) {
                const uint64_t mask = size == 8 ? ~uint64_t{0} : (uint64_t{1} << (8 * size)) - 1;
                if (e.address == addr && (e.length == 0 || e.length == size) &&
                    (!e.datamatch || *e.datamatch == (v & mask))) {
                    const uint64_t one = 1;
                    [[maybe_unused]] ssize_t n = ::write(e.fd, &one, sizeof one);
                    ++ioeventfd_signals_;
                    return;
                }
            }
        }
        mmio_.write(addr, std::span(reinterpret_cast<const uint8_t*>(&v), size));
    }
    // Makes the context offer ioeventfds (before wiring): add_ioeventfd then succeeds for
    // lengths in `lengths` (KVM's choice on the host being imitated).
    void use_ioeventfds(std::vector<uint32_t> lengths = {0, 2, 4}) {
        ctx_.add_ioeventfd = [this, lengths](const IoEventFd& e) -> Result<void> {
            std::lock_guard lock(mutex_);
            if (std::find(lengths.begin(), lengths.end(), e.length) == lengths.end())
                return error("length {} is not supported", e.length);
            ioeventfds_.push_back(e);
            return {};
        };
        ctx_.remove_ioeventfd = [this](const IoEventFd& e) {
            std::lock_guard lock(mutex_);
            std::erase_if(ioeventfds_, [&](const IoEventFd& x) {
                return x.address == e.address && x.length == e.length &&
                       x.datamatch == e.datamatch && x.fd == e.fd;
            });
        };
    }
    std::vector<IoEventFd> ioeventfds() {
        std::lock_guard lock(mutex_);
        return ioeventfds_;
    }
    int ioeventfd_signals() {
        std::lock_guard lock(mutex_);
        return ioeventfd_signals_;
    }
    // The MSI messages the devices sent (address, data), in order.
    std::vector<std::pair<uint64_t, uint32_t>> msis() {
        std::lock_guard lock(mutex_);
        return msis_;
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
    // The device memory the families mapped, by guest-physical address at mapping time.
    std::map<uint64_t, std::shared_ptr<FakeDeviceMemory>>& device_memory() {
        return device_memory_;
    }
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
    std::map<uint64_t, std::shared_ptr<FakeDeviceMemory>> device_memory_;
    std::vector<IoEventFd> ioeventfds_;
    int ioeventfd_signals_ = 0;
    std::vector<std::pair<uint64_t, uint32_t>> msis_;
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
        std::nullopt,
        [this](uint64_t gpa, std::span<uint8_t> host) -> Result<DeviceMemoryMapping> {
            auto memory = std::make_shared<FakeDeviceMemory>(host);
            TRY(mmio_.add(gpa, host.size(), memory, "device-memory"));
            device_memory_[gpa] = memory;
            DeviceMemoryMapping mapping;
            mapping.move = [memory](std::optional<uint64_t> to) -> Result<void> {
                memory->moves.push_back(to);
                memory->mapped_ = to.has_value();
                return {};
            };
            mapping.dirty_log = [memory](std::span<uint64_t> bitmap) {
                return memory->take_dirty(bitmap);
            };
            return mapping;
        },
        [this](uint64_t address, uint32_t data) {
            std::lock_guard lock(mutex_);
            msis_.emplace_back(address, data);
        },
    };
};

}  // namespace svm::test
