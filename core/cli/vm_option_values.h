// The variables CLI11 writes one VM's options into (vm_options.h, VmOptionParser), shared by the
// option definitions (vm_option_definitions.cpp) and the checks (vm_options.cpp). Internal to
// core/cli/.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "core/cli/vm_options.h"

namespace svm::cli {

// What CLI11 writes into, and the options whose presence matters. The defaults are svm's.
struct VmOptionParser::Values {
    MachineConfig config;
    std::string memory = "128M", load = "0", entry, mode = "real";
    std::vector<std::string> modules;
    double timeout = 0;
    int verbosity = 0;
    std::string boot_disk, boot_floppy, boot_protocol;
    std::string gdb;
    bool gdb_nowait = false;
    std::string screen_text;
    std::string stdin_target = "serial";
    std::string rtc = "utc";
    std::string triple_fault = "report";
    std::string vnc, vnc_password_file, vnc_web, screenshot;
    std::vector<std::string> load_files;
    std::vector<std::string> disks;
    std::string name;
    int share = 0;

    // Every option of a VM, in definition order.
    std::vector<CLI::Option*> all;
    CLI::Option *kernel = nullptr, *load_option = nullptr, *entry_option = nullptr,
                *mode_option = nullptr, *boot_disk_option = nullptr, *boot_floppy_option = nullptr,
                *gdb_option = nullptr, *stdin_option = nullptr, *vnc_option = nullptr,
                *vnc_web_option = nullptr, *name_option = nullptr, *share_option = nullptr;
};

}  // namespace svm::cli
