// svm: boot a hobby-OS kernel on KVM. Parses the command line, builds the machine, runs it and
// turns the way it ended into the process exit code (docs/machine.md, "Exit codes").
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "core/cli/shell_words.h"
#include "core/cli/vm_file.h"
#include "core/cli/vm_options.h"
#include "core/cli/vm_set.h"
#include "core/display/display_hub.h"
#include "core/display/vnc_server.h"
#include "core/log.h"
#include "core/machine/machine.h"

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

[[noreturn]] void fail(int code, const std::string& message) {
    std::fprintf(stderr, "svm: error: %s\n", message.c_str());
    std::exit(code);
}

// An Error as main reports it: its exit code, or 64 if it has none.
[[noreturn]] void fail(const svm::Error& error) {
    fail(error.exit_code ? error.exit_code : svm::exit_code::kUsage, error.message);
}

// argv for CLI11 (App::parse(std::vector<std::string>&) takes it without the program name, in
// reverse order), with "--vm ARGS" joined into "--vm=ARGS" when ARGS begins with a dash, as it
// usually does ("--vm '-m 64M k.elf'"): CLI11 would take ARGS for an option of its own. The same
// for --vm-file. Nothing after "--" is touched.
std::vector<std::string> cli_arguments(int argc, char** argv) {
    std::vector<std::string> args;
    bool options_ended = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--") options_ended = true;
        if (!options_ended && (arg == "--vm" || arg == "--vm-file") && i + 1 < argc &&
            argv[i + 1][0] == '-')
            args.push_back(arg + "=" + argv[++i]);
        else
            args.push_back(arg);
    }
    std::reverse(args.begin(), args.end());
    return args;
}

// The VMs of --vm and --vm-file, in that order: each --vm's ARGS split into words as a shell
// splits them, then each VM file's [[vm]] tables.
svm::Result<std::vector<svm::cli::VmDefinition>> vm_definitions(
    const std::vector<std::string>& vm_args, const std::vector<std::string>& vm_files) {
    using namespace svm;
    std::vector<cli::VmDefinition> definitions;
    for (const std::string& text : vm_args) {
        cli::VmDefinition vm;
        vm.index = definitions.size() + 1;
        auto words = cli::split_words(text);
        if (!words)
            return std::unexpected(cli::vm_error(vm, cli::default_vm_name(definitions.size()),
                                                 Error{"--vm: " + words.error().message}));
        vm.args = std::move(*words);
        definitions.push_back(std::move(vm));
    }
    for (const std::string& path : vm_files)
        for (cli::VmDefinition& vm : TRY(cli::read_vm_file(path))) {
            vm.index = definitions.size() + 1;
            definitions.push_back(std::move(vm));
        }
    return definitions;
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
    // One VM's options (core/cli/vm_options.h), then the VM set's (docs/multi-vm.md).
    cli::VmOptionParser vm_parser(app);
    std::vector<std::string> vm_args, vm_files;
    app.add_option("--vm", vm_args,
                   "Run the VM of ARGS, an svm command line in one argument (split as a shell "
                   "splits words); repeatable: several VMs (docs/multi-vm.md)")
        ->allow_extra_args(false);
    app.add_option("--vm-file", vm_files,
                   "Run the VMs of a TOML file, one [[vm]] table each (docs/multi-vm.md) "
                   "(repeatable)")
        ->allow_extra_args(false);

    try {
        std::vector<std::string> args = cli_arguments(argc, argv);
        app.parse(args);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForVersion& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        fail(exit_code::kUsage, std::string(e.what()) + " (see svm --help)");
    }

    // With --vm or --vm-file the VMs' options are theirs alone; only -v is the process's.
    cli::VmOptions options;
    std::optional<cli::VmSpec> set_vm;  // the one VM of a set from --vm or --vm-file
    if (vm_args.empty() && vm_files.empty()) {
        auto parsed = vm_parser.finish();
        if (!parsed) fail(parsed.error());
        options = std::move(*parsed);
    } else {
        for (const std::string& option : vm_parser.given())
            if (option != "--verbose")
                fail(exit_code::kUsage,
                     option +
                         " belongs to one VM: with --vm or --vm-file, give it among that "
                         "VM's options (docs/multi-vm.md)");
        auto definitions = vm_definitions(vm_args, vm_files);
        if (!definitions) fail(definitions.error());
        auto set = cli::build_vm_set(*definitions);
        if (!set) fail(set.error());
        if (set->vms.size() > 1) {
            if (auto prepared = cli::prepare_vm_set(*set); !prepared) fail(prepared.error());
            // FIXME: the runtime of a VM set (issue 15): running the machines together, CPU
            // shares, the console and standard input of each VM, one gdb inferior per VM.
            fail(exit_code::kUsage,
                 "running several VMs in one process is not implemented yet (issue 15); the VM "
                 "set was checked: " +
                     set->names());
        }
        set_vm = std::move(set->vms.front());
        options = set_vm->options;
        options.verbosity = std::max(options.verbosity, vm_parser.verbosity());
    }
    // The errors of a VM from --vm or --vm-file name it.
    auto fail_vm = [&set_vm](Error error) {
        fail(set_vm ? cli::vm_error(set_vm->definition, set_vm->name, std::move(error)) : error);
    };

    log::g_level = options.verbosity >= 2   ? log::Level::Debug
                   : options.verbosity == 1 ? log::Level::Verbose
                                            : log::Level::Info;
    if (auto provided = cli::provide_sample_os(options); !provided) fail_vm(provided.error());
    if (options.sample_os)
        std::fprintf(stderr,
                     "svm: no kernel given: booting the built-in sample OS (type help at its "
                     "prompt). Your own kernel: svm KERNEL; options: svm --help\n");
    if (auto disks = cli::check_disks(options); !disks) fail_vm(disks.error());
    MachineConfig& config = options.config;

    // --vnc: one server for the whole run of svm, so viewers stay connected across --reboot; each
    // machine attaches its screen to the hub.
    std::shared_ptr<DisplayHub> display_hub;
    std::unique_ptr<VncServer> vnc_server;
    if (options.vnc) {
        VncServerOptions vnc_options;
        vnc_options.password_file = options.vnc->password_file;
        vnc_options.web_port = options.vnc->web_port;
        vnc_options.desktop_name = "svm: " + config.kernel_path;
        display_hub = std::make_shared<DisplayHub>();
        auto server = VncServer::create(options.vnc->endpoint, *display_hub, display_hub->input(),
                                        vnc_options);
        if (!server) fail_vm(Error{"--vnc: " + server.error().message, exit_code::kHostSetup});
        vnc_server = std::move(*server);
        if (!vnc_server->web_url().empty())
            log::info("the screen in a browser: {}", vnc_server->web_url());
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
        if (!machine) {
            Error error = machine.error();
            if (error.exit_code == 0) error.exit_code = exit_code::kInternal;
            fail_vm(std::move(error));
        }
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
