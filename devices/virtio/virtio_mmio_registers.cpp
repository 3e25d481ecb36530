#include "devices/virtio/virtio_mmio_registers.h"

#include <fmt/format.h>

#include "devices/virtio/virtio_mmio.h"

namespace svm::virtio::mmio {

namespace {

// 4.2.2's table, for the checks every register shares and for log lines that name the register.
// The legacy registers (4.2.4) are listed so a version 1 driver is told what is wrong.
enum class Access { ReadOnly, WriteOnly, ReadWrite, Legacy };
struct RegisterInfo {
    uint64_t offset;
    const char* name;
    Access access;
};
constexpr RegisterInfo kRegisters[] = {
    {VirtioMmio::kMagicValueOffset, "MagicValue", Access::ReadOnly},
    {VirtioMmio::kVersionOffset, "Version", Access::ReadOnly},
    {VirtioMmio::kDeviceIdOffset, "DeviceID", Access::ReadOnly},
    {VirtioMmio::kVendorIdOffset, "VendorID", Access::ReadOnly},
    {VirtioMmio::kDeviceFeaturesOffset, "DeviceFeatures", Access::ReadOnly},
    {VirtioMmio::kDeviceFeaturesSelOffset, "DeviceFeaturesSel", Access::WriteOnly},
    {VirtioMmio::kDriverFeaturesOffset, "DriverFeatures", Access::WriteOnly},
    {VirtioMmio::kDriverFeaturesSelOffset, "DriverFeaturesSel", Access::WriteOnly},
    {0x028, "GuestPageSize", Access::Legacy},
    {VirtioMmio::kQueueSelOffset, "QueueSel", Access::WriteOnly},
    {VirtioMmio::kQueueNumMaxOffset, "QueueNumMax", Access::ReadOnly},
    {VirtioMmio::kQueueNumOffset, "QueueNum", Access::WriteOnly},
    {0x03c, "QueueAlign", Access::Legacy},
    {0x040, "QueuePFN", Access::Legacy},
    {VirtioMmio::kQueueReadyOffset, "QueueReady", Access::ReadWrite},
    {VirtioMmio::kQueueNotifyOffset, "QueueNotify", Access::WriteOnly},
    {VirtioMmio::kInterruptStatusOffset, "InterruptStatus", Access::ReadOnly},
    {VirtioMmio::kInterruptAckOffset, "InterruptACK", Access::WriteOnly},
    {VirtioMmio::kStatusOffset, "Status", Access::ReadWrite},
    {VirtioMmio::kQueueDescLowOffset, "QueueDescLow", Access::WriteOnly},
    {VirtioMmio::kQueueDescHighOffset, "QueueDescHigh", Access::WriteOnly},
    {VirtioMmio::kQueueDriverLowOffset, "QueueDriverLow", Access::WriteOnly},
    {VirtioMmio::kQueueDriverHighOffset, "QueueDriverHigh", Access::WriteOnly},
    {VirtioMmio::kQueueDeviceLowOffset, "QueueDeviceLow", Access::WriteOnly},
    {VirtioMmio::kQueueDeviceHighOffset, "QueueDeviceHigh", Access::WriteOnly},
    {VirtioMmio::kShmSelOffset, "SHMSel", Access::WriteOnly},
    {VirtioMmio::kShmLenLowOffset, "SHMLenLow", Access::ReadOnly},
    {VirtioMmio::kShmLenHighOffset, "SHMLenHigh", Access::ReadOnly},
    {VirtioMmio::kShmBaseLowOffset, "SHMBaseLow", Access::ReadOnly},
    {VirtioMmio::kShmBaseHighOffset, "SHMBaseHigh", Access::ReadOnly},
    {VirtioMmio::kQueueResetOffset, "QueueReset", Access::ReadWrite},
    {VirtioMmio::kConfigGenerationOffset, "ConfigGeneration", Access::ReadOnly},
};

const RegisterInfo* find_register(uint64_t offset) {
    for (const RegisterInfo& info : kRegisters) {
        if (info.offset == offset) return &info;
    }
    return nullptr;
}

}  // namespace

std::string describe(uint64_t offset) {
    const RegisterInfo* info = find_register(offset & ~3ull);
    return info ? fmt::format("{} ({:#05x})", info->name, offset)
                : fmt::format("offset {:#05x}", offset);
}

const char* misuse(uint64_t offset, bool is_write) {
    const RegisterInfo* info = find_register(offset);
    if (!info) return "nothing is there";
    switch (info->access) {
        case Access::ReadOnly:
            return is_write ? "the register is read-only (4.2.2.2)" : nullptr;
        case Access::WriteOnly:
            return is_write ? nullptr : "the register is write-only (4.2.2.2)";
        case Access::Legacy:
            return "a legacy register: svm implements virtio-mmio version 2 only (4.2.4)";
        case Access::ReadWrite:
            return nullptr;
    }
    return nullptr;
}

}  // namespace svm::virtio::mmio
