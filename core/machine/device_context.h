// What a family of PC devices needs to wire itself into a machine, without KVM: the buses, an
// interrupt line per ISA IRQ, a way to end the run, the machine-table entries, the console, and
// hooks for standard input and the end of the run. Machine builds one; unit tests build one on
// plain buses and drive the devices port by port as a guest would.
#pragma once

#include <svm/machine.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/bus.h"
#include "core/guest_memory.h"
#include "core/machine/machine_config.h"
#include "core/machine/run_outcome.h"
#include "devices/bus_device.h"

namespace svm {

class Hpet;
class PciMemoryWindow;
class I8042;
class PciBus;
class StdVgaScreen;
class TextScreen;

// Device memory mapped into the guest (DeviceContext::map_device_memory). Thread-safe.
struct DeviceMemoryMapping {
    // Maps the memory at a new guest-physical address, or unmaps it (nullopt). Returns an error if
    // KVM refuses (the memory is then unmapped).
    std::function<Result<void>(std::optional<uint64_t> gpa)> move;
    // KVM_GET_DIRTY_LOG: fills one bit per 4 KiB page written since the last call; false if the
    // memory is unmapped or KVM refused.
    std::function<bool(std::span<uint64_t> bitmap)> dirty_log;
};

// A doorbell KVM should catch for a device (an ioeventfd, KVM api.rst 4.59): a guest write of
// `length` bytes (0 = any length) to guest-physical `address` on the MMIO bus, with `datamatch`
// the value written if given, signals eventfd `fd` without an exit to svm.
struct IoEventFd {
    uint64_t address = 0;
    uint32_t length = 0;
    std::optional<uint64_t> datamatch;
    int fd = -1;
};

struct DeviceContext {
    const MachineConfig& config;
    GuestMemory& memory;
    Bus& io_bus;
    Bus& mmio_bus;
    // Drives ISA IRQ / GSI `irq` (level: true = asserted). Thread-safe.
    std::function<void(uint32_t irq, bool level)> set_irq;
    // Ends the run with an outcome; the first one wins. Thread-safe.
    std::function<void(RunOutcome)> stop;
    // Entries for the machine table, appended in wiring order.
    std::vector<svm_device>& device_entries;
    // Where the guest's console output goes (serial, 0xE9, hypercalls share it).
    OutputSink console;
    // Where bytes typed on svm's standard input go; COM1 by default, replaced by the keyboard with
    // --stdin keyboard. Called on the console input thread.
    std::function<void(std::span<const uint8_t>)>& stdin_sink;
    // Run on the main thread when the run ends, however it ends, after every vCPU stopped, in
    // registration order (the final text screen, --screen-text).
    std::vector<std::function<void(const RunOutcome&)>>& at_end;
    // Number of vCPUs (fw_cfg, MP table).
    int cpus = 1;
    // The memory map svm hands the guest (machine table, Multiboot, E820, fw_cfg etc/e820), valid
    // once the machine is built: call it when the guest asks, not while wiring.
    std::function<std::vector<svm_mem_range>()> memory_map;
    // Objects that must live as long as the machine (timer threads, back-ends). They are destroyed
    // after every vCPU stopped, in reverse order of insertion. A bus keeps its devices alive
    // itself.
    std::vector<std::shared_ptr<void>>& owned;
    // The video mode the loader promised a Multiboot kernel (KernelImage::video): the display
    // sets it before the first instruction. nullopt: VGA text.
    std::optional<VideoMode> boot_video = std::nullopt;
    // Maps host memory `host` (page-aligned, alive as long as the machine) at guest-physical
    // `gpa` as device memory with dirty-page logging (a framebuffer). Empty in unit tests: the
    // memory then exists for the host side only.
    std::function<Result<DeviceMemoryMapping>(uint64_t gpa, std::span<uint8_t> host)>
        map_device_memory = {};
    // Delivers a message-signalled interrupt (PCI MSI-X) with the address and data the guest
    // programmed. Thread-safe. Empty in unit tests that do not watch MSI-X.
    std::function<void(uint64_t address, uint32_t data)> signal_msi = {};
    // Attaches / detaches an ioeventfd. add_ioeventfd returns an error if KVM refuses (the device
    // then takes the write through the ordinary MMIO exit). Thread-safe. Empty in unit tests:
    // doorbells then reach the device as bus writes.
    std::function<Result<void>(const IoEventFd&)> add_ioeventfd = {};
    std::function<void(const IoEventFd&)> remove_ioeventfd = {};
    // Called with each guest-physical range a device wrote into guest memory (the debugger fires
    // gdb watchpoints on it). Empty without --gdb. Thread-safe; never blocks.
    std::function<void(uint64_t gpa, uint64_t length)> device_wrote = {};
};

// What the PC device families give the rest of svm (the debugger's `monitor screen`, the run
// summary). Null where a family is not wired.
struct PcDevices {
    std::shared_ptr<TextScreen> text_screen;
    // The PCI bus (platform family); the display adds its function to it.
    std::shared_ptr<PciBus> pci;
    // The i8042 (input family): VNC keys and mouse go to it.
    std::shared_ptr<I8042> i8042;
    // What viewers and screenshots show (display family).
    std::shared_ptr<StdVgaScreen> screen;
    // The HPET: in legacy replacement mode it owns IRQ 8, and the RTC is disconnected from it.
    std::shared_ptr<Hpet> hpet;
    // Boot-sector boots (bios family): the BIOS drive number booted from (DL at 0000:7C00).
    std::optional<uint8_t> boot_drive;
    // Where PCI memory BARs are decoded (virtio family; null without virtio-pci devices).
    std::shared_ptr<PciMemoryWindow> pci_window;
    // The virtio devices (virtio family), in plan order (core/machine/pc/virtio_plan.h).
    std::vector<std::shared_ptr<void>> virtio_devices;
};

// One function per family (core/machine/pc/*.cpp), called by Machine::create_devices() in this
// order. Each registers its ranges on the buses and appends its machine-table entries. Returns an
// error (exit code 64/71 decided by the caller) if a range is taken or a back-end cannot be set up.
Result<void> add_platform_devices(DeviceContext& ctx,
                                  PcDevices& out);  // PCI, power, reset,
                                                    // fw_cfg, 0x80/0x92, PM timer, HPET
Result<void> add_input_devices(DeviceContext& ctx, PcDevices& out);   // i8042, CMOS/RTC
Result<void> add_display(DeviceContext& ctx, PcDevices& out);         // VGA text screen, CRTC
Result<void> add_compat_devices(DeviceContext& ctx, PcDevices& out);  // --compat
// The virtio devices of config.disks / config.nets and the entropy device, on the transport
// config.virtio_transport names, each with an I/O thread (core/machine/pc/virtio.cpp). After
// add_platform_devices (the PCI bus). Errors: a disk or network back-end that cannot be opened.
Result<void> add_virtio_devices(DeviceContext& ctx, PcDevices& out);
// Boot-sector boots only (config.boot_disk set), after add_display: the BIOS ROM at F000, the IVT,
// the BDA's disk fields and the BIOS trap port (pc::kBiosTrapPort) serving core/bios/.
Result<void> add_bios(DeviceContext& ctx, PcDevices& out);

}  // namespace svm
