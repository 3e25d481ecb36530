// `svm --vm 'ARGS' --vm ...` and `svm --vm-file FILE` (docs/multi-vm.md): the VM set is checked
// before /dev/kvm is opened, so every refusal here runs the real binary without KVM. A single
// --vm runs as `svm ARGS` would, with the same messages prefixed with the VM's name.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

#include "svm_process.h"

namespace svm::test {
namespace {

size_t count_lines(const std::string& text) {
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

class VmSetCli : public ::testing::Test {
protected:
    std::string temp(const std::string& name) {
        std::string path =
            ::testing::TempDir() + "svm_vmset_" + std::to_string(getpid()) + "_" + name;
        created_.push_back(path);
        return path;
    }
    std::string write(const std::string& name, const std::string& text) {
        std::string path = temp(name);
        std::ofstream(path) << text;
        return path;
    }
    void TearDown() override {
        for (const std::string& path : created_) unlink(path.c_str());
    }

    // Runs svm and expects exit code 64 and exactly the one line "svm: error: MESSAGE".
    void expect_refused(const std::vector<std::string>& args, const std::string& message) {
        ProcessResult r = run_svm(args, "", 20);
        EXPECT_FALSE(r.timed_out);
        EXPECT_EQ(r.exit_code, 64) << r.err;
        EXPECT_EQ(r.err, "svm: error: " + message + "\n");
    }
    // Runs svm and expects exit code `code` and one error line that contains each of `parts`.
    ProcessResult expect_refused_with(const std::vector<std::string>& args,
                                      const std::vector<std::string>& parts, int code = 64) {
        ProcessResult r = run_svm(args, "", 20);
        EXPECT_FALSE(r.timed_out);
        EXPECT_EQ(r.exit_code, code) << r.err;
        EXPECT_EQ(r.err.rfind("svm: error: ", 0), 0u) << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
        for (const std::string& part : parts)
            EXPECT_NE(r.err.find(part), std::string::npos) << "'" << part << "' not in " << r.err;
        return r;
    }
    std::vector<std::string> created_;
};

// A single --vm with a bad command line says what `svm ARGS` says, after the VM's name.
TEST_F(VmSetCli, OneVmGivesTheMessagesOfItsCommandLine) {
    const std::string kernel = write("k.bin", "\xf4");
    const std::vector<std::vector<std::string>> bad = {
        {"--memory", "12X", kernel},
        {"--no-such-option", kernel},
        {"--mode", "unreal", kernel},
        {"--gdb-nowait", kernel},
        {"--vnc-web", "6080", kernel},
        {"--net", "bridge=br0", kernel},
        {"--disk", "/nonexistent/disk.img", kernel},
        {"--boot-disk", "a.img", kernel},
    };
    for (const auto& args : bad) {
        ProcessResult plain = run_svm(args, "", 20);
        ASSERT_EQ(plain.exit_code, 64) << plain.err;
        ASSERT_EQ(plain.err.rfind("svm: error: ", 0), 0u) << plain.err;
        std::string words;
        for (const std::string& arg : args) words += (words.empty() ? "" : " ") + arg;
        expect_refused({"--vm", words},
                       "vm \"vm1\": " + plain.err.substr(12, plain.err.size() - 13));
        expect_refused({"--vm", "--name db " + words},
                       "vm \"db\": " + plain.err.substr(12, plain.err.size() - 13));
    }
}

TEST_F(VmSetCli, AMissingKernelOfOneVmIsTheMachinesMessageAfterTheName) {
    ProcessResult plain = run_svm({"/nonexistent/k.elf"}, "", 20);
    ProcessResult one = run_svm({"--vm", "/nonexistent/k.elf"}, "", 20);
    EXPECT_EQ(one.exit_code, plain.exit_code) << one.err;
    EXPECT_EQ(one.err, "svm: error: vm \"vm1\": " + plain.err.substr(12)) << plain.err;
}

TEST_F(VmSetCli, UnterminatedQuote) {
    expect_refused({"--vm", "--cmdline 'abc k.elf"},
                   "vm \"vm1\": --vm: unterminated single quote (the ' at character 11)");
}

TEST_F(VmSetCli, VmOptionsAtTheTopLevelAreRefused) {
    expect_refused({"--memory", "64M", "--vm", "k.elf"},
                   "--memory belongs to one VM: with --vm or --vm-file, give it among that VM's "
                   "options (docs/multi-vm.md)");
    expect_refused_with({"k.elf", "--vm", "k.elf"}, {"KERNEL belongs to one VM"});
}

// A checked set goes on to run: without /dev/kvm that is one host set-up error (exit code 71),
// said once for the whole set; with KVM each VM runs its kernel (an HLT: --timeout ends it) and
// the set's summary names both VMs.
TEST_F(VmSetCli, SeveralVmsAreCheckedThenRun) {
    const std::string a = write("a.bin", "\xf4"), b = write("b.bin", "\xf4");
    ProcessResult r = run_svm({"--vm", "--name web --timeout 1 " + a, "--vm", "--timeout 1 " + b},
                              "", 30);
    EXPECT_FALSE(r.timed_out);
    if (access("/dev/kvm", F_OK) != 0) {
        EXPECT_EQ(r.exit_code, 71) << r.err;
        EXPECT_EQ(r.err.rfind("svm: error: /dev/kvm does not exist", 0), 0u) << r.err;
        EXPECT_EQ(count_lines(r.err), 1u) << r.err;
    } else {
        EXPECT_NE(r.err.find("svm: 2 VMs: web "), std::string::npos) << r.err;
        EXPECT_NE(r.err.find(", vm2 "), std::string::npos) << r.err;
        EXPECT_NE(r.exit_code, 64) << r.err;
    }
    // The files are checked before anything runs: a missing kernel is exit code 65.
    expect_refused_with({"--vm", a, "--vm", "/nonexistent/k.elf"},
                        {"vm \"vm2\": ", "/nonexistent/k.elf"}, 65);
}

TEST_F(VmSetCli, ConflictsAreRefusedBeforeAnythingStarts) {
    expect_refused({"--vm", "--net tap=svmtap0 a.elf", "--vm", "--net tap=svmtap0 b.elf"},
                   "vm \"vm1\" and vm \"vm2\" both ask for TAP device svmtap0 (--net "
                   "tap=svmtap0; --net tap=svmtap0): each VM needs its own");
    expect_refused_with({"--vm", "--gdb 1234 a.elf", "--vm", "--gdb 1234 b.elf"},
                        {"TCP port 1234"});
    expect_refused_with({"--vm", "--vnc :3 a.elf", "--vm", "--vnc :3 b.elf"}, {"TCP port 5903"});
    expect_refused_with({"--vm", "--disk d.img a.elf", "--vm", "--disk d.img b.elf"},
                        {"disk image d.img"});
    expect_refused_with({"--vm", "--stdin keyboard a.elf", "--vm", "--stdin serial b.elf"},
                        {"vm \"vm2\": gives --stdin"});
    // Cards of different VMs on one switch must agree on its uplink.
    expect_refused_with({"--vm", "--net switch=lan0,uplink=user a.elf", "--vm",
                         "--net switch=lan0,uplink=tap:svmtap1 b.elf"},
                        {"switch=lan0", "two uplinks"});
    expect_refused_with({"--vm", "--display text a.elf", "--vm", "--display text b.elf"},
                        {"both ask for the terminal (--display text; --display text)"});
    expect_refused_with({"--vm", "--share 80 a.elf", "--vm", "--share 30 b.elf"},
                        {"add up to 110"});
}

TEST_F(VmSetCli, VmFileErrorsGiveFileAndLine) {
    const std::string syntax = write("syntax.toml", "[[vm]]\nkernel = \"k.elf\nmemory = \"64M\"\n");
    expect_refused_with({"--vm-file", syntax}, {syntax + ":2: "});
    const std::string key = write("key.toml", "[[vm]]\nkernel = \"k.elf\"\ncolour = \"red\"\n");
    expect_refused_with({"--vm-file", key}, {key + ":3: unknown key \"colour\""});
    const std::string option =
        write("option.toml", "[[vm]]\nname = \"db\"\nkernel = \"k.elf\"\nmemory = \"12X\"\n");
    expect_refused_with({"--vm-file", option}, {option + ":4: vm \"db\": --memory: "});
    // A file of one VM runs it, as `svm ARGS` would: here the machine's own message, labelled.
    const std::string one = write("one.toml", "\n[[vm]]\nkernel = \"/nonexistent/k.elf\"\n");
    expect_refused_with({"--vm-file", one},
                        {one + ":2: vm \"vm1\": cannot open kernel '/nonexistent/k.elf'"}, 65);
    expect_refused_with({"--vm-file", "/nonexistent/vms.toml"},
                        {"/nonexistent/vms.toml: cannot read the VM file"});
}

TEST_F(VmSetCli, VmFileAndVmTogether) {
    const std::string a = write("a.bin", "\xf4");
    const std::string file =
        write("two.toml", "[[vm]]\nname = \"x\"\nkernel = \"" + a + "\"\nnet = \"tap=svmtap1\"\n");
    // Checked together (the TAP conflict below), named in order: --vm's first, then the file's.
    expect_refused_with({"--vm", "--share 60 " + a, "--vm-file", file},
                        {"vm \"x\"", "--share"});
    expect_refused_with({"--vm", "--net tap=svmtap1 " + a, "--vm-file", file},
                        {"vm \"vm1\" and vm \"x\" both ask for TAP device svmtap1"});
}

TEST_F(VmSetCli, HelpListsTheVmSetOptions) {
    ProcessResult r = run_svm({"--help"}, "", 20);
    EXPECT_EQ(r.exit_code, 0);
    for (const char* option :
         {"--vm ", "--vm-file", "--name", "--share", "--crash-ends-all", "--memory", "KERNEL"})
        EXPECT_NE(r.out.find(option), std::string::npos) << option;
}

}  // namespace
}  // namespace svm::test
