// LLDB's extensions to the remote protocol that svm answers (lldb/docs/resources/lldbgdbremote.md):
// qHostInfo, qProcessInfo and qMemoryRegionInfo. Their replies are "key:value;" lists; strings
// that could hold ';' or ':' are hex-encoded.
#pragma once

#include <cstdint>
#include <string>

#include "gdbstub/debug_target.h"

namespace svm::gdb::protocol {

// The LLVM target triple of the debugged machine: a bare-metal x86-64 guest.
constexpr const char* kTriple = "x86_64-unknown-unknown";

// The reply to qHostInfo: the "host" is the guest machine (triple, pointer size, byte order),
// and x86 reports a watchpoint hit after the access ("watchpoint_exceptions_received:after").
std::string format_host_info();

// The reply to qProcessInfo: svm's one process (pid 1, as in thread ids) on that machine.
std::string format_process_info();

// The reply to qMemoryRegionInfo:addr: "start:S;size:N;" plus "permissions:rwx;" for a mapped
// region (LLDB reads a missing permissions key as unmapped) and "name:HEX;" if it has a name.
std::string format_memory_region(const MemoryRegion& region);

}  // namespace svm::gdb::protocol
