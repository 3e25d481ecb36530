// One VM's command line: the options of `svm [OPTIONS] [KERNEL]` (README.md, "Options"), parsed
// and checked into a MachineConfig plus what belongs to the process around the machine (the VNC
// server, the log level). The same parser reads svm's own command line (main.cpp), each
// `--vm 'ARGS'` and each [[vm]] table of a VM file (vm_set.h), so every option has one meaning.
//
// Two steps, so that many VMs' command lines can be checked before anything is opened:
//  - parsing (VmOptionParser::finish(), parse_vm_options()) reads no file and creates nothing;
//    only --gdb is looked at as gdb::check_endpoint() does (a host name resolved, a socket's
//    directory checked);
//  - preparing (provide_sample_os(), check_disks()) creates the sample OS's in-memory files and
//    opens and locks each --disk image once, so a missing or busy image is reported before the
//    machine starts (the machine opens it again for good).
// Errors are Error values whose exit_code is the process exit code: 64 for the command line
// (docs/machine.md, "Exit codes"), 71 for the host.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/display/vnc_endpoint.h"
#include "core/machine/machine_config.h"
#include "core/machine/pc/virtio_plan.h"
#include "core/result.h"
#include "gdbstub/endpoint.h"

namespace CLI {
class App;
}  // namespace CLI

namespace svm::cli {

// Everything one VM's command line asks for, checked.
struct VmOptions {
    MachineConfig config;
    // No KERNEL, --boot-disk or --boot-floppy: svm's built-in sample OS. config.kernel_path is
    // empty until provide_sample_os() fills it in (and the sample disk's path, see below).
    bool sample_os = false;
    // With sample_os and no --disk: config.disks[0] is the sample OS's read-only disk, whose path
    // provide_sample_os() fills in.
    bool sample_os_disk = false;

    // VM sets (docs/multi-vm.md): --name NAME (empty if not given; also config.vm_name, from
    // which default MAC addresses derive) and --share N (1-100).
    std::string name;
    std::optional<int> share;

    // -v count: the log level of the process (0 info, 1 verbose, 2 or more debug).
    int verbosity = 0;
    // --stdin was given (not just its default): the VM asks for standard input.
    bool stdin_explicit = false;

    // --vnc and its companions. The server belongs to the process around the machine (it
    // outlives --reboot), so main creates it.
    struct Vnc {
        VncEndpoint endpoint;
        std::string text;                  // as given to --vnc (for messages)
        std::string password_file;         // --vnc-password-file; empty = no authentication
        std::optional<uint16_t> web_port;  // --vnc-web PORT
    };
    std::optional<Vnc> vnc;

    // --gdb, checked (config.gdb_endpoint holds the text the machine serves).
    std::optional<gdb::Endpoint> gdb;
    // --net, parsed (config.nets holds the text the machine parses again).
    std::vector<NetOption> nets;
};

// One VM's options bound to a CLI11 application. main.cpp adds them to its own application, so
// that `svm --help` lists them and CLI11 handles --help and --version there; parse_vm_options()
// uses a private one. The parser owns the variables CLI11 writes into, so it must outlive the
// application's parse().
class VmOptionParser {
public:
    explicit VmOptionParser(CLI::App& app);
    ~VmOptionParser();
    VmOptionParser(const VmOptionParser&) = delete;
    VmOptionParser& operator=(const VmOptionParser&) = delete;

    // After app.parse(): checks the values and converts them. Reads no file (see above).
    Result<VmOptions> finish() const;

    // After app.parse(): the -v count (which needs no checking).
    int verbosity() const;

    // The options of this parser that were given ("--memory", "KERNEL"), in definition order.
    std::vector<std::string> given() const;

private:
    struct Values;
    // Adds the options to `app`, bound to `values` (in `svm --help` order).
    static void define_options(CLI::App& app, Values& values);
    std::unique_ptr<Values> values_;
};

// Parses one VM's command line (`args` without a program name), as `svm ARGS` would. CLI11's
// own errors read as svm's do ("... (see svm --help)"); --help and --version are not options of
// a VM. Reads no file.
Result<VmOptions> parse_vm_options(const std::vector<std::string>& args);

// True if `name` may name a VM: 1 to 32 of A-Z a-z 0-9 _ and -.
bool is_vm_name(std::string_view name);

// The long option names of one VM ("memory", "boot-disk", "verbose"), without "--": the keys a
// [[vm]] table of a VM file may use.
std::vector<std::string> vm_option_names();
// True if --NAME is a flag (takes no value).
bool vm_option_is_flag(const std::string& name);

// With options.sample_os: creates the sample OS's files (memfd_create(2)) and fills in the kernel
// path and the sample disk's path. Nothing to do otherwise. Error exit code 71.
Result<void> provide_sample_os(VmOptions& options);

// Opens (and locks) each --disk image once and closes it again, so that a missing, misshapen or
// busy image is reported before anything starts. Error exit code 64, "--disk: ...".
Result<void> check_disks(const VmOptions& options);

// Opens the kernel, each module and each --load-file for reading (without reading them) and
// closes them again, so that a VM set can report a missing file before it starts any VM; a single
// VM leaves that to the machine, which reads them. Error exit code 65.
Result<void> check_input_files(const VmOptions& options);

// provide_sample_os(), then check_disks().
Result<void> prepare_vm(VmOptions& options);

}  // namespace svm::cli
