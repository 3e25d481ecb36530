// One VM of a set as the command line (`--vm 'ARGS'`) or a VM file gave it: its arguments before
// they are parsed, and where they came from, for messages.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace svm::cli {

struct VmDefinition {
    // The VM's command line, as `svm ARGS` would take it (no program name).
    std::vector<std::string> args;
    // Where the VM was defined: a VM file and the line of its [[vm]] table; file is empty for
    // --vm, and `index` says which --vm (1 for the first).
    std::string file;
    uint32_t line = 0;
    size_t index = 0;
    // VM files only: the line that gave each option ("--memory" from `memory = "64M"` on line
    // 4), so that an error about an option points at its line.
    std::vector<std::pair<std::string, uint32_t>> option_lines;
};

}  // namespace svm::cli
