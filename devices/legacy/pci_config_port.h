// PCI configuration mechanism #1 (PCI Local Bus Specification 3.0, 3.2.2.3.2; OSDev wiki "PCI",
// "Configuration Space Access Mechanism #1"), registered on ports 0xCF8-0xCFF:
//   offset 0, 4-byte access: CONFIG_ADDRESS (bit 31 enable, 23:16 bus, 15:11 device, 10:8
//            function, 7:2 register; reads back what was written, reserved bits 30:24 and 1:0
//            as 0);
//   offsets 4-7, any size: CONFIG_DATA, the function's bytes at register + (offset & 3);
//   offset 1, 1-byte access: the Reset Control Register at 0xCF9 (Intel ICH/PIIX "RST_CNT"):
//            writing bit 2 (RST_CPU) requests a reset; bit 1 (SYS_RST, hard reset) and bit 3
//            (FULL_RST) are stored and read back.
// The specification says only 4-byte accesses to 0xCF8 reach CONFIG_ADDRESS; other accesses to
// 0xCF8-0xCFB are ordinary I/O cycles, which is what lets 0xCF9 be a byte register of its own.
// Those other accesses read as all-ones and are ignored, as an unclaimed port would be.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>

#include "devices/bus_device.h"
#include "devices/legacy/pci_bus.h"

namespace svm {

class PciConfigPort final : public BusDevice {
public:
    static constexpr uint64_t kSize = 8;  // 0xCF8-0xCFF
    static constexpr uint32_t kEnable = 0x80000000u;

    // `bus` receives the configuration cycles. `on_reset` is called (on the vCPU thread, without
    // the device lock) when the guest writes RST_CPU to 0xCF9; it may be empty.
    PciConfigPort(std::shared_ptr<PciBus> bus, std::function<void()> on_reset);

    // ^BusDevice
    void read(uint64_t offset, std::span<uint8_t> data) override;
    void write(uint64_t offset, std::span<const uint8_t> data) override;

private:
    std::shared_ptr<PciBus> bus_;
    std::function<void()> on_reset_;

    // Guards the two registers. Lock order: mutex_, then a PciFunction's (held across the
    // configuration cycle so CONFIG_ADDRESS cannot change under it).
    std::mutex mutex_;
    uint32_t address_ = 0;
    uint8_t reset_control_ = 0;
};

}  // namespace svm
