// The `monitor` commands (gdb's qRcmd): a table of command names and handlers, QEMU-compatible
// where QEMU has the command (docs/gdb.md, "Monitor commands"). Every command answers with text:
// an unknown command or bad arguments give a line of help, never an error reply, because an error
// aborts `gdb -batch` scripts and .gdbinit files.
#pragma once

#include <svm/machine.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/debug/monitor/descriptor_tables.h"
#include "core/debug/monitor/memory_dump.h"
#include "core/debug/register_map.h"
#include "core/guest_memory.h"
#include "core/result.h"

namespace svm {

// What the commands need from the VM. VmDebugger fills it from the live machine; unit tests fill
// it with synthetic state. vCPU numbers are 0-based indexes. A function left empty makes its
// command answer that the information is not available.
struct MonitorContext {
    explicit MonitorContext(const GuestMemory& guest_memory) : memory(guest_memory) {}

    const GuestMemory& memory;
    int cpu_count = 1;
    int current_cpu = 0;  // the vCPU of the last stop: the one info registers/mem/tlb describe
    // The registers of a vCPU, or an error naming why they cannot be read.
    std::function<Result<VcpuRegisters>(int cpu)> registers;
    // True if the vCPU is halted (HLT), for QEMU's HLT= field.
    std::function<bool(int cpu)> halted;
    // svm's words for the vCPU's mode and run state ("long mode, CPL 0, halted").
    std::function<std::string(int cpu)> state_words;
    // The host thread id (gettid) of the vCPU's thread.
    std::function<std::optional<long>(int cpu)> thread_id;
    // DR0-DR7 as svm programs them (index = DR number).
    std::function<std::array<uint64_t, 8>()> debug_registers;
    // Reads guest-physical memory as gdb sees it (software breakpoints hidden); empty: plain RAM.
    DumpReader read_physical;
    // Names a guest-virtual code address from the kernel's symbol table.
    Symbolizer symbolize;
    std::function<std::vector<svm_mem_range>()> memory_map;
    std::function<std::vector<svm_device>()> devices;
    std::function<std::string()> exits;   // the exit-count table
    std::function<std::string()> screen;  // the VGA text screen; empty: no screen
    // Writes the screen as a PNG file at the host path; returns the reply line. Empty: no display.
    std::function<std::string(const std::string& path)> screendump;
    // Ask svm to end the run as a guest reset / as `kill` does; each returns the reply line.
    std::function<std::string()> system_reset;
    std::function<std::string()> quit;
    // `monitor phys on|off`: gdb's m/M/X/Z addresses are guest-physical; nullptr: not supported.
    bool* physical = nullptr;
    // `monitor catch`: the exception vectors to stop on (core/debug/exception_catch.h);
    // nullptr: not supported.
    std::set<int>* catch_vectors = nullptr;
};

// Runs `command` (leading and trailing spaces ignored) and returns its output, each line ending
// in '\n'. Never fails: an unknown command returns "unknown monitor command 'X'; try 'monitor
// help'" followed by the help text; bad arguments return the command's usage line.
std::string run_monitor_command(MonitorContext& context, std::string_view command);

// The help text: every command with its arguments and one line of description.
std::string monitor_help();

}  // namespace svm
