// VM files (core/cli/vm_file.h): each [[vm]] table becomes a command line; every kind of error
// names the file and the line.
#include "core/cli/vm_file.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

namespace svm::cli {
namespace {

using Words = std::vector<std::string>;

// Parses `text` as f.toml and expects an error whose message is exactly `message`.
void expect_error(const std::string& text, const std::string& message) {
    auto vms = parse_vm_file(text, "f.toml");
    ASSERT_FALSE(vms) << text;
    EXPECT_EQ(vms.error().exit_code, 64);
    EXPECT_EQ(vms.error().message, message) << text;
}

// Parses `text` and expects an error that starts with "f.toml:LINE: " and contains `what`.
void expect_error_at(const std::string& text, int line, const std::string& what) {
    auto vms = parse_vm_file(text, "f.toml");
    ASSERT_FALSE(vms) << text;
    EXPECT_EQ(vms.error().exit_code, 64);
    const std::string prefix = "f.toml:" + std::to_string(line) + ": ";
    EXPECT_EQ(vms.error().message.rfind(prefix, 0), 0u) << vms.error().message;
    EXPECT_NE(vms.error().message.find(what), std::string::npos) << vms.error().message;
}

TEST(VmFile, EachTableBecomesACommandLine) {
    auto vms = parse_vm_file(R"(# two VMs
[[vm]]
name = "a"
kernel = "k.elf"
memory = "64M"
cpus = 2
share = 70
kaslr = true
reboot = false
timeout = 2.5
disk = ["a.img", "b.img,ro"]
args = ["--net", "user", "--cmdline", "x y"]

[[vm]]
kernel = "-odd.elf"
)",
                             "f.toml");
    ASSERT_TRUE(vms) << vms.error().message;
    ASSERT_EQ(vms->size(), 2u);
    const VmDefinition& a = (*vms)[0];
    // The keys' options in key order, then args, then "--" KERNEL.
    EXPECT_EQ(a.args,
              (Words{"--cpus",   "2",     "--disk", "a.img",     "--disk",  "b.img,ro", "--kaslr",
                     "--memory", "64M",   "--name", "a",         "--share", "70",       "--timeout",
                     "2.5",      "--net", "user",   "--cmdline", "x y",     "--",       "k.elf"}));
    EXPECT_EQ(a.file, "f.toml");
    EXPECT_EQ(a.line, 2u);
    EXPECT_EQ(a.index, 1u);
    const VmDefinition& b = (*vms)[1];
    EXPECT_EQ(b.args, (Words{"--", "-odd.elf"}));
    EXPECT_EQ(b.line, 14u);
    EXPECT_EQ(b.index, 2u);
    // Options point at their lines.
    auto line_of = [&a](const std::string& option) {
        for (const auto& [name, line] : a.option_lines)
            if (name == option) return line;
        return 0u;
    };
    EXPECT_EQ(line_of("--memory"), 5u);
    EXPECT_EQ(line_of("--disk"), 11u);
    EXPECT_EQ(line_of("--cmdline"), 12u);
    EXPECT_EQ(line_of("KERNEL"), 4u);
}

TEST(VmFile, SyntaxErrorsGiveTheLine) {
    expect_error_at("[[vm]]\nkernel = \"k.elf\"\nmemory = \n", 3, "");
    expect_error_at("[[vm]]\nkernel = 'k.elf\n", 2, "");
    expect_error_at("[[vm]]\ncpus = 1\ncpus = 2\n", 3, "cpus");
}

TEST(VmFile, VmMustBeAnArrayOfTables) {
    expect_error_at("\n[vm]\nkernel = \"k\"\n", 2, "write [[vm]]");
    expect_error_at("vm = 3\n", 1, "write [[vm]]");
}

TEST(VmFile, UnknownKeys) {
    expect_error_at("title = \"lab\"\n[[vm]]\nkernel = \"k\"\n", 1,
                    "unknown key \"title\": a VM file holds [[vm]] tables");
    expect_error_at("[[vm]]\nkernel = \"k\"\ncolour = \"red\"\n", 3, "unknown key \"colour\"");
    // A key is the long option: no "--", no short options, no underscores for dashes.
    expect_error_at("[[vm]]\nm = \"64M\"\n", 2, "unknown key \"m\"");
    expect_error_at("[[vm]]\ntrace_exits = true\n", 2, "unknown key \"trace_exits\"");
    expect_error_at("[[vm]]\nhelp = true\n", 2, "unknown key \"help\"");
}

TEST(VmFile, ValuesOfTheWrongType) {
    expect_error_at("[[vm]]\nkaslr = \"yes\"\n", 2,
                    "kaslr is a flag (--kaslr): give true or false, not a string");
    expect_error_at("[[vm]]\nmemory = true\n", 2,
                    "memory (--memory) takes a string or a number (an array to repeat it), not a "
                    "boolean");
    expect_error_at("[[vm]]\nmemory = { size = 1 }\n", 2, "not a table");
    expect_error_at("[[vm]]\nrtc = 1979-05-27\n", 2, "not a date");
    expect_error_at("[[vm]]\ndisk = [\n  \"a.img\",\n  true,\n]\n", 4,
                    "disk: each value must be a string or a number, not a boolean");
    expect_error_at("[[vm]]\nkernel = 1\n", 2, "kernel must be a string");
    expect_error_at("[[vm]]\nargs = \"--net user\"\n", 2, "args must be an array of strings");
    expect_error_at("[[vm]]\nargs = [\"--cpus\",\n 2]\n", 3,
                    "args must be an array of strings, but one is an integer");
}

TEST(VmFile, AFileWithoutVms) {
    expect_error("", "f.toml: no [[vm]] table: the file defines no VM");
    expect_error("# nothing yet\n", "f.toml: no [[vm]] table: the file defines no VM");
}

TEST(VmFile, UnreadableFiles) {
    auto missing = read_vm_file("/nonexistent/vms.toml");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().exit_code, 64);
    EXPECT_EQ(missing.error().message,
              "/nonexistent/vms.toml: cannot read the VM file: No such file or directory");
    auto directory = read_vm_file("/");
    ASSERT_FALSE(directory);
    EXPECT_EQ(directory.error().message, "/: cannot read the VM file: it is a directory");
}

TEST(VmFile, ReadsAFile) {
    const std::string path =
        ::testing::TempDir() + "svm_vm_file_" + std::to_string(getpid()) + ".toml";
    std::ofstream(path) << "[[vm]]\nkernel = \"k.elf\"\n";
    auto vms = read_vm_file(path);
    unlink(path.c_str());
    ASSERT_TRUE(vms) << vms.error().message;
    ASSERT_EQ(vms->size(), 1u);
    EXPECT_EQ((*vms)[0].args, (Words{"--", "k.elf"}));
    EXPECT_EQ((*vms)[0].file, path);
}

}  // namespace
}  // namespace svm::cli
