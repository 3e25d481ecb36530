// One VM's options as CLI11 sees them: names, help texts and the checks CLI11 makes itself. Their
// order is the order of `svm --help`.
#include <CLI/CLI.hpp>

#include "core/cli/vm_option_values.h"
#include "core/cli/vm_options.h"

namespace svm::cli {

void VmOptionParser::define_options(CLI::App& app, Values& v) {
    MachineConfig& config = v.config;
    auto add = [&v](CLI::Option* option) {
        v.all.push_back(option);
        return option;
    };
    v.kernel = add(app.add_option(
        "KERNEL", config.kernel_path,
        "The kernel image to boot (or a disk image whose first sector ends in 0x55 0xAA: booted "
        "as a PC boot sector); without one, svm boots its built-in sample OS"));
    add(app.add_option("-m,--memory", v.memory, "Guest RAM size, with K, M or G suffix (1M to 3G)")
            ->capture_default_str());
    v.load_option =
        add(app.add_option("--load", v.load, "Flat binaries: guest-physical load address")
                ->capture_default_str());
    v.entry_option = add(app.add_option(
        "--entry", v.entry, "Flat binaries: entry address (default: the load address)"));
    v.mode_option = add(app.add_option("--mode", v.mode, "Flat binaries: start mode")
                            ->check(CLI::IsMember({"real", "protected", "long"}))
                            ->capture_default_str());
    // Boot sectors (docs/bios.md, "Booting a disk image").
    v.boot_disk_option = add(app.add_option(
        "--boot-disk", v.boot_disk,
        "Boot FILE[,rw] as a PC hard disk (drive 0x80): its first sector at 0000:7C00, BIOS "
        "services from svm; int 0x13 writes stay in memory unless ,rw"));
    v.boot_floppy_option =
        add(app.add_option("--boot-floppy", v.boot_floppy,
                           "Boot FILE[,rw] as a floppy (drive 0x00), as --boot-disk does"));
    add(app.add_option("--boot", v.boot_protocol,
                       "Boot protocol to use whatever the image carries: limine (docs/loaders.md)")
            ->check(CLI::IsMember({"limine"})));
    add(app.add_flag("--kaslr", config.load.kaslr,
                     "Limine: load a position-independent executable at a random slide (default: "
                     "at its link address)"));
    add(app.add_option(
        "--cmdline", config.load.cmdline,
        "Kernel command line (Multiboot info, Limine executable file, machine table)"));
    add(app.add_option("--module", v.modules,
                       "Multiboot or Limine module FILE[,STRING] (repeatable)")
            ->allow_extra_args(false));
    add(app.add_option("--cpus", config.cpus, "Number of vCPUs (1-64); APs wait for INIT-SIPI-SIPI")
            ->capture_default_str());
    add(app.add_option("--serial", config.serial, "Console backend: stdio, file:PATH or none")
            ->capture_default_str());
    add(app.add_option("--timeout", v.timeout, "End the run after SECONDS (exit code 124)")
            ->check(CLI::PositiveNumber));
    add(app.add_flag("-v,--verbose", v.verbosity,
                     "Log the kernel's format and entry, every VM exit and gdb events; -vv also "
                     "logs every gdb packet"));
    add(app.add_flag("--trace-exits", config.trace_exits,
                     "Print a table of VM exits by type at the end"));
    v.gdb_option = add(app.add_option(
        "--gdb", v.gdb,
        "Serve the GDB remote protocol on [HOST]:PORT (HOST defaults to 127.0.0.1) or "
        "unix:PATH[,shared-dir], and wait for gdb before the first instruction"));
    add(app.add_flag("--gdb-nowait", v.gdb_nowait,
                     "With --gdb: run at once; gdb may attach later (attaching stops the guest)"));

    // PC conventions (docs/machine.md, "Running a kernel written for QEMU or GRUB").
    add(app.add_option("--display", config.display,
                       "Where the VGA text screen shows: auto (printed at the end if the guest "
                       "wrote to it), text (mirrored live in the terminal) or none")
            ->check(CLI::IsMember({"auto", "text", "none"}))
            ->capture_default_str());
    add(app.add_option("--screen-text", v.screen_text,
                       "Write the final VGA text screen to FILE as 25 lines of UTF-8, however the "
                       "run ends"));
    v.stdin_option =
        add(app.add_option("--stdin", v.stdin_target,
                           "Where standard input goes: serial (COM1) or keyboard (PS/2 scan codes)")
                ->check(CLI::IsMember({"serial", "keyboard"}))
                ->capture_default_str());
    add(app.add_option("--rtc", v.rtc, "CMOS clock time base: utc or localtime")
            ->check(CLI::IsMember({"utc", "localtime"}))
            ->capture_default_str());
    add(app.add_flag("--reboot", config.reboot,
                     "Restart the kernel when the guest asks for a reset (default: end the run)"));
    add(app.add_option(
               "--triple-fault", v.triple_fault,
               "report: stop with a crash report (default); reset: treat it as a reset request")
            ->check(CLI::IsMember({"report", "reset"}))
            ->capture_default_str());
    add(app.add_option("--compat", config.compat,
                       "Port ABI of a seed hypervisor's guests: mini-kvm or symphony")
            ->check(CLI::IsMember({"mini-kvm", "symphony"})));
    // Display outputs (docs/display.md).
    v.vnc_option = add(app.add_option(
        "--vnc", v.vnc,
        "Serve the screen over VNC on [HOST]:DISPLAY (port 5900+DISPLAY; HOST defaults to "
        "127.0.0.1) or unix:PATH; keys and mouse go to the PS/2 keyboard and mouse"));
    add(app.add_option("--vnc-password-file", v.vnc_password_file,
                       "With --vnc: require the password on the first line of FILE (VNC "
                       "authentication; 8 characters count)"));
    v.vnc_web_option = add(app.add_option(
        "--vnc-web", v.vnc_web,
        "With --vnc: also serve the noVNC web viewer on HTTP port PORT of the same address"));
    add(app.add_option("--screenshot", v.screenshot,
                       "Write the final screen (text or graphics) to FILE as PNG, however the run "
                       "ends"));
    add(app.add_option("--load-file", v.load_files,
                       "Copy FILE to guest-physical ADDR before the kernel starts: FILE@ADDR "
                       "(repeatable)")
            ->allow_extra_args(false));
    add(app.add_option("--disk", v.disks,
                       "A virtio-blk disk on a raw image: FILE[,ro][,serial=S][,cache=writeback|"
                       "none] (repeatable)")
            ->allow_extra_args(false));
    add(app.add_option("--net", config.nets,
                       "A virtio-net card: tap=NAME[,mac=M] (a TAP device; needs CAP_NET_ADMIN to "
                       "create it), user[,hostfwd=tcp::HOSTPORT-:GUESTPORT...][,mac=M] "
                       "(user-mode networking, no root) or switch=NAME[,mac=M][,uplink=user[,"
                       "hostfwd=...]|uplink=tap:IFNAME] (a port on the in-process Ethernet switch "
                       "NAME, no root) (repeatable)")
            ->allow_extra_args(false));
    add(app.add_option("--virtio-transport", config.virtio_transport,
                       "How virtio devices are attached: pci (modern virtio-pci, default) or mmio "
                       "(virtio-mmio version 2)")
            ->check(CLI::IsMember({"pci", "mmio"})));
    // VM sets (docs/multi-vm.md). Checked by vm_set.h; one VM alone ignores its share.
    v.name_option = add(app.add_option(
        "--name", v.name,
        "The VM's name: 1-32 of A-Z a-z 0-9 _ - (with --vm, default vm1, vm2, ...); its "
        "network cards' default MAC addresses derive from it"));
    v.share_option = add(app.add_option(
        "--share", v.share,
        "With --vm: percent (1-100) of the CPU time the VMs get together; one VM alone ignores "
        "it (docs/multi-vm.md)"));
}

}  // namespace svm::cli
