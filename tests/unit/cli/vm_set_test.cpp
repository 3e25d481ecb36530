// VM sets (core/cli/vm_set.h, vm_conflicts.h): names, shares, standard input and the conflicts
// between VMs, all checked before anything is opened (the kernels and images here need not
// exist).
#include "core/cli/vm_set.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "core/cli/vm_file.h"

namespace svm::cli {
namespace {

using Args = std::vector<std::string>;

std::vector<VmDefinition> definitions(const std::vector<Args>& vms) {
    std::vector<VmDefinition> out;
    for (const Args& args : vms) {
        VmDefinition vm;
        vm.args = args;
        vm.index = out.size() + 1;
        out.push_back(vm);
    }
    return out;
}

VmSet build(const std::vector<Args>& vms) {
    auto set = build_vm_set(definitions(vms));
    EXPECT_TRUE(set) << (set ? "" : set.error().message);
    return set ? std::move(*set) : VmSet{};
}

// Expects build_vm_set() to refuse `vms` with exit code 64 and exactly `message`.
void expect_refused(const std::vector<Args>& vms, const std::string& message) {
    auto set = build_vm_set(definitions(vms));
    ASSERT_FALSE(set) << ::testing::PrintToString(vms);
    EXPECT_EQ(set.error().exit_code, 64);
    EXPECT_EQ(set.error().message, message);
}

// Expects a refusal whose message contains every one of `parts`.
void expect_refused_with(const std::vector<Args>& vms, const std::vector<std::string>& parts) {
    auto set = build_vm_set(definitions(vms));
    ASSERT_FALSE(set) << ::testing::PrintToString(vms);
    EXPECT_EQ(set.error().exit_code, 64);
    for (const std::string& part : parts)
        EXPECT_NE(set.error().message.find(part), std::string::npos)
            << "'" << part << "' not in: " << set.error().message;
}

TEST(VmSet, NamesDefaultToTheirPlace) {
    VmSet set = build({{"a.elf"}, {"--name", "web", "b.elf"}, {"c.elf"}});
    ASSERT_EQ(set.vms.size(), 3u);
    EXPECT_EQ(set.vms[0].name, "vm1");
    EXPECT_EQ(set.vms[1].name, "web");
    EXPECT_EQ(set.vms[2].name, "vm3");
    EXPECT_EQ(set.names(), "vm1, web, vm3");
    EXPECT_EQ(set.vms[1].options.config.kernel_path, "b.elf");
    // In a set of several, default MAC addresses derive from the VM's name.
    EXPECT_EQ(set.vms[0].options.config.vm_name, "vm1");
    EXPECT_EQ(set.vms[1].options.config.vm_name, "web");
}

TEST(VmSet, OneVmKeepsItsMachineNameUnlessNamed) {
    EXPECT_EQ(build({{"a.elf"}}).vms[0].options.config.vm_name, "");
    EXPECT_EQ(build({{"--name=x", "a.elf"}}).vms[0].options.config.vm_name, "x");
}

TEST(VmSet, NamesAreCheckedAndUnique) {
    expect_refused({{"--name", "a b", "k.elf"}},
                   "vm \"vm1\": --name: 'a b' is not a VM name: use 1 to 32 of A-Z a-z 0-9 _ and "
                   "-");
    expect_refused_with({{"--name", std::string(33, 'x'), "k.elf"}}, {"is not a VM name"});
    expect_refused_with({{"--name", "", "k.elf"}}, {"is not a VM name"});
    EXPECT_EQ(build({{"--name", std::string(32, 'x'), "k.elf"}}).vms[0].name, std::string(32, 'x'));
    EXPECT_EQ(build({{"--name", "A-z_09", "k.elf"}}).vms[0].name, "A-z_09");
    expect_refused({{"--name", "db", "a.elf"}, {"--name", "db", "b.elf"}},
                   "vm \"db\": VM 1 of the set is named db too: give each VM its own --name (the "
                   "default is vm and its place: vm1, vm2, ...)");
    // A default name counts too.
    expect_refused_with({{"a.elf"}, {"--name", "vm1", "b.elf"}}, {"vm \"vm1\": VM 1 of the set"});
}

TEST(VmSet, OptionErrorsNameTheVm) {
    expect_refused({{"a.elf"}, {"--memory", "12X", "b.elf"}},
                   "vm \"vm2\": --memory: '12X' is not a number");
    // The name is known from --name even when the rest of the command line is wrong.
    expect_refused_with({{"--memory", "12X", "--name", "db", "b.elf"}}, {"vm \"db\": --memory:"});
    expect_refused({{"--bogus", "a.elf"}},
                   "vm \"vm1\": The following argument was not expected: --bogus (see svm "
                   "--help)");
    expect_refused({{"--help"}},
                   "vm \"vm1\": The following argument was not expected: --help (see svm "
                   "--help)");
    expect_refused_with({{"a.elf", "b.elf"}}, {"vm \"vm1\": "});
}

TEST(VmSet, SharesForAllOrNone) {
    VmSet equal = build({{"a.elf"}, {"b.elf"}, {"c.elf"}, {"d.elf"}});
    for (const VmSpec& vm : equal.vms) EXPECT_DOUBLE_EQ(vm.share_percent, 25);
    VmSet given = build({{"--share", "70", "a.elf"}, {"--share", "30", "b.elf"}});
    EXPECT_DOUBLE_EQ(given.vms[0].share_percent, 70);
    EXPECT_DOUBLE_EQ(given.vms[1].share_percent, 30);
    // Under 100 together: the same proportions.
    VmSet scaled = build({{"--share", "30", "a.elf"}, {"--share", "20", "b.elf"}});
    EXPECT_DOUBLE_EQ(scaled.vms[0].share_percent, 60);
    EXPECT_DOUBLE_EQ(scaled.vms[1].share_percent, 40);
    // One VM alone has all of it.
    EXPECT_DOUBLE_EQ(build({{"--share", "10", "a.elf"}}).vms[0].share_percent, 100);

    expect_refused({{"--share", "70", "a.elf"}, {"b.elf"}},
                   "vm \"vm2\": no --share, but vm \"vm1\" gives one: give every VM a share, or "
                   "none for equal parts");
    expect_refused({{"--share", "70", "a.elf"}, {"--name", "b", "--share", "60", "b.elf"}},
                   "the VMs' shares add up to 130 (vm \"vm1\" 70, vm \"b\" 60): together they "
                   "may be at most 100 percent");
    expect_refused({{"--share", "0", "a.elf"}},
                   "vm \"vm1\": --share: 0 is not a share: give a percentage from 1 to 100");
    expect_refused_with({{"--share", "101", "a.elf"}}, {"101 is not a share"});
    expect_refused_with({{"--share", "half", "a.elf"}}, {"vm \"vm1\": ", "--share"});
}

TEST(VmSet, StandardInputGoesToOneVm) {
    EXPECT_EQ(build({{"a.elf"}, {"b.elf"}}).stdin_vm, 0u);
    EXPECT_EQ(build({{"--serial", "none", "a.elf"}, {"b.elf"}}).stdin_vm, 1u);
    EXPECT_EQ(build({{"a.elf"}, {"--stdin", "keyboard", "b.elf"}}).stdin_vm, 1u);
    EXPECT_EQ(build({{"a.elf"}, {"--stdin", "serial", "b.elf"}}).stdin_vm, 1u);
    EXPECT_FALSE(
        build({{"--serial", "none", "a.elf"}, {"--serial", "file:/tmp/x", "b.elf"}}).stdin_vm);
    expect_refused({{"--stdin", "serial", "a.elf"}, {"--stdin", "keyboard", "b.elf"}},
                   "vm \"vm2\": gives --stdin, as vm \"vm1\" does: standard input goes to one VM "
                   "only");
}

TEST(VmSet, TheSameTapDevice) {
    expect_refused({{"--net", "tap=tap0", "a.elf"}, {"--name", "b", "--net", "tap=tap0", "b.elf"}},
                   "vm \"vm1\" and vm \"b\" both ask for TAP device tap0 (--net tap=tap0; --net "
                   "tap=tap0): each VM needs its own");
    build({{"--net", "tap=tap0", "a.elf"}, {"--net", "tap=tap1", "b.elf"}});
    build({{"--net", "user", "a.elf"}, {"--net", "user", "b.elf"}});
}

TEST(VmSet, TheSameListeningPort) {
    expect_refused_with({{"--gdb", "1234", "a.elf"}, {"--gdb", "0.0.0.0:1234", "b.elf"}},
                        {"vm \"vm1\" and vm \"vm2\" both ask for TCP port 1234", "--gdb 1234",
                         "--gdb 0.0.0.0:1234"});
    // Port 0 is any free port.
    build({{"--gdb", "0", "a.elf"}, {"--gdb", ":0", "b.elf"}});
    build({{"--gdb", "1234", "a.elf"}, {"--gdb", "1235", "b.elf"}});
    expect_refused_with({{"--vnc", ":1", "a.elf"}, {"--vnc", "127.0.0.1:1", "b.elf"}},
                        {"TCP port 5901", "--vnc :1; --vnc 127.0.0.1:1"});
    build({{"--vnc", ":1", "a.elf"}, {"--vnc", ":2", "b.elf"}});
    // Across kinds: a gdb port that is another VM's VNC port or web port.
    expect_refused_with({{"--vnc", ":1", "a.elf"}, {"--gdb", "5901", "b.elf"}}, {"TCP port 5901"});
    expect_refused_with({{"--vnc", ":1", "--vnc-web", "6080", "a.elf"},
                         {"--vnc", ":2", "--vnc-web", "6080", "b.elf"}},
                        {"TCP port 6080", "--vnc-web 6080"});
}

TEST(VmSet, TheSameSocketPath) {
    const std::string dir = ::testing::TempDir();
    const std::string socket = dir + "svm_set_" + std::to_string(getpid()) + ".sock";
    expect_refused_with(
        {{"--gdb", "unix:" + socket, "a.elf"}, {"--vnc", "unix:" + socket, "b.elf"}},
        {"both ask for socket " + socket});
    expect_refused_with({{"--vnc", "unix:" + socket, "a.elf"},
                         {"--vnc", "unix:" + dir + "./" + socket.substr(dir.size()), "b.elf"}},
                        {"both ask for socket"});
}

TEST(VmSet, TheSameOutputFile) {
    expect_refused_with({{"--serial", "file:/tmp/svm-out.txt", "a.elf"},
                         {"--serial", "file:/tmp/../tmp/svm-out.txt", "b.elf"}},
                        {"both ask for file /tmp/svm-out.txt", "--serial file:/tmp/svm-out.txt",
                         "--serial file:/tmp/../tmp/svm-out.txt"});
    expect_refused_with({{"--screenshot", "s.png", "a.elf"}, {"--screenshot", "s.png", "b.elf"}},
                        {"file s.png"});
    expect_refused_with({{"--screen-text", "s.txt", "a.elf"}, {"--serial", "file:s.txt", "b.elf"}},
                        {"--screen-text s.txt", "--serial file:s.txt"});
    build({{"--screenshot", "a.png", "a.elf"}, {"--screenshot", "b.png", "b.elf"}});
}

TEST(VmSet, TheSameDiskImage) {
    expect_refused({{"--disk", "d.img", "a.elf"}, {"--disk", "d.img", "b.elf"}},
                   "vm \"vm1\" and vm \"vm2\" both ask for disk image d.img (--disk d.img; --disk "
                   "d.img): each VM needs its own (or give ,ro to every VM that uses it)");
    expect_refused_with({{"--disk", "d.img,ro", "a.elf"}, {"--disk", "d.img", "b.elf"}},
                        {"--disk d.img,ro; --disk d.img"});
    build({{"--disk", "d.img,ro", "a.elf"}, {"--disk", "d.img,ro", "b.elf"}});
    expect_refused_with({{"--boot-disk", "d.img,rw"}, {"--disk", "d.img,ro", "b.elf"}},
                        {"--boot-disk d.img,rw; --disk d.img,ro"});
    build({{"--boot-disk", "d.img"}, {"--boot-floppy", "d.img"}});
    // A disk one VM writes is a file another may not write either.
    expect_refused_with({{"--disk", "out.txt", "a.elf"}, {"--serial", "file:out.txt", "b.elf"}},
                        {"--disk out.txt; --serial file:out.txt"});
}

TEST(VmSet, OneVmMayUseAThingTwiceAsAloneItMay) {
    // Cross-VM checks only: one VM's own command line means what it means alone.
    build({{"--serial", "file:x", "--screen-text", "x", "a.elf"}});
}

TEST(VmSet, FileVmErrorsPointAtTheLine) {
    auto file = parse_vm_file(R"([[vm]]
name = "a"
kernel = "a.elf"
memory = "12X"

[[vm]]
kernel = "b.elf"
args = ["--net",
        "tap="]
)",
                              "lab.toml");
    ASSERT_TRUE(file) << file.error().message;
    auto set = build_vm_set(*file);
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().message, "lab.toml:4: vm \"a\": --memory: '12X' is not a number");

    (*file)[0].args = {"a.elf"};
    set = build_vm_set(*file);
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().message.rfind("lab.toml:8: vm \"vm2\": ", 0), 0u) << set.error().message;

    // An error that names no option points at the [[vm]] table.
    (*file)[1].args = {"b.elf", "c.elf"};
    set = build_vm_set(*file);
    ASSERT_FALSE(set);
    EXPECT_EQ(set.error().message.rfind("lab.toml:6: vm \"vm2\": ", 0), 0u) << set.error().message;
}

}  // namespace
}  // namespace svm::cli
