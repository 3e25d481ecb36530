// The console output of a VM set (docs/multi-vm.md, "Console output"): every VM whose console is
// stdio writes through one ConsoleMux into the process's one standard-output Console, and each of
// its lines is prefixed with the VM's name ("web | "), the names padded to one width, the prefix
// coloured per VM when the output is a terminal.
//
// Lines of different VMs never mix: a VM that writes while another VM's line is unfinished (a
// prompt, a half-echoed command) ends that line first, and the unfinished VM's next bytes start a
// new prefixed line. The guest's bytes themselves pass unchanged (escape sequences included); only
// prefixes and those line ends are added.
//
// Lock order: ConsoleMux's mutex, then the output Console's (a leaf).
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace svm {

class Console;

class ConsoleMux {
public:
    // `names`: the VMs' names, indexed as write()'s `vm`. `colour`: wrap each prefix in an ANSI
    // SGR colour (ECMA-48 8.3.117), a different one per VM, cycling through six. `out` outlives
    // the mux.
    ConsoleMux(Console& out, std::vector<std::string> names, bool colour);

    // Writes VM `vm`'s guest output `bytes` (any split: a line may come in several calls),
    // prefixing every line it starts. `wait_for_room` as Console::write(): false once that VM is
    // stopping (what does not fit is dropped and counted by the output Console). Thread-safe.
    void write(size_t vm, std::span<const uint8_t> bytes, bool wait_for_room = true);

    // What write() would send for `bytes` of `vm`, with the state advanced as write() does.
    // Exposed for tests; callers hold no lock (the mux takes its own).
    std::string format(size_t vm, std::span<const uint8_t> bytes);

    // True if standard output should get colours: it is a terminal (isatty), TERM is not "dumb"
    // and NO_COLOR (https://no-color.org) is unset or empty.
    static bool want_colour(int fd);

private:
    std::string format_locked(size_t vm, std::span<const uint8_t> bytes);
    std::string prefix(size_t vm) const;

    Console& out_;
    std::vector<std::string> names_;
    size_t width_ = 0;
    bool colour_;
    std::mutex mutex_;
    std::optional<size_t> unfinished_;  // the VM whose line the output ends in the middle of
};

}  // namespace svm
