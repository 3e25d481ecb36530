// What two VMs of one svm process cannot both have (docs/multi-vm.md, "Conflicts"): checked when
// the set is built, before anything is opened or started.
//  - a TAP device (--net tap=NAME);
//  - a TCP port to listen on, whatever the address: --gdb (an explicit port 0, any free port,
//    never conflicts), --vnc (5900 + DISPLAY) and --vnc-web;
//  - a path one of them writes or listens on: --gdb unix:PATH, --vnc unix:PATH, --serial
//    file:PATH, --screenshot, --screen-text, and a disk image that is not read-only (--disk
//    without ,ro; --boot-disk/--boot-floppy with ,rw) against any use of the same file by another
//    VM. A disk both VMs open read-only is shared. Paths are the same if they name the same
//    existing file (device and inode) or, for files that do not exist yet, the same absolute
//    path once "." and ".." are resolved (symbolic links in a path that does not exist yet are
//    not followed).
// And the cards of all VMs on one switch (--net switch=NAME): they must agree on its uplink and
// no two may give the same mac= (check_switch_cards).
#pragma once

#include <vector>

#include "core/result.h"

namespace svm::cli {

struct VmSpec;

// Returns a usage error (exit code 64) naming both VMs and what they both ask for, for the first
// conflict between two VMs of `vms` (the earliest pair in set order).
Result<void> check_conflicts(const std::vector<VmSpec>& vms);

}  // namespace svm::cli
