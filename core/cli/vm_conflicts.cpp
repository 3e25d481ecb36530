#include "core/cli/vm_conflicts.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "core/cli/vm_set.h"
#include "core/machine/run_outcome.h"

namespace svm::cli {

namespace {

// One thing a VM asks for that another VM may not also have.
struct Claim {
    std::string key;        // what is compared: "tap:NAME", "tcp:PORT", "file:DEV:INO", "path:/abs"
    std::string what;       // for the message: "TAP device tap0", "TCP port 1234", "file x.img"
    std::string option;     // the option that asked for it: "--net tap=tap0"
    bool exclusive = true;  // false: may be shared with other non-exclusive claims (a ro disk)
};

// The identity of a path: its device and inode if the file exists, else its absolute path with
// "." and ".." resolved.
std::string path_key(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) == 0) return fmt::format("file:{}:{}", st.st_dev, st.st_ino);
    std::error_code ec;
    auto absolute = std::filesystem::absolute(path, ec);
    return "path:" + (ec ? std::filesystem::path(path) : absolute).lexically_normal().string();
}

void add_path(std::vector<Claim>& claims, const std::string& path, const std::string& what,
              const std::string& option, bool exclusive = true) {
    claims.push_back({path_key(path), what + " " + path, option, exclusive});
}

void add_port(std::vector<Claim>& claims, uint16_t port, const std::string& option) {
    if (port == 0) return;  // any free port: never the same as another's
    claims.push_back({fmt::format("tcp:{}", port), fmt::format("TCP port {}", port), option});
}

std::vector<Claim> claims_of(const VmOptions& options) {
    const MachineConfig& config = options.config;
    std::vector<Claim> claims;
    for (const NetOption& net : options.nets)
        if (net.kind == NetOption::Kind::Tap)
            claims.push_back(
                {"tap:" + net.tap_name, "TAP device " + net.tap_name, "--net tap=" + net.tap_name});
    if (options.gdb) {
        const gdb::Endpoint& gdb = *options.gdb;
        const std::string option = "--gdb " + *config.gdb_endpoint;
        if (gdb.kind == gdb::Endpoint::Kind::Tcp)
            add_port(claims, gdb.port, option);
        else
            add_path(claims, gdb.path, "socket", option);
    }
    if (options.vnc) {
        const VncEndpoint& vnc = options.vnc->endpoint;
        const std::string option = "--vnc " + options.vnc->text;
        if (vnc.kind == VncEndpoint::Kind::Tcp)
            add_port(claims, vnc.port, option);
        else
            add_path(claims, vnc.path, "socket", option);
        if (options.vnc->web_port)
            add_port(claims, *options.vnc->web_port,
                     fmt::format("--vnc-web {}", *options.vnc->web_port));
    }
    // --display text draws the VGA text screen over the whole terminal: one VM at a time.
    if (config.display == "text")
        claims.push_back({"terminal", "the terminal", "--display text"});
    if (config.serial.rfind("file:", 0) == 0)
        add_path(claims, config.serial.substr(5), "file", "--serial " + config.serial);
    if (config.screenshot_path)
        add_path(claims, *config.screenshot_path, "file",
                 "--screenshot " + *config.screenshot_path);
    if (config.screen_text_path)
        add_path(claims, *config.screen_text_path, "file",
                 "--screen-text " + *config.screen_text_path);
    for (const virtio::DiskConfig& disk : config.disks) {
        if (disk.path.empty()) continue;  // the sample OS's disk: a file of this VM's own
        add_path(claims, disk.path, "disk image",
                 "--disk " + disk.path + (disk.read_only ? ",ro" : ""), !disk.read_only);
    }
    if (config.boot_disk) {
        const bool floppy = config.boot_disk->drive == 0x00;
        add_path(claims, config.boot_disk->path, "disk image",
                 std::string(floppy ? "--boot-floppy " : "--boot-disk ") + config.boot_disk->path +
                     (config.boot_disk->writable ? ",rw" : ""),
                 config.boot_disk->writable);
    }
    return claims;
}

}  // namespace

Result<void> check_conflicts(const std::vector<VmSpec>& vms) {
    std::vector<std::vector<Claim>> claims;
    for (const VmSpec& vm : vms) claims.push_back(claims_of(vm.options));
    for (size_t b = 1; b < vms.size(); ++b)
        for (size_t a = 0; a < b; ++a)
            for (const Claim& later : claims[b])
                for (const Claim& earlier : claims[a]) {
                    if (later.key != earlier.key || (!later.exclusive && !earlier.exclusive))
                        continue;
                    return with_exit_code(
                        Error{fmt::format("vm \"{}\" and vm \"{}\" both ask for {} ({}; {}): "
                                          "each VM needs its own{}",
                                          vms[a].name, vms[b].name, earlier.what, earlier.option,
                                          later.option,
                                          earlier.what.starts_with("disk image") &&
                                                  later.what.starts_with("disk image")
                                              ? " (or give ,ro to every VM that uses it)"
                                              : "")},
                        exit_code::kUsage);
                }
    // The cards of every VM on one switch: one uplink per switch, no two equal mac= (each VM's
    // own cards were checked when its options were parsed).
    std::vector<NetOption> cards;
    for (const VmSpec& vm : vms)
        for (const NetOption& net : vm.options.nets)
            if (net.kind == NetOption::Kind::Switch) cards.push_back(net);
    if (auto switches = check_switch_cards(cards); !switches)
        return with_exit_code(Error{"the VMs' switch cards: " + switches.error().message},
                              exit_code::kUsage);
    return {};
}

}  // namespace svm::cli
