// The PCI face of the display adapter: QEMU's "std VGA" (hw/display/vga-pci.c, "VGA"), so a
// kernel's PCI scan finds 1234:1111 as on QEMU and drivers written for it (Linux bochs-drm, the
// OSDev "Bochs VBE Extensions" probe) find the linear framebuffer through BAR0.
//
// Header (PCI Local Bus Specification 3.0, 6.2, type 0): vendor 0x1234, device 0x1111, revision
// 0x02, class 03/00/00 (VGA-compatible display controller, PCI Code and ID Assignment 1.x, base
// class 03h), subsystem 0x1AF4:0x1100 (QEMU's default Red Hat/Qumranet subsystem), header type 0,
// no interrupt pin, no expansion ROM.
//
// BAR0: the linear framebuffer, 32-bit prefetchable memory (flags 0x8), kBar0Size bytes. Sizing
// works as PCI 3.0, 6.2.5.1 says: bits 23:4 are hard-wired to 0, so writing 0xFFFFFFFF reads back
// 0xFF000008. The other BARs are absent and read 0. FIXME: QEMU's BAR2 (a 4 KiB MMIO block with
// the VGA ports at 0x400 and the DISPI registers at 0x500) is not modelled; guests use the ports.
//
// Command register: I/O space (bit 0) and memory space (bit 1) are writable and start set, as a
// PC firmware leaves a display adapter (svm boots kernels without one). Only memory space has an
// effect: the legacy VGA ports answer regardless (FIXME). The status error bits are
// write-1-to-clear (PCI 3.0, 6.2.3); svm never sets them. Interrupt line is a writable scratch
// byte (PCI 3.0, 6.2.4).
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>

#include "devices/legacy/pci_function.h"

namespace svm {

class VgaPciFunction final : public PciFunction {
public:
    static constexpr uint16_t kVendorQemu = 0x1234;
    static constexpr uint16_t kDeviceStdVga = 0x1111;
    static constexpr uint8_t kRevision = 0x02;
    static constexpr uint32_t kClassVga = 0x030000;  // display controller, VGA-compatible
    static constexpr uint16_t kSubsystemVendor = 0x1af4;
    static constexpr uint16_t kSubsystem = 0x1100;
    static constexpr uint8_t kBar0 = 0x10;
    static constexpr uint8_t kInterruptLine = 0x3c;
    static constexpr uint32_t kBar0Size = 16u << 20;  // bytes; BochsVbe::kDefaultVramSize
    static constexpr uint32_t kBar0Flags = 0x8;       // memory, 32-bit, prefetchable (6.2.5.1)
    static constexpr uint16_t kCommandIo = 0x0001;
    static constexpr uint16_t kCommandMemory = 0x0002;

    // Called when a guest write changes where the framebuffer is decoded: `address` is BAR0's
    // guest-physical base (bits 31:24 as written), `decoding` the command register's memory space
    // bit. The machine maps the VRAM at `address` while `decoding` is true and unmaps it
    // otherwise; during BAR sizing a guest clears memory space first (Linux pci_read_bases), so
    // the transient 0xFF000000 is reported with decoding false.
    using Bar0Changed = std::function<void(uint32_t address, bool decoding)>;

    // `bar0_address` is where the framebuffer starts (pc::kLfbBase on the PC machine; a multiple
    // of kBar0Size, as the BAR cannot hold other bits). `on_bar0_change` may be empty.
    explicit VgaPciFunction(uint32_t bar0_address, Bar0Changed on_bar0_change = {});

    // Applies a guest write as PciFunction::write_config does, then reports a changed BAR0
    // address or memory-space bit through the callback. Thread-safe.
    void write_config(uint8_t offset, uint8_t value) override;

    // BAR0's guest-physical base address (the flag bits masked off). Thread-safe.
    uint32_t bar0_address() const;
    // Whether the command register's memory space bit is set. Thread-safe.
    bool memory_decoding() const;

private:
    uint32_t read_config32(uint8_t offset) const;

    Bar0Changed on_bar0_change_;
    // Lock order: report_mutex_ before PciFunction's mutex (read_config is called under it). It
    // serialises reports so the callback sees them in the order the writes happened, and guards
    // the last reported state.
    std::mutex report_mutex_;
    uint32_t reported_address_;
    bool reported_decoding_ = true;
};

}  // namespace svm
