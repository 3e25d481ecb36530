#include "core/cli/vm_options.h"

#include <CLI/CLI.hpp>
#include <algorithm>

#include "core/cli/vm_option_values.h"
#include "core/loader/boot_sector.h"
#include "core/loader/host_file.h"
#include "core/machine/run_outcome.h"
#include "core/sample_os/sample_os.h"
#include "core/size_parser.h"

namespace svm::cli {

namespace {

std::unexpected<Error> usage(std::string message) {
    return with_exit_code(Error{std::move(message)}, exit_code::kUsage);
}

}  // namespace

VmOptionParser::VmOptionParser(CLI::App& app) : values_(std::make_unique<Values>()) {
    define_options(app, *values_);
}

VmOptionParser::~VmOptionParser() = default;

int VmOptionParser::verbosity() const {
    return values_->verbosity;
}

std::vector<std::string> VmOptionParser::given() const {
    std::vector<std::string> names;
    for (const CLI::Option* option : values_->all)
        if (option->count() > 0)
            names.push_back(option->get_lnames().empty() ? option->get_name()
                                                         : "--" + option->get_lnames().front());
    return names;
}

Result<VmOptions> VmOptionParser::finish() const {
    const Values& v = *values_;
    VmOptions out;
    MachineConfig& config = out.config;
    config = v.config;
    std::vector<std::string> disks = v.disks;

    const int boot_images = static_cast<int>(v.boot_disk_option->count() +
                                             v.boot_floppy_option->count() + v.kernel->count());
    // No kernel: the built-in sample OS (docs/guests.md, "The sample OS"), with its disk and a
    // user-mode network card unless the command line names its own. Its files are created by
    // provide_sample_os().
    out.sample_os = boot_images == 0;
    if (out.sample_os) {
        if (sample_os_kernel().empty())
            return usage(
                "KERNEL is required (or --boot-disk FILE); this svm was built without its sample "
                "OS (see svm --help)");
        config.vm_name = "svm-sample-os";
        out.sample_os_disk = !sample_os_disk().empty() && disks.empty();
        if (config.nets.empty()) config.nets.push_back("user");
    }
    if (boot_images > 1)
        return usage(
            "give one of KERNEL, --boot-disk FILE and --boot-floppy FILE (see svm --help)");
    if (v.boot_disk_option->count() + v.boot_floppy_option->count() > 0) {
        const bool floppy = v.boot_floppy_option->count() > 0;
        const char* name = floppy ? "--boot-floppy" : "--boot-disk";
        auto spec = parse_boot_disk_spec(floppy ? v.boot_floppy : v.boot_disk);
        if (!spec) return usage(std::string(name) + ": " + spec.error().message);
        config.kernel_path = spec->path;
        config.boot_disk = MachineConfig::BootDisk{spec->path, spec->writable,
                                                   static_cast<uint8_t>(floppy ? 0x00 : 0x80)};
        config.load.boot_disk = true;
    }
    config.load.force_limine = v.boot_protocol == "limine";
    config.load.flat_explicit =
        v.load_option->count() + v.entry_option->count() + v.mode_option->count() > 0;

    out.verbosity = v.verbosity;
    auto size = parse_size(v.memory);
    if (!size) return usage("--memory: " + size.error().message);
    config.memory_size = *size;
    auto load_addr = parse_address(v.load);
    if (!load_addr) return usage("--load: " + load_addr.error().message);
    config.load.load_address = *load_addr;
    if (!v.entry.empty()) {
        auto e = parse_address(v.entry);
        if (!e) return usage("--entry: " + e.error().message);
        config.load.entry = *e;
    }
    config.load.flat_mode = v.mode == "long"        ? CpuMode::Long
                            : v.mode == "protected" ? CpuMode::Protected
                                                    : CpuMode::Real;
    for (const std::string& spec : v.modules) {
        auto comma = spec.find(',');
        std::string path = spec.substr(0, comma);
        if (path.empty()) return usage("--module needs a file name: --module FILE[,ARGS]");
        std::string args = comma == std::string::npos ? "" : spec.substr(comma + 1);
        config.load.modules.push_back({path, args.empty() ? path : path + " " + args});
    }
    if (v.timeout > 0) config.timeout_seconds = v.timeout;
    if (!v.screen_text.empty()) config.screen_text_path = v.screen_text;
    config.stdin_keyboard = v.stdin_target == "keyboard";
    out.stdin_explicit = v.stdin_option->count() > 0;
    config.rtc_localtime = v.rtc == "localtime";
    config.triple_fault_resets = v.triple_fault == "reset";
    for (const std::string& spec : v.load_files) {
        auto at = spec.rfind('@');
        if (at == std::string::npos || at == 0 || at + 1 == spec.size())
            return usage("--load-file needs FILE@ADDR, e.g. --load-file stage2.bin@0x100000");
        auto address = parse_address(spec.substr(at + 1));
        if (!address) return usage("--load-file: " + address.error().message);
        config.load_files.push_back({spec.substr(0, at), *address});
    }
    if (v.gdb_option->count() > 0) {
        // An address that cannot work is a usage error, found before anything starts (an empty
        // one used to disable the server silently, an unresolvable host to exit 71).
        if (v.gdb.empty())
            return usage("--gdb needs an address: PORT, HOST:PORT, [IPv6]:PORT or unix:PATH");
        auto endpoint = gdb::check_endpoint(v.gdb);
        if (!endpoint) return usage("--gdb: " + endpoint.error().message);
        out.gdb = *endpoint;
        config.gdb_endpoint = v.gdb;
    }
    if (v.gdb_nowait && !config.gdb_endpoint) return usage("--gdb-nowait needs --gdb");
    config.gdb_wait = !v.gdb_nowait;
    if (!v.screenshot.empty()) config.screenshot_path = v.screenshot;
    for (const std::string& spec : disks) {
        auto disk = virtio::parse_disk_option(spec);
        if (!disk) return usage("--disk: " + disk.error().message);
        config.disks.push_back(*disk);
    }
    // The sample OS's disk: read-only, its path known once provide_sample_os() made the file.
    if (out.sample_os_disk) {
        virtio::DiskConfig disk;
        disk.read_only = true;
        config.disks.push_back(disk);
    }
    for (const std::string& spec : config.nets) {
        auto net = parse_net_option(spec);
        if (!net) return usage(net.error().message);
        out.nets.push_back(*net);
    }
    if (auto plan = plan_virtio(config); !plan) return usage(plan.error().message);

    if (v.vnc_option->count() == 0 &&
        (!v.vnc_password_file.empty() || v.vnc_web_option->count() > 0))
        return usage("--vnc-password-file and --vnc-web need --vnc");
    if (v.vnc_option->count() > 0) {
        auto endpoint = parse_vnc_endpoint(v.vnc);
        if (!endpoint) return usage(endpoint.error().message);
        VmOptions::Vnc vnc{*endpoint, v.vnc, v.vnc_password_file, std::nullopt};
        if (v.vnc_web_option->count() > 0) {
            auto port = parse_vnc_web_port(v.vnc_web);
            if (!port) return usage(port.error().message);
            vnc.web_port = *port;
        }
        out.vnc = std::move(vnc);
        config.keep_screen_after_halt = true;
    }

    if (v.name_option->count() > 0) {
        if (!is_vm_name(v.name))
            return usage("--name: '" + v.name +
                         "' is not a VM name: use 1 to 32 of A-Z a-z 0-9 _ and -");
        out.name = v.name;
        config.vm_name = v.name;
    }
    if (v.share_option->count() > 0) {
        if (v.share < 1 || v.share > 100)
            return usage("--share: " + std::to_string(v.share) +
                         " is not a share: give a percentage from 1 to 100");
        out.share = v.share;
    }
    return out;
}

Result<VmOptions> parse_vm_options(const std::vector<std::string>& args) {
    CLI::App app{"", "svm"};
    app.set_help_flag();  // --help is svm's, not a VM's: here it is an unexpected argument
    VmOptionParser parser(app);
    // CLI11 takes a vector in reverse order (App::parse(std::vector<std::string>&)).
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    try {
        app.parse(reversed);
    } catch (const CLI::ParseError& e) {
        return usage(std::string(e.what()) + " (see svm --help)");
    }
    return parser.finish();
}

bool is_vm_name(std::string_view name) {
    return !name.empty() && name.size() <= 32 && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-';
    });
}

std::vector<std::string> vm_option_names() {
    CLI::App app;
    app.set_help_flag();
    VmOptionParser parser(app);
    std::vector<std::string> names;
    for (const CLI::Option* option : app.get_options())
        for (const std::string& name : option->get_lnames()) names.push_back(name);
    return names;
}

bool vm_option_is_flag(const std::string& name) {
    CLI::App app;
    app.set_help_flag();
    VmOptionParser parser(app);
    for (const CLI::Option* option : app.get_options()) {
        const auto& names = option->get_lnames();
        if (std::find(names.begin(), names.end(), name) != names.end())
            return option->get_expected_max() == 0;
    }
    return false;
}

Result<void> provide_sample_os(VmOptions& options) {
    if (!options.sample_os) return {};
    auto files = sample_os_files();
    if (!files) return with_exit_code(files.error(), exit_code::kHostSetup);
    options.config.kernel_path = files->kernel;
    if (options.sample_os_disk) options.config.disks.front().path = files->disk;
    return {};
}

Result<void> check_disks(const VmOptions& options) {
    for (const virtio::DiskConfig& disk : options.config.disks)
        if (auto image = virtio::BlockImage::open(disk); !image)
            return usage("--disk: " + image.error().message);
    return {};
}

Result<void> check_input_files(const VmOptions& options) {
    const MachineConfig& config = options.config;
    auto check = [](const std::string& path, std::string what) -> Result<void> {
        if (auto file = HostFile::open(path, std::move(what)); !file)
            return with_exit_code(file.error(), exit_code::kBadKernel);
        return {};
    };
    TRY(check(config.kernel_path, "the kernel"));
    for (size_t i = 0; i < config.load.modules.size(); ++i)
        TRY(check(config.load.modules[i].path, "module " + std::to_string(i)));
    for (const MachineConfig::LoadFile& file : config.load_files)
        TRY(check(file.path, "--load-file"));
    return {};
}

Result<void> prepare_vm(VmOptions& options) {
    TRY(provide_sample_os(options));
    TRY(check_disks(options));
    return {};
}

}  // namespace svm::cli
