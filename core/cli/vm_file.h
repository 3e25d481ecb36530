// VM files: a TOML file (toml.io, v1.0.0; read with toml++) with one [[vm]] table per VM, each
// key an option of svm's command line (docs/multi-vm.md, "The VM file"):
//
//   [[vm]]
//   name = "a"                        # --name a
//   kernel = "build/kernel.elf"       # KERNEL
//   memory = "64M"                    # --memory 64M
//   cpus = 2                          # --cpus 2
//   share = 70                        # --share 70
//   kaslr = true                      # --kaslr (a flag: true or false)
//   disk = ["a.img", "b.img,ro"]      # --disk a.img --disk b.img,ro
//   args = ["--net", "user"]          # any further options, word for word
//
// A key is a long option without its "--"; a string, integer or float value is the option's
// value, an array repeats the option, a flag takes true or false. The options of the keys come
// first (in the keys' alphabetical order: a toml::table is sorted), then `args`, then "--" and
// `kernel`, so that one VM's table means what its command line would mean. Paths are taken as on
// the command line (relative to the current directory, not to the file).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/cli/vm_definition.h"
#include "core/result.h"

namespace svm::cli {

// Reads the VM file at `path` (see above). Returns its VMs in file order, or a usage error
// (exit code 64) "PATH:LINE: message" for a TOML syntax error, a missing or misplaced [[vm]]
// table, an unknown key or a value of the wrong type; "PATH: message" if the file cannot be read
// or defines no VM.
Result<std::vector<VmDefinition>> read_vm_file(const std::string& path);

// The same for `text` as the contents of a file named `path` (for messages).
Result<std::vector<VmDefinition>> parse_vm_file(std::string_view text, const std::string& path);

}  // namespace svm::cli
