// svm: boot a hobby-OS kernel on KVM. Parses the command line, builds the machine, runs it and
// turns the way it ended into the process exit code (docs/machine.md, "Exit codes").
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <signal.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "core/cli/shell_words.h"
#include "core/cli/vm_file.h"
#include "core/cli/vm_options.h"
#include "core/cli/vm_set.h"
#include "core/display/display_hub.h"
#include "core/display/vnc_server.h"
#include "core/kvm/kvm.h"
#include "core/log.h"
#include "core/machine/console.h"
#include "core/machine/console_mux.h"
#include "core/machine/input_switch.h"
#include "core/machine/machine.h"
#include "core/machine/machine_run.h"
#include "core/machine/vm_set_run.h"

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

// --vnc: one server for the whole run of a VM, so viewers stay connected across --reboot; each
// machine attaches its screen to the hub. Returns the server, or an error (exit code 71).
struct VncRun {
    std::shared_ptr<svm::DisplayHub> hub;
    std::unique_ptr<svm::VncServer> server;
};
svm::Result<VncRun> start_vnc(const svm::cli::VmOptions& options) {
    using namespace svm;
    VncRun vnc;
    if (!options.vnc) return vnc;
    VncServerOptions vnc_options;
    vnc_options.password_file = options.vnc->password_file;
    vnc_options.web_port = options.vnc->web_port;
    vnc_options.desktop_name = "svm: " + (options.name.empty() ? options.config.kernel_path
                                                               : options.name);
    vnc.hub = std::make_shared<DisplayHub>();
    auto server =
        VncServer::create(options.vnc->endpoint, *vnc.hub, vnc.hub->input(), vnc_options);
    if (!server)
        return std::unexpected(Error{"--vnc: " + server.error().message, exit_code::kHostSetup});
    vnc.server = std::move(*server);
    if (!vnc.server->web_url().empty())
        log::info("the screen{} in a browser: {}", options.name.empty() ? "" : " of " + options.name,
                  vnc.server->web_url());
    return vnc;
}

// Runs a VM set of two or more VMs together (docs/multi-vm.md, "Running a set") and returns the
// process exit code. Every VM whose console is stdio writes through one ConsoleMux into one
// standard-output Console; the set's loop owns the signals.
int run_set(svm::cli::VmSet& set, bool crash_ends_all) {
    using namespace svm;
    // SIGINT, SIGTERM and SIGHUP are the set loop's (run_vm_set reads them): block them before
    // any thread starts here (the standard-input reader, the VNC servers), so that every thread
    // inherits the mask and none of them takes such a signal with its default action.
    const sigset_t set_signals = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set_signals, nullptr);
    // A host without usable KVM fails every VM the same way: say it once, before anything starts.
    if (auto kvm = Kvm::open(); !kvm) fail(exit_code::kHostSetup, kvm.error().message);
    std::vector<std::string> names;
    for (const cli::VmSpec& vm : set.vms) names.push_back(vm.name);
    auto out = Console::create_for_fd(STDOUT_FILENO, "standard output");
    ConsoleMux mux(*out, names, ConsoleMux::want_colour(STDOUT_FILENO));
    // The reader of standard output left (`svm --vm .. --vm .. | head`): every VM ends.
    UniqueFd closed_fd(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    out->set_output_closed_handler([fd = closed_fd.get()] {
        uint64_t one = 1;
        [[maybe_unused]] ssize_t w = ::write(fd, &one, sizeof one);
    });

    // Standard input: one reader for the set; Ctrl-A N switches the VM it goes to. Each VM hands
    // over its input function while it runs (MachineConfig::set_input_sink).
    const size_t n = set.vms.size();
    InputSwitch input_switch(n, set.stdin_vm.value_or(0));
    std::mutex sinks_mutex;  // guards sinks; held while a VM's input function runs
    std::vector<std::function<void(std::span<const uint8_t>)>> sinks(n);
    std::unique_ptr<Console> input;
    if (set.stdin_vm)
        input = Console::create_forwarding([](std::span<const uint8_t>, bool) {}, true);

    std::vector<VncRun> vncs;
    std::vector<NamedMember> members;
    for (size_t i = 0; i < set.vms.size(); ++i) {
        cli::VmSpec& vm = set.vms[i];
        if (vm.options.sample_os)
            std::fprintf(stderr, "svm: %s: no kernel given: booting the built-in sample OS\n",
                         vm.name.c_str());
        auto vnc = start_vnc(vm.options);
        if (!vnc) fail(cli::vm_error(vm.definition, vm.name, vnc.error()));
        MachineConfig config = vm.options.config;
        config.set_console_output = [&mux, i](std::span<const uint8_t> bytes, bool wait) {
            mux.write(i, bytes, wait);
        };
        config.set_vm_name = vm.name;
        if (input)
            config.set_input_sink =
                [&sinks_mutex, &sinks, i](std::function<void(std::span<const uint8_t>)> sink) {
                    std::lock_guard lock(sinks_mutex);
                    sinks[i] = std::move(sink);
                };
        config.signals_from_caller = true;
        // FIXME: CPU shares (--share, issue 15) are not enforced yet: every vCPU of every VM is
        // a host thread of its own, scheduled by the host.
        members.push_back({vm.name, std::make_unique<MachineVm>(config, vnc->hub, vm.name)});
        vncs.push_back(std::move(*vnc));
    }
    if (input) {
        log::info("typing goes to {}; Ctrl-A 1..{} types into another VM, Ctrl-A h for help",
                  set.vms[*set.stdin_vm].name, std::min<size_t>(n, 9));
        input->start_input([&](std::span<const uint8_t> bytes) {
            for (const InputSwitch::Action& action : input_switch.feed(bytes)) {
                using Kind = InputSwitch::Action::Kind;
                if (action.kind == Kind::Switched)
                    std::fprintf(stderr, "\r\nsvm: typing goes to %s now\r\n",
                                 set.vms[action.vm].name.c_str());
                if (action.kind == Kind::Help)
                    std::fprintf(stderr, "\r\nsvm: %s\r\n", input_switch.help().c_str());
                if (action.kind != Kind::Input) continue;
                std::lock_guard lock(sinks_mutex);
                if (sinks[action.vm])
                    sinks[action.vm]({reinterpret_cast<const uint8_t*>(action.bytes.data()),
                                      action.bytes.size()});
            }
        });
    }

    VmSetRunOptions run_options;
    run_options.crash_ends_all = crash_ends_all;
    VmSetOutcome outcome = run_vm_set(std::move(members), run_options, closed_fd.get(), [] {
        return RunOutcome{RunOutcome::Kind::OutputClosed, exit_code::kOutputClosed,
                          "standard output was closed by its reader: the run was ended", ""};
    });
    if (input) input->stop_input();
    // Every VM has ended: write out what they printed (a signal ends the wait).
    UniqueFd signal_fd(signalfd(-1, &set_signals, SFD_CLOEXEC));
    out->drain(signal_fd.get(), std::nullopt);
    out->abandon();
    if (std::string lost = out->unwritten_report(); !lost.empty())
        std::fprintf(stderr, "svm: %s\n", lost.c_str());
    std::fprintf(stderr, "%s\n", format_set_summary(outcome).c_str());
    return outcome.code;
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
    bool crash_ends_all = false;
    app.add_flag("--crash-ends-all", crash_ends_all,
                 "With several VMs: a VM's crash (triple fault, halt with interrupts off, "
                 "emulation or entry failure) ends every VM, not just that one "
                 "(docs/multi-vm.md)");

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
            int level = vm_parser.verbosity();
            for (const cli::VmSpec& vm : set->vms) level = std::max(level, vm.options.verbosity);
            log::g_level = level >= 2   ? log::Level::Debug
                           : level == 1 ? log::Level::Verbose
                                        : log::Level::Info;
            return run_set(*set, crash_ends_all);
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

    auto vnc = start_vnc(options);
    if (!vnc) fail_vm(vnc.error());
    auto run = run_machine(config, vnc->hub);
    if (!run) fail_vm(run.error());
    const RunOutcome& outcome = *run;
    if (!outcome.report.empty()) std::fprintf(stderr, "\n%s\n", outcome.report.c_str());
    if (!outcome.note.empty()) std::fprintf(stderr, "svm: %s\n", outcome.note.c_str());
    if (outcome.kind != RunOutcome::Kind::GuestExit || log::enabled(log::Level::Verbose))
        std::fprintf(stderr, "svm: %s (exit code %d)\n", outcome.summary.c_str(), outcome.code);
    return outcome.code;
}
