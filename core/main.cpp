// svm: boot a hobby-OS kernel on KVM. Parses the command line, builds the machine, runs it and
// turns the way it ended into the process exit code (docs/machine.md, "Exit codes").
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>

#include "core/display/display_hub.h"
#include "core/display/vnc_endpoint.h"
#include "core/display/vnc_server.h"
#include "core/loader/boot_sector.h"
#include "core/log.h"
#include "core/machine/machine.h"
#include "core/machine/pc/virtio_plan.h"
#include "core/sample_os/sample_os.h"
#include "core/size_parser.h"
#include "gdbstub/endpoint.h"

namespace {

constexpr const char* kExitCodesHelp = R"(Exit codes:
  N        the guest's own code (SVM_HC_EXIT), or (v << 1) | 1 for isa-debug-exit value v
  64       bad command line          65  kernel or module file missing or malformed
  70       internal error of svm     71  host set-up error (/dev/kvm)
  112      triple fault              113 every vCPU halted with interrupts disabled
  114      emulation failure         115 KVM could not enter the guest
  116      the guest asked for a reset (without --reboot)
  0        also: the guest powered off (ACPI S5 and the other power-off ports)
  124      --timeout expired         130 stopped by SIGINT/SIGTERM/SIGHUP
  137      killed from gdb           141 standard output closed (svm k | head)
When standard output does not drain, the guest waits for it (nothing is lost) until the run
ends; svm then says how many bytes it could not write.)";

void fail(int code, const std::string& message) {
    std::fprintf(stderr, "svm: error: %s\n", message.c_str());
    std::exit(code);
}

}  // namespace

int main(int argc, char** argv) {
    using namespace svm;
    CLI::App app{
        "svm - a hypervisor for hobby operating systems: boots KERNEL (flat binary, ELF32, "
        "ELF64, Multiboot 1 or 2, or a PC boot sector) on KVM with a serial console.",
        "svm"};
    app.footer(kExitCodesHelp);
    app.set_version_flag("--version", "svm " SVM_VERSION);

    MachineConfig config;
    std::string memory = "128M", load = "0", entry, mode = "real";
    std::vector<std::string> modules;
    double timeout = 0;
    int verbosity = 0;

    auto* kernel_option = app.add_option(
        "KERNEL", config.kernel_path,
        "The kernel image to boot (or a disk image whose first sector ends in 0x55 0xAA: booted "
        "as a PC boot sector); without one, svm boots its built-in sample OS");
    app.add_option("-m,--memory", memory, "Guest RAM size, with K, M or G suffix (1M to 3G)")
        ->capture_default_str();
    auto* load_option = app.add_option("--load", load, "Flat binaries: guest-physical load address")
                            ->capture_default_str();
    auto* entry_option = app.add_option("--entry", entry,
                                        "Flat binaries: entry address (default: the load address)");
    auto* mode_option = app.add_option("--mode", mode, "Flat binaries: start mode")
                            ->check(CLI::IsMember({"real", "protected", "long"}))
                            ->capture_default_str();
    // Boot sectors (docs/bios.md, "Booting a disk image").
    std::string boot_disk, boot_floppy;
    auto* boot_disk_option = app.add_option(
        "--boot-disk", boot_disk,
        "Boot FILE[,rw] as a PC hard disk (drive 0x80): its first sector at 0000:7C00, BIOS "
        "services from svm; int 0x13 writes stay in memory unless ,rw");
    auto* boot_floppy_option =
        app.add_option("--boot-floppy", boot_floppy,
                       "Boot FILE[,rw] as a floppy (drive 0x00), as --boot-disk does");
    std::string boot_protocol;
    app.add_option("--boot", boot_protocol,
                   "Boot protocol to use whatever the image carries: limine (docs/loaders.md)")
        ->check(CLI::IsMember({"limine"}));
    app.add_flag("--kaslr", config.load.kaslr,
                 "Limine: load a position-independent executable at a random slide (default: at "
                 "its link address)");
    app.add_option("--cmdline", config.load.cmdline,
                   "Kernel command line (Multiboot info, Limine executable file, machine table)");
    app.add_option("--module", modules, "Multiboot or Limine module FILE[,STRING] (repeatable)")
        ->allow_extra_args(false);
    app.add_option("--cpus", config.cpus, "Number of vCPUs (1-64); APs wait for INIT-SIPI-SIPI")
        ->capture_default_str();
    app.add_option("--serial", config.serial, "Console backend: stdio, file:PATH or none")
        ->capture_default_str();
    app.add_option("--timeout", timeout, "End the run after SECONDS (exit code 124)")
        ->check(CLI::PositiveNumber);
    app.add_flag("-v,--verbose", verbosity,
                 "Log the kernel's format and entry, every VM exit and gdb events; -vv also logs "
                 "every gdb packet");
    app.add_flag("--trace-exits", config.trace_exits,
                 "Print a table of VM exits by type at the end");
    std::string gdb;
    bool gdb_nowait = false;
    auto* gdb_option = app.add_option(
        "--gdb", gdb,
        "Serve the GDB remote protocol on [HOST]:PORT (HOST defaults to 127.0.0.1) or "
        "unix:PATH[,shared-dir], and wait for gdb before the first instruction");
    app.add_flag("--gdb-nowait", gdb_nowait,
                 "With --gdb: run at once; gdb may attach later (attaching stops the guest)");

    // PC conventions (docs/machine.md, "Running a kernel written for QEMU or GRUB").
    app.add_option("--display", config.display,
                   "Where the VGA text screen shows: auto (printed at the end if the guest wrote "
                   "to it), text (mirrored live in the terminal) or none")
        ->check(CLI::IsMember({"auto", "text", "none"}))
        ->capture_default_str();
    std::string screen_text;
    app.add_option("--screen-text", screen_text,
                   "Write the final VGA text screen to FILE as 25 lines of UTF-8, however the run "
                   "ends");
    std::string stdin_target = "serial";
    app.add_option("--stdin", stdin_target,
                   "Where standard input goes: serial (COM1) or keyboard (PS/2 scan codes)")
        ->check(CLI::IsMember({"serial", "keyboard"}))
        ->capture_default_str();
    std::string rtc = "utc";
    app.add_option("--rtc", rtc, "CMOS clock time base: utc or localtime")
        ->check(CLI::IsMember({"utc", "localtime"}))
        ->capture_default_str();
    app.add_flag("--reboot", config.reboot,
                 "Restart the kernel when the guest asks for a reset (default: end the run)");
    std::string triple_fault = "report";
    app.add_option("--triple-fault", triple_fault,
                   "report: stop with a crash report (default); reset: treat it as a reset request")
        ->check(CLI::IsMember({"report", "reset"}))
        ->capture_default_str();
    app.add_option("--compat", config.compat,
                   "Port ABI of a seed hypervisor's guests: mini-kvm or symphony")
        ->check(CLI::IsMember({"mini-kvm", "symphony"}));
    // Display outputs (docs/display.md).
    std::string vnc, vnc_password_file, vnc_web, screenshot;
    auto* vnc_option = app.add_option(
        "--vnc", vnc,
        "Serve the screen over VNC on [HOST]:DISPLAY (port 5900+DISPLAY; HOST defaults to "
        "127.0.0.1) or unix:PATH; keys and mouse go to the PS/2 keyboard and mouse");
    app.add_option("--vnc-password-file", vnc_password_file,
                   "With --vnc: require the password on the first line of FILE (VNC "
                   "authentication; 8 characters count)");
    auto* vnc_web_option = app.add_option(
        "--vnc-web", vnc_web,
        "With --vnc: also serve the noVNC web viewer on HTTP port PORT of the same address");
    app.add_option("--screenshot", screenshot,
                   "Write the final screen (text or graphics) to FILE as PNG, however the run "
                   "ends");
    std::vector<std::string> load_files;
    app.add_option("--load-file", load_files,
                   "Copy FILE to guest-physical ADDR before the kernel starts: FILE@ADDR "
                   "(repeatable)")
        ->allow_extra_args(false);
    std::vector<std::string> disks;
    app.add_option("--disk", disks,
                   "A virtio-blk disk on a raw image: FILE[,ro][,serial=S][,cache=writeback|none] "
                   "(repeatable)")
        ->allow_extra_args(false);
    app.add_option("--net", config.nets,
                   "A virtio-net card: tap=NAME[,mac=M] (a TAP device; needs CAP_NET_ADMIN to "
                   "create it), user[,hostfwd=tcp::HOSTPORT-:GUESTPORT...][,mac=M] (user-mode "
                   "networking, no root) or switch=NAME[,mac=M][,uplink=user[,hostfwd=...]|"
                   "uplink=tap:IFNAME] (a port on the in-process Ethernet switch NAME, no root) "
                   "(repeatable)")
        ->allow_extra_args(false);
    app.add_option("--virtio-transport", config.virtio_transport,
                   "How virtio devices are attached: pci (modern virtio-pci, default) or mmio "
                   "(virtio-mmio version 2)")
        ->check(CLI::IsMember({"pci", "mmio"}));

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        fail(exit_code::kUsage, std::string(e.what()) + " (see svm --help)");
    }

    const int boot_images = static_cast<int>(boot_disk_option->count() +
                                             boot_floppy_option->count() + kernel_option->count());
    // No kernel: the built-in sample OS (docs/guests.md, "The sample OS"), with its disk and a
    // user-mode network card unless the command line names its own.
    const bool sample_os = boot_images == 0;
    if (sample_os) {
        if (sample_os_kernel().empty())
            fail(exit_code::kUsage,
                 "KERNEL is required (or --boot-disk FILE); this svm was built without its sample "
                 "OS (see svm --help)");
        auto files = sample_os_files();
        if (!files) fail(exit_code::kHostSetup, files.error().message);
        std::fprintf(stderr,
                     "svm: no kernel given: booting the built-in sample OS (type help at its "
                     "prompt). Your own kernel: svm KERNEL; options: svm --help\n");
        config.kernel_path = files->kernel;
        config.vm_name = "svm-sample-os";
        if (!files->disk.empty() && disks.empty()) disks.push_back(files->disk + ",ro");
        if (config.nets.empty()) config.nets.push_back("user");
    }
    if (boot_images > 1)
        fail(exit_code::kUsage,
             "give one of KERNEL, --boot-disk FILE and --boot-floppy FILE (see svm --help)");
    if (boot_disk_option->count() + boot_floppy_option->count() > 0) {
        const bool floppy = boot_floppy_option->count() > 0;
        const char* name = floppy ? "--boot-floppy" : "--boot-disk";
        auto spec = parse_boot_disk_spec(floppy ? boot_floppy : boot_disk);
        if (!spec) fail(exit_code::kUsage, std::string(name) + ": " + spec.error().message);
        config.kernel_path = spec->path;
        config.boot_disk = MachineConfig::BootDisk{spec->path, spec->writable,
                                                   static_cast<uint8_t>(floppy ? 0x00 : 0x80)};
        config.load.boot_disk = true;
    }
    config.load.force_limine = boot_protocol == "limine";
    config.load.flat_explicit =
        load_option->count() + entry_option->count() + mode_option->count() > 0;

    log::g_level = verbosity >= 2   ? log::Level::Debug
                   : verbosity == 1 ? log::Level::Verbose
                                    : log::Level::Info;
    auto size = parse_size(memory);
    if (!size) fail(exit_code::kUsage, "--memory: " + size.error().message);
    config.memory_size = *size;
    auto load_addr = parse_address(load);
    if (!load_addr) fail(exit_code::kUsage, "--load: " + load_addr.error().message);
    config.load.load_address = *load_addr;
    if (!entry.empty()) {
        auto e = parse_address(entry);
        if (!e) fail(exit_code::kUsage, "--entry: " + e.error().message);
        config.load.entry = *e;
    }
    config.load.flat_mode = mode == "long"        ? CpuMode::Long
                            : mode == "protected" ? CpuMode::Protected
                                                  : CpuMode::Real;
    for (const std::string& spec : modules) {
        auto comma = spec.find(',');
        std::string path = spec.substr(0, comma);
        if (path.empty())
            fail(exit_code::kUsage, "--module needs a file name: --module FILE[,ARGS]");
        std::string args = comma == std::string::npos ? "" : spec.substr(comma + 1);
        config.load.modules.push_back({path, args.empty() ? path : path + " " + args});
    }
    if (timeout > 0) config.timeout_seconds = timeout;
    if (!screen_text.empty()) config.screen_text_path = screen_text;
    config.stdin_keyboard = stdin_target == "keyboard";
    config.rtc_localtime = rtc == "localtime";
    config.triple_fault_resets = triple_fault == "reset";
    for (const std::string& spec : load_files) {
        auto at = spec.rfind('@');
        if (at == std::string::npos || at == 0 || at + 1 == spec.size())
            fail(exit_code::kUsage,
                 "--load-file needs FILE@ADDR, e.g. --load-file stage2.bin@0x100000");
        auto address = parse_address(spec.substr(at + 1));
        if (!address) fail(exit_code::kUsage, "--load-file: " + address.error().message);
        config.load_files.push_back({spec.substr(0, at), *address});
    }
    if (gdb_option->count() > 0) {
        // An address that cannot work is a usage error, found before anything starts (an empty
        // one used to disable the server silently, an unresolvable host to exit 71).
        if (gdb.empty())
            fail(exit_code::kUsage,
                 "--gdb needs an address: PORT, HOST:PORT, [IPv6]:PORT or unix:PATH");
        if (auto endpoint = gdb::check_endpoint(gdb); !endpoint)
            fail(exit_code::kUsage, "--gdb: " + endpoint.error().message);
        config.gdb_endpoint = gdb;
    }
    if (gdb_nowait && !config.gdb_endpoint) fail(exit_code::kUsage, "--gdb-nowait needs --gdb");
    config.gdb_wait = !gdb_nowait;
    if (!screenshot.empty()) config.screenshot_path = screenshot;
    for (const std::string& spec : disks) {
        auto disk = virtio::parse_disk_option(spec);
        if (!disk) fail(exit_code::kUsage, "--disk: " + disk.error().message);
        // Opened (and locked) once here so a missing, misshapen or busy image is reported before
        // anything starts; the machine opens it again for good.
        if (auto image = virtio::BlockImage::open(*disk); !image)
            fail(exit_code::kUsage, "--disk: " + image.error().message);
        config.disks.push_back(*disk);
    }
    for (const std::string& spec : config.nets)
        if (auto net = parse_net_option(spec); !net) fail(exit_code::kUsage, net.error().message);
    if (auto plan = plan_virtio(config); !plan) fail(exit_code::kUsage, plan.error().message);

    // --vnc: one server for the whole run of svm, so viewers stay connected across --reboot; each
    // machine attaches its screen to the hub.
    std::shared_ptr<DisplayHub> display_hub;
    std::unique_ptr<VncServer> vnc_server;
    if (vnc_option->count() == 0 && (!vnc_password_file.empty() || vnc_web_option->count() > 0))
        fail(exit_code::kUsage, "--vnc-password-file and --vnc-web need --vnc");
    if (vnc_option->count() > 0) {
        auto endpoint = parse_vnc_endpoint(vnc);
        if (!endpoint) fail(exit_code::kUsage, endpoint.error().message);
        VncServerOptions options;
        options.password_file = vnc_password_file;
        if (vnc_web_option->count() > 0) {
            auto port = parse_vnc_web_port(vnc_web);
            if (!port) fail(exit_code::kUsage, port.error().message);
            options.web_port = *port;
        }
        options.desktop_name = "svm: " + config.kernel_path;
        display_hub = std::make_shared<DisplayHub>();
        auto server = VncServer::create(*endpoint, *display_hub, display_hub->input(), options);
        if (!server) fail(exit_code::kHostSetup, "--vnc: " + server.error().message);
        vnc_server = std::move(*server);
        if (!vnc_server->web_url().empty())
            log::info("the screen in a browser: {}", vnc_server->web_url());
        config.keep_screen_after_halt = true;
    }

    // --reboot: a reset request ends this machine and builds a fresh one from the same files,
    // as a PC reboots into the same kernel. --timeout counts across reboots.
    using Clock = std::chrono::steady_clock;
    const auto started = Clock::now();
    for (int boot = 0;; ++boot) {
        MachineConfig run_config = config;
        if (config.timeout_seconds) {
            double left = *config.timeout_seconds -
                          std::chrono::duration<double>(Clock::now() - started).count();
            run_config.timeout_seconds = std::max(left, 0.001);
        }
        // After a reboot the guest runs on; gdb may attach again (--gdb-nowait semantics).
        if (boot > 0) run_config.gdb_wait = false;
        auto machine = Machine::create(run_config, display_hub);
        if (!machine)
            fail(machine.error().exit_code ? machine.error().exit_code : exit_code::kInternal,
                 machine.error().message);
        log::verbose("{}: {} kernel, entry {:#x} in {} mode", config.kernel_path,
                     (*machine)->image().format, (*machine)->image().entry,
                     to_string((*machine)->image().mode));

        RunOutcome outcome = (*machine)->run();
        if (config.trace_exits)
            std::fprintf(stderr, "%s", (*machine)->stats().format_table().c_str());
        if (outcome.kind == RunOutcome::Kind::Reset && config.reboot) {
            if (!outcome.note.empty()) std::fprintf(stderr, "svm: %s\n", outcome.note.c_str());
            std::fprintf(stderr, "svm: %s: restarting the kernel (--reboot)\n",
                         outcome.summary.c_str());
            continue;
        }
        if (!outcome.report.empty()) std::fprintf(stderr, "\n%s\n", outcome.report.c_str());
        if (!outcome.note.empty()) std::fprintf(stderr, "svm: %s\n", outcome.note.c_str());
        if (outcome.kind != RunOutcome::Kind::GuestExit || log::enabled(log::Level::Verbose))
            std::fprintf(stderr, "svm: %s (exit code %d)\n", outcome.summary.c_str(), outcome.code);
        return outcome.code;
    }
}
