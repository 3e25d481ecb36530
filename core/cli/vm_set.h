// A VM set: the VMs one svm process is asked to run, from `--vm 'ARGS'` options and VM files
// (docs/multi-vm.md). Each VM's command line is parsed by the one option parser (vm_options.h);
// then the rules that concern the set as a whole are checked before anything is opened:
//  - names: --name NAME or the default vmN (N = the VM's place in the set, from 1); names are
//    unique;
//  - shares: --share N given to every VM or to none; together at most 100 (see share_percent);
//  - standard input: at most one VM reads it (see stdin_vm);
//  - conflicts between VMs (vm_conflicts.h).
// Every error names the VM it is about: `vm "NAME": message`, after "FILE:LINE: " for a VM from a
// VM file. Its exit code is the process exit code (64 for all of these).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/cli/vm_definition.h"
#include "core/cli/vm_options.h"
#include "core/result.h"

namespace svm::cli {

struct VmSpec {
    std::string name;
    VmOptions options;
    VmDefinition definition;
    // The VM's part of the CPU time the VMs get together, in percent. Without --share: equal
    // parts. With shares summing to S <= 100: share * 100 / S (70 and 30 stay 70 and 30; 30 and
    // 20 become 60 and 40). One VM alone: 100.
    double share_percent = 100;
};

struct VmSet {
    std::vector<VmSpec> vms;
    // The VM that reads standard input: the one VM that gives --stdin, else the first VM whose
    // console is stdio (--serial stdio, the default); none if no VM has one.
    std::optional<size_t> stdin_vm;

    // "vm1, vm2" (for messages).
    std::string names() const;
};

// The prefix of messages about the VM `definition` defines, named `name`: `vm "NAME": `, after
// "FILE:LINE: " (the line of its [[vm]] table) for a VM from a file.
std::string vm_label(const VmDefinition& definition, const std::string& name);

// `error` about that VM: its message prefixed as vm_label() does, where for a VM file the line
// is the one that gave the option the message names first (else the [[vm]] line). An exit code
// of 0 becomes 64.
Error vm_error(const VmDefinition& definition, const std::string& name, Error error);

// The default name of the VM at `index` (0-based): "vm1", "vm2", ...
std::string default_vm_name(size_t index);

// Parses and checks every VM of `definitions` (in order) and the set's rules. Opens nothing.
// A VM of a set of more than one is also named so in its MachineConfig (config.vm_name), so that
// two VMs of one kernel get different default MAC addresses.
Result<VmSet> build_vm_set(const std::vector<VmDefinition>& definitions);

// prepare_vm() and check_input_files() for each VM of the set, in order; errors are labelled
// with the VM.
Result<void> prepare_vm_set(VmSet& set);

}  // namespace svm::cli
