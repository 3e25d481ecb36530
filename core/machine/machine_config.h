// The configuration of one VM: what the command line (or a test) asks for.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/loader/kernel_image.h"
#include "devices/virtio/block_image.h"

namespace svm {

struct MachineConfig {
    std::string kernel_path;
    uint64_t memory_size = 128ull << 20;
    LoadOptions load;
    std::string serial = "stdio";
    std::optional<double> timeout_seconds;
    bool trace_exits = false;
    // --gdb ENDPOINT: serve the GDB remote protocol there. With gdb_wait the guest does not run
    // until a debugger attaches and continues it.
    std::optional<std::string> gdb_endpoint;
    bool gdb_wait = true;
    int cpus = 1;

    // PC conventions (docs/machine.md, "Running a kernel written for QEMU or GRUB").
    // --display auto|text|none: where the VGA text screen is shown. auto: printed once when the
    // run ends if the guest wrote to it; text: mirrored live in the terminal; none: never.
    std::string display = "auto";
    std::optional<std::string> screen_text_path;  // --screen-text FILE: the final screen, UTF-8
    bool stdin_keyboard = false;                  // --stdin keyboard: stdin feeds the i8042
    bool rtc_localtime = false;                   // --rtc localtime (default UTC)
    bool reboot = false;                          // --reboot: a reset request restarts the kernel
    bool triple_fault_resets = false;             // --triple-fault reset: treat it as a reset
    // --compat mini-kvm|symphony: the seed hypervisors' port ABIs. Empty = svm's own.
    std::string compat;
    // --load-file FILE@ADDR (repeatable): raw files copied to guest-physical ADDR before start.
    struct LoadFile {
        std::string path;
        uint64_t address = 0;
    };
    std::vector<LoadFile> load_files;

    // Display outputs (docs/display.md). The VNC server itself belongs to the process (it
    // outlives --reboot); the machine attaches its screen to it.
    std::optional<std::string> screenshot_path;  // --screenshot FILE.png: the final screen
    // --vnc: a guest that halts for good stays on screen until svm is ended or --timeout expires.
    bool keep_screen_after_halt = false;

    // Boot sectors (docs/bios.md, "Booting a disk image"). The disk image svm's BIOS serves through
    // int 0x13 and boots from: --boot-disk FILE[,rw] (drive 0x80) or --boot-floppy FILE[,rw]
    // (drive 0x00); kernel_path is then the same file. Also set by Machine when KERNEL itself turns
    // out to be a boot sector (drive 0x80, read-only). Without `writable`, int 0x13 writes are
    // kept in memory and the file is never modified.
    struct BootDisk {
        std::string path;
        bool writable = false;
        uint8_t drive = 0x80;
    };
    std::optional<BootDisk> boot_disk;

    // Virtio devices (docs/devices.md, "Virtio devices"). --disk FILE[,ro][,serial=S][,cache=...]
    // (repeatable), in the order given.
    std::vector<virtio::DiskConfig> disks;
    // --net tap=NAME[,mac=M] or --net user[,hostfwd=...][,mac=M] (repeatable): the text after
    // --net, parsed when the machine is built (core/machine/pc/virtio_plan.h).
    std::vector<std::string> nets;
    // --virtio-transport pci|mmio: how every virtio device is attached.
    std::string virtio_transport = "pci";
    // A name for this VM: the stable default MAC address of its network cards is derived from
    // it (and the card's index). Default: the kernel's path.
    std::string vm_name;

    // A VM of a set (docs/multi-vm.md), filled in by the set, not by options (see
    // set_vm_name):
    // - with serial "stdio", the console's output goes to set_console_output (the set's
    //   ConsoleMux: bytes, and whether the write may wait for room) instead of standard output
    //   (Console::create_forwarding); the VM's console never reads standard input itself;
    // - with signals_from_caller, run() leaves SIGINT, SIGTERM and SIGHUP to its caller (the
    //   set's loop reads them and calls request_stop() on every VM).
    std::function<void(std::span<const uint8_t>, bool)> set_console_output;
    std::string set_vm_name;  // the VM's name, which prefixes svm's reports about it
    // The set reads standard input and switches it between VMs (Ctrl-A N): run() hands it the
    // function that takes this VM's input (bytes typed) when it starts, and null when it ends.
    std::function<void(std::function<void(std::span<const uint8_t>)>)> set_input_sink;
    bool signals_from_caller = false;
};

}  // namespace svm
