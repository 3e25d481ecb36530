#include "core/debug/monitor/monitor_commands.h"

#include <gtest/gtest.h>

#include "core/machine/machine_table.h"

namespace svm {
namespace {

using namespace x86;

constexpr uint64_t P = 1, W = 2, U = 4;

class MonitorCommands : public ::testing::Test {
protected:
    MonitorCommands() : ctx(mem) {
        // 4-level tables: linear 0x1000 -> physical 0x5000.
        EXPECT_TRUE(mem.write_obj<uint64_t>(0x1000, 0x2000 | P | W | U));
        EXPECT_TRUE(mem.write_obj<uint64_t>(0x2000, 0x3000 | P | W | U));
        EXPECT_TRUE(mem.write_obj<uint64_t>(0x3000, 0x4000 | P | W | U));
        EXPECT_TRUE(mem.write_obj<uint64_t>(0x4000 + 8, 0x5000 | P | W | U));
        EXPECT_TRUE(mem.write_obj<uint32_t>(0x5000, 0xdeadbeef));
        regs.state.cr0 = CR0_PE | CR0_PG;
        regs.state.cr3 = 0x1000;
        regs.state.cr4 = CR4_PAE;
        regs.state.efer = EFER_LME | EFER_LMA;
        regs.state.cs.l = true;
        regs.state.rip = 0x1000;
        ctx.cpu_count = 2;
        ctx.registers = [this](int cpu) -> Result<VcpuRegisters> {
            if (fail_registers) return error("vCPU {} is gone", cpu);
            VcpuRegisters r = regs;
            r.state.rax = static_cast<uint64_t>(cpu);
            return r;
        };
        ctx.physical = &physical;
    }
    std::string run(std::string_view command) { return run_monitor_command(ctx, command); }

    GuestMemory mem = GuestMemory::create(8 << 20).value();
    VcpuRegisters regs;
    MonitorContext ctx;
    bool physical = false;
    bool fail_registers = false;
};

TEST_F(MonitorCommands, UnknownCommandAnswersWithHelpNotAnError) {
    std::string out = run("frobnicate 1 2");
    EXPECT_TRUE(out.starts_with("unknown monitor command 'frobnicate 1 2'; try 'monitor help'\n"))
        << out;
    EXPECT_NE(out.find(monitor_help()), std::string::npos);
    EXPECT_TRUE(run("infos").starts_with("unknown monitor command 'infos'"));
    EXPECT_TRUE(run("xpx 0x10").starts_with("unknown monitor command 'xpx 0x10'"));
}

TEST_F(MonitorCommands, HelpListsEveryCommand) {
    EXPECT_EQ(run("help"), monitor_help());
    EXPECT_EQ(run(""), monitor_help());
    EXPECT_EQ(run("  help  "), monitor_help());
    for (const char* name :
         {"info registers", "info cpus", "info mem", "info tlb", "info mtree", "xp /FMT ADDR",
          "x /FMT ADDR", "gva2gpa ADDR", "system_reset", "quit", "translate ADDR", "gdt", "idt",
          "exits", "devices", "screen", "screendump FILENAME", "phys [on|off]", "cpus"})
        EXPECT_NE(monitor_help().find(std::string("monitor ") + name), std::string::npos) << name;
}

TEST_F(MonitorCommands, InfoRegistersOfTheCurrentAndEveryCpu) {
    EXPECT_TRUE(run("info registers").starts_with("RAX=0000000000000000 "))
        << run("info registers");
    std::string all = run("info registers -a");
    EXPECT_NE(all.find("\nCPU#0\nRAX=0000000000000000"), std::string::npos) << all;
    EXPECT_NE(all.find("\nCPU#1\nRAX=0000000000000001"), std::string::npos) << all;
    EXPECT_EQ(run("info registers -x"),
              "info registers: unknown argument; usage: monitor info registers [-a]\n");
    ctx.current_cpu = 1;
    EXPECT_TRUE(run("info registers").starts_with("RAX=0000000000000001 "));
}

TEST_F(MonitorCommands, InfoAloneListsInfoCommands) {
    EXPECT_NE(run("info").find("info registers [-a], info cpus"), std::string::npos);
    EXPECT_TRUE(run("info foo").starts_with("unknown info command 'foo'\n"));
}

TEST_F(MonitorCommands, MemoryCommands) {
    EXPECT_EQ(run("xp /1xw 0x5000"), "0000000000005000: 0xdeadbeef\n");
    EXPECT_EQ(run("xp/1xw 0x5000"), "0000000000005000: 0xdeadbeef\n");
    EXPECT_EQ(run("x /1xw 0x1000"), "0000000000001000: 0xdeadbeef\n");
    EXPECT_EQ(run("x /1xw 0x9000"),
              "0000000000009000: cannot access memory (not mapped, or not guest RAM)\n");
    EXPECT_EQ(run("xp /1xw 0x10000000"), "0000000010000000: not guest RAM (RAM is 0-0x7fffff)\n");
    EXPECT_EQ(run("xp"), "xp: an address is needed; usage: monitor xp /FMT ADDR\n");
    EXPECT_EQ(run("gva2gpa 0x1234"), "gpa: 0x5234\n");
    EXPECT_EQ(run("gva2gpa 0x9000"), "Unmapped\n");
    EXPECT_TRUE(run("gva2gpa").starts_with("gva2gpa: "));
    EXPECT_TRUE(run("gva2gpa").ends_with("; usage: monitor gva2gpa ADDR\n"));
    EXPECT_EQ(run("info mem"), "0000000000001000-0000000000002000 0000000000001000 urw\n");
    EXPECT_EQ(run("info tlb"), "0000000000001000: 0000000000005000 -------UW\n");
    EXPECT_NE(run("translate 0x1234").find("physical 0x5234"), std::string::npos);
}

TEST_F(MonitorCommands, RegisterErrorsAreText) {
    fail_registers = true;
    EXPECT_EQ(run("info mem"), "info mem: vCPU 0 is gone\n");
    EXPECT_EQ(run("gdt"), "gdt: vCPU 0 is gone\n");
    EXPECT_EQ(run("info registers"), "info registers: vCPU 0: vCPU 0 is gone\n");
    ctx.registers = nullptr;
    EXPECT_EQ(run("info registers"), "info registers: no vCPU registers are available\n");
}

TEST_F(MonitorCommands, MachineCommands) {
    EXPECT_EQ(run("screen"), "this machine has no VGA text screen\n");
    ctx.screen = [] { return std::string("Hello\n"); };
    EXPECT_EQ(run("screen"), "Hello\n");
    EXPECT_EQ(run("screendump /tmp/x.png"), "screendump: this machine has no display\n");
    std::vector<std::string> dumped;
    ctx.screendump = [&](const std::string& path) {
        dumped.push_back(path);
        return "wrote " + path + "\n";
    };
    EXPECT_EQ(run("screendump /tmp/a b.png"), "wrote /tmp/a b.png\n");
    EXPECT_EQ(run("screendump /tmp/c.png -f png"), "wrote /tmp/c.png\n");
    EXPECT_NE(run("screendump /tmp/d.ppm -f ppm").find("PNG only"), std::string::npos);
    EXPECT_NE(run("screendump").find("usage: monitor screendump"), std::string::npos)
        << run("screendump");
    EXPECT_EQ(dumped, (std::vector<std::string>{"/tmp/a b.png", "/tmp/c.png"}));
    EXPECT_EQ(run("exits"), "exits: exit counts are not available\n");
    ctx.exits = [] { return std::string("VM exits: 3 in total\n"); };
    EXPECT_EQ(run("exits"), "VM exits: 3 in total\n");
    ctx.devices = [] {
        return std::vector<svm_device>{make_device(SVM_DEV_PIT, "pit", 0x40, 4, 0)};
    };
    EXPECT_NE(run("devices").find("pit              i8254-pit"), std::string::npos);
    EXPECT_NE(run("info mtree").find("(prio 0, i/o): pit\n"), std::string::npos);
    EXPECT_NE(run("info mtree").find("0000000000000000-00000000007fffff (prio 0, ram): ram\n"),
              std::string::npos);
    ctx.thread_id = [](int cpu) -> std::optional<long> { return 100 + cpu; };
    EXPECT_EQ(run("info cpus"),
              "* CPU #0: thread_id=100 pc=0x1000\n  CPU #1: thread_id=101 pc=0x1000\n");
    EXPECT_EQ(run("cpus"), run("info cpus"));
}

TEST_F(MonitorCommands, PhysResetAndQuit) {
    EXPECT_EQ(run("phys"), "phys is off\n");
    EXPECT_EQ(run("phys on"), "memory addresses are now guest-physical\n");
    EXPECT_TRUE(physical);
    EXPECT_EQ(run("phys off"), "memory addresses are now guest-virtual\n");
    EXPECT_FALSE(physical);
    EXPECT_EQ(run("phys maybe"), "phys: expected on or off; usage: monitor phys on|off\n");

    EXPECT_EQ(run("system_reset"), "system_reset: not supported here\n");
    int resets = 0, quits = 0;
    ctx.system_reset = [&] { return ++resets, std::string("reset\n"); };
    ctx.quit = [&] { return ++quits, std::string("bye\n"); };
    EXPECT_EQ(run("system_reset"), "reset\n");
    EXPECT_EQ(run("quit"), "bye\n");
    EXPECT_EQ(run("q"), "bye\n");
    EXPECT_EQ(resets, 1);
    EXPECT_EQ(quits, 2);
}

TEST_F(MonitorCommands, CatchSetsListsAndClearsVectors) {
    EXPECT_EQ(run("catch"), "catch: not supported here\n");
    std::set<int> vectors;
    ctx.catch_vectors = &vectors;
    EXPECT_EQ(run("catch"), "catch: off (no exception stops the guest)\n");
    std::string on = run("catch PF,13");
    EXPECT_EQ(vectors, (std::set<int>{13, 14}));
    EXPECT_NE(on.find("#GP (13), #PF (14)"), std::string::npos) << on;
    EXPECT_EQ(run("catch"), on);  // alone: lists them
    std::string bad = run("catch PF,bogus");
    EXPECT_NE(bad.find("'bogus' is not a vector"), std::string::npos) << bad;
    EXPECT_NE(bad.find("usage: monitor catch"), std::string::npos) << bad;
    EXPECT_EQ(vectors, (std::set<int>{13, 14}));  // unchanged by the bad request
    EXPECT_EQ(run("catch off"), "catch: off (no exception stops the guest)\n");
    EXPECT_TRUE(vectors.empty());
    EXPECT_NE(monitor_help().find("monitor catch"), std::string::npos);
}

}  // namespace
}  // namespace svm
