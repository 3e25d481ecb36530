#include "core/debug/monitor/monitor_commands.h"

#include <fmt/format.h>

#include <algorithm>
#include <span>

#include "core/debug/exception_catch.h"
#include "core/debug/monitor/machine_info.h"
#include "core/debug/monitor/paging_info.h"
#include "core/debug/monitor/qemu_registers.h"
#include "core/size_parser.h"
#include "core/x86_64/page_walker.h"

namespace svm {

namespace {

using Handler = std::string (*)(MonitorContext&, std::string_view args);

struct Command {
    std::string_view name;  // one or two words: "info registers"
    std::string_view args;  // usage of the arguments, "" if none
    std::string_view help;
    bool qemu;  // QEMU has a command of this name with this output shape
    Handler run;
};

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

std::string usage(std::string_view name, std::string_view args, std::string_view problem) {
    return fmt::format("{}: {}; usage: monitor {}{}{}\n", name, problem, name,
                       args.empty() ? "" : " ", args);
}

// The current vCPU's registers, or the line that says why there are none.
Result<VcpuRegisters> current_registers(MonitorContext& ctx) {
    if (!ctx.registers) return error("no vCPU registers are available");
    return ctx.registers(ctx.current_cpu);
}

DumpReader physical_reader(MonitorContext& ctx) {
    if (ctx.read_physical) return ctx.read_physical;
    return [&mem = ctx.memory](uint64_t gpa, std::span<uint8_t> out) -> size_t {
        if (gpa >= mem.size()) return 0;
        size_t n = static_cast<size_t>(std::min<uint64_t>(out.size(), mem.size() - gpa));
        return mem.read(gpa, out.first(n)) ? n : 0;
    };
}

// Reads guest-virtual memory through `regs`' page tables, page by page, then as physical memory.
DumpReader virtual_reader(MonitorContext& ctx, const PagingRegs& regs) {
    return [&ctx, regs, physical = physical_reader(ctx)](uint64_t va, std::span<uint8_t> out) {
        size_t done = 0;
        while (done < out.size()) {
            uint64_t addr = va + done;
            size_t chunk = std::min<size_t>(out.size() - done, 0x1000 - (addr & 0xfff));
            auto t = translate(ctx.memory, regs, addr);
            if (!t) break;
            size_t got = physical(t->gpa, out.subspan(done, chunk));
            done += got;
            if (got < chunk) break;
        }
        return done;
    };
}

std::string cmd_help(MonitorContext&, std::string_view) {
    return monitor_help();
}

std::string cmd_info(MonitorContext&, std::string_view args) {
    std::string out =
        args.empty() ? std::string() : fmt::format("unknown info command '{}'\n", args);
    out += "info registers [-a], info cpus, info mem, info tlb, info mtree (see 'monitor help')\n";
    return out;
}

std::string cmd_registers(MonitorContext& ctx, std::string_view args) {
    const bool all = args == "-a";
    if (!args.empty() && !all) return usage("info registers", "[-a]", "unknown argument");
    if (!ctx.registers) return "info registers: no vCPU registers are available\n";
    std::array<uint64_t, 8> dr{};
    if (ctx.debug_registers) dr = ctx.debug_registers();
    std::string out;
    for (int cpu = 0; cpu < ctx.cpu_count; ++cpu) {
        if (!all && cpu != ctx.current_cpu) continue;
        auto regs = ctx.registers(cpu);
        if (all) out += fmt::format("\nCPU#{}\n", cpu);
        if (!regs) {
            out += fmt::format("info registers: vCPU {}: {}\n", cpu, regs.error().message);
            continue;
        }
        out += format_registers_qemu(*regs, dr, ctx.halted && ctx.halted(cpu));
    }
    return out;
}

std::string cmd_cpus(MonitorContext& ctx, std::string_view) {
    std::vector<CpuSummary> cpus;
    for (int cpu = 0; cpu < ctx.cpu_count; ++cpu) {
        CpuSummary c;
        c.index = cpu;
        if (ctx.thread_id) c.thread_id = ctx.thread_id(cpu);
        if (ctx.registers)
            if (auto regs = ctx.registers(cpu)) c.pc = gdb_pc(regs->state);
        if (ctx.state_words) c.state = ctx.state_words(cpu);
        cpus.push_back(std::move(c));
    }
    return format_info_cpus(cpus, ctx.current_cpu);
}

std::string cmd_mem(MonitorContext& ctx, std::string_view) {
    auto regs = current_registers(ctx);
    if (!regs) return "info mem: " + regs.error().message + "\n";
    return format_info_mem(ctx.memory, PagingRegs::from(regs->state));
}

std::string cmd_tlb(MonitorContext& ctx, std::string_view) {
    auto regs = current_registers(ctx);
    if (!regs) return "info tlb: " + regs.error().message + "\n";
    return format_info_tlb(ctx.memory, PagingRegs::from(regs->state));
}

std::string cmd_mtree(MonitorContext& ctx, std::string_view) {
    std::vector<svm_mem_range> map =
        ctx.memory_map ? ctx.memory_map() : std::vector<svm_mem_range>{};
    std::vector<svm_device> devices = ctx.devices ? ctx.devices() : std::vector<svm_device>{};
    return format_mtree(map, devices, ctx.memory.size());
}

std::string cmd_devices(MonitorContext& ctx, std::string_view) {
    if (!ctx.devices) return "devices: the device list is not available\n";
    return format_devices(ctx.devices());
}

std::string cmd_xp(MonitorContext& ctx, std::string_view args) {
    auto request = parse_dump_request(args);
    if (!request) return usage("xp", "/FMT ADDR", request.error().message);
    int bits = 64;
    if (auto regs = current_registers(ctx)) bits = code_bits(regs->state);
    return format_memory_dump(*request, physical_reader(ctx), bits,
                              fmt::format("not guest RAM (RAM is 0-{:#x})",
                                          ctx.memory.size() ? ctx.memory.size() - 1 : 0));
}

std::string cmd_x(MonitorContext& ctx, std::string_view args) {
    auto request = parse_dump_request(args);
    if (!request) return usage("x", "/FMT ADDR", request.error().message);
    auto regs = current_registers(ctx);
    if (!regs) return "x: " + regs.error().message + "\n";
    return format_memory_dump(*request, virtual_reader(ctx, PagingRegs::from(regs->state)),
                              code_bits(regs->state),
                              "cannot access memory (not mapped, or not guest RAM)");
}

std::string cmd_gva2gpa(MonitorContext& ctx, std::string_view args) {
    auto addr = parse_address(args);
    if (!addr) return usage("gva2gpa", "ADDR", addr.error().message);
    auto regs = current_registers(ctx);
    if (!regs) return "gva2gpa: " + regs.error().message + "\n";
    return format_gva2gpa(ctx.memory, PagingRegs::from(regs->state), *addr);
}

std::string cmd_translate(MonitorContext& ctx, std::string_view args) {
    auto addr = parse_address(args);
    if (!addr) return usage("translate", "ADDR", addr.error().message);
    auto regs = current_registers(ctx);
    if (!regs) return "translate: " + regs.error().message + "\n";
    auto t = translate(ctx.memory, PagingRegs::from(regs->state), *addr);
    if (!t) return "translate: " + t.error().message + "\n";
    return describe_walk(*t) + "\n";
}

std::string cmd_gdt(MonitorContext& ctx, std::string_view) {
    auto regs = current_registers(ctx);
    if (!regs) return "gdt: " + regs.error().message + "\n";
    return format_gdt(regs->state, virtual_reader(ctx, PagingRegs::from(regs->state)));
}

std::string cmd_idt(MonitorContext& ctx, std::string_view) {
    auto regs = current_registers(ctx);
    if (!regs) return "idt: " + regs.error().message + "\n";
    return format_idt(regs->state, virtual_reader(ctx, PagingRegs::from(regs->state)),
                      ctx.symbolize);
}

std::string cmd_exits(MonitorContext& ctx, std::string_view) {
    if (!ctx.exits) return "exits: exit counts are not available\n";
    return ctx.exits();
}

std::string cmd_screen(MonitorContext& ctx, std::string_view) {
    if (!ctx.screen) return "this machine has no VGA text screen\n";
    return ctx.screen();
}

std::string cmd_screendump(MonitorContext& ctx, std::string_view args) {
    if (!ctx.screendump) return "screendump: this machine has no display\n";
    // QEMU's syntax: `screendump FILENAME [-f png]`; svm writes PNG only.
    std::string path(args);
    if (auto flag = path.find(" -f "); flag != std::string::npos) {
        std::string format = path.substr(flag + 4);
        path.resize(flag);
        if (format != "png") return usage("screendump", "FILENAME [-f png]", "svm writes PNG only");
    }
    if (path.empty()) return usage("screendump", "FILENAME [-f png]", "a file name is needed");
    return ctx.screendump(path);
}

std::string cmd_phys(MonitorContext& ctx, std::string_view args) {
    if (!ctx.physical) return "phys: not supported here\n";
    if (args == "on" || args == "off") {
        *ctx.physical = args == "on";
        return fmt::format("memory addresses are now guest-{}\n",
                           *ctx.physical ? "physical" : "virtual");
    }
    if (!args.empty()) return usage("phys", "on|off", "expected on or off");
    return fmt::format("phys is {}\n", *ctx.physical ? "on" : "off");
}

std::string cmd_catch(MonitorContext& ctx, std::string_view args) {
    if (!ctx.catch_vectors) return "catch: not supported here\n";
    if (!args.empty()) {
        auto vectors = parse_catch_vectors(args);
        if (!vectors) return usage("catch", "VECTOR[,VECTOR...]|all|off", vectors.error().message);
        *ctx.catch_vectors = std::move(*vectors);
    }
    if (ctx.catch_vectors->empty()) return "catch: off (no exception stops the guest)\n";
    std::string names;
    for (int v : *ctx.catch_vectors)
        names += fmt::format("{}{} ({})", names.empty() ? "" : ", ", exception_name(v), v);
    return fmt::format(
        "catch: every vCPU stops at the first instruction of the handler of {}; the handlers are "
        "looked up in the IDT at each resume\n",
        names);
}

std::string cmd_system_reset(MonitorContext& ctx, std::string_view) {
    if (!ctx.system_reset) return "system_reset: not supported here\n";
    return ctx.system_reset();
}

std::string cmd_quit(MonitorContext& ctx, std::string_view) {
    if (!ctx.quit) return "quit: not supported here\n";
    return ctx.quit();
}

// Longer names first where one is a prefix of another ("info" after "info registers").
constexpr Command kCommands[] = {
    {"help", "", "this text", true, cmd_help},
    {"info registers", "[-a]", "the current vCPU's registers (-a: every vCPU)", true,
     cmd_registers},
    {"info cpus", "", "the vCPUs: host thread, pc, mode and state", true, cmd_cpus},
    {"info mem", "", "mapped virtual ranges of the current vCPU, merged by rights", true, cmd_mem},
    {"info tlb", "", "every mapped page of the current vCPU with its entry's flags", true, cmd_tlb},
    {"info mtree", "", "the guest-physical memory map and I/O ports of the devices", true,
     cmd_mtree},
    {"info", "", "the info commands", true, cmd_info},
    {"xp", "/FMT ADDR", "dump guest-physical memory (FMT: count, x/d/u/o/c/i, b/h/w/g)", true,
     cmd_xp},
    {"x", "/FMT ADDR", "dump guest-virtual memory of the current vCPU", true, cmd_x},
    {"gva2gpa", "ADDR", "the guest-physical address of a virtual one", true, cmd_gva2gpa},
    {"system_reset", "", "reset the guest: svm ends the run as for a guest reset (exit 116)", true,
     cmd_system_reset},
    {"quit", "", "end svm, as gdb's kill does", true, cmd_quit},
    {"q", "", "the same as quit", true, cmd_quit},
    {"cpus", "", "the same as info cpus", false, cmd_cpus},
    {"translate", "ADDR", "walk the current vCPU's page tables for ADDR, entry by entry", false,
     cmd_translate},
    {"gdt", "", "the current vCPU's GDT, decoded", false, cmd_gdt},
    {"idt", "", "the current vCPU's IDT, decoded, handlers with symbols", false, cmd_idt},
    {"exits", "", "VM exits by type and the busiest I/O ports", false, cmd_exits},
    {"devices", "", "the devices with their I/O ports, MMIO ranges and IRQs", false, cmd_devices},
    {"screen", "", "the VGA text screen (80x25, as --screen-text writes it)", false, cmd_screen},
    {"screendump", "FILENAME",
     "write the screen (text or graphics, as a VNC viewer sees it) to a PNG file on the host", true,
     cmd_screendump},
    {"phys", "[on|off]", "m/M/X/Z addresses are guest-physical (on) or virtual (off)", false,
     cmd_phys},
    {"catch", "[VECTOR,...|all|off]",
     "stop when the guest takes these exceptions (14,13 or PF,GP), at their handler", false,
     cmd_catch},
};

}  // namespace

std::string monitor_help() {
    std::string out = "svm monitor commands (QEMU-compatible ones marked *):\n";
    for (const Command& c : kCommands) {
        std::string call = std::string(c.name) + (c.args.empty() ? "" : " ") + std::string(c.args);
        out += fmt::format("  {} monitor {:<26} {}\n", c.qemu ? '*' : ' ', call, c.help);
    }
    return out;
}

std::string run_monitor_command(MonitorContext& context, std::string_view command) {
    command = trim(command);
    if (command.empty()) return monitor_help();
    for (const Command& c : kCommands) {
        if (!command.starts_with(c.name)) continue;
        std::string_view rest = command.substr(c.name.size());
        if (!rest.empty() && rest.front() != ' ' && rest.front() != '\t' &&
            !(c.args.starts_with('/') && rest.front() == '/'))
            continue;  // "infos" is not "info"; "xp/4x" is "xp /4x"
        return c.run(context, trim(rest));
    }
    return fmt::format("unknown monitor command '{}'; try 'monitor help'\n", command) +
           monitor_help();
}

}  // namespace svm
