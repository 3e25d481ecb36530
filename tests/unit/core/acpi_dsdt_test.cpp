// The DSDT's virtio-mmio devices, decoded by ACPICA's disassembler (iasl, Debian acpica-tools, the
// reference AML implementation Linux also uses): what a kernel's AML interpreter will find.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "core/machine/acpi_fixed.h"

namespace svm::acpi {
namespace {

// Disassembles `table` with `iasl -d`; returns the ASL text, or "" with a test failure.
std::string disassemble(const std::vector<uint8_t>& table) {
    if (std::system("command -v iasl >/dev/null 2>&1") != 0) {
        ADD_FAILURE() << "iasl is missing: install the Debian package acpica-tools "
                         "(scripts/install-deps.sh does)";
        return "";
    }
    const auto dir = std::filesystem::temp_directory_path() /
                     ("svm-dsdt-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    {
        std::ofstream out(dir / "dsdt.aml", std::ios::binary);
        out.write(reinterpret_cast<const char*>(table.data()),
                  static_cast<std::streamsize>(table.size()));
    }
    const std::string command = "cd '" + dir.string() + "' && iasl -d dsdt.aml >iasl.log 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0);
    std::ifstream in(dir / "dsdt.dsl");
    std::stringstream text;
    text << in.rdbuf();
    std::filesystem::remove_all(dir);
    return text.str();
}

// `text` with runs of white space squeezed to one space.
std::string squeeze(const std::string& text) {
    std::string out;
    for (char c : text) {
        const bool space = c == ' ' || c == '\n' || c == '\t' || c == '\r';
        if (space && (out.empty() || out.back() == ' ')) continue;
        out.push_back(space ? ' ' : c);
    }
    return out;
}

TEST(AcpiDsdt, WithoutVirtioMmioOnlyS5) {
    const std::string asl = squeeze(disassemble(build_dsdt()));
    EXPECT_NE(asl.find("Name (\\_S5, Package (0x04)"), std::string::npos) << asl;
    EXPECT_EQ(asl.find("Device"), std::string::npos) << asl;
}

TEST(AcpiDsdt, VirtioMmioTransportsAsLinuxFindsThem) {
    const MmioDevice devices[] = {{0xfeb01000, 0x200, 5}, {0xfeb01200, 0x200, 6},
                                  {0xfeb01e00, 0x200, 7}};
    const std::string asl = squeeze(disassemble(build_dsdt(devices)));
    EXPECT_NE(asl.find("Scope (\\_SB)"), std::string::npos) << asl;
    for (const auto* name : {"Device (VR00)", "Device (VR01)", "Device (VR02)"})
        EXPECT_NE(asl.find(name), std::string::npos) << name << "\n" << asl;
    EXPECT_NE(asl.find("Name (_UID, 0x02)"), std::string::npos) << asl;
    size_t hids = 0;
    for (size_t at = asl.find("\"LNRO0005\""); at != std::string::npos;
         at = asl.find("\"LNRO0005\"", at + 1))
        ++hids;
    EXPECT_EQ(hids, 3u);
    EXPECT_NE(asl.find("Memory32Fixed (ReadWrite, 0xFEB01200, // Address Base 0x00000200,"),
              std::string::npos)
        << asl;
    EXPECT_NE(asl.find("Interrupt (ResourceConsumer, Level, ActiveHigh, Exclusive, ,, ) { "
                       "0x00000007, }"),
              std::string::npos)
        << asl;
}

TEST(AcpiDsdt, ManyDevicesNeedMultiBytePackageLengths) {
    // Eight devices make \_SB's scope far longer than 63 bytes (20.2.4's one-byte form).
    std::vector<MmioDevice> devices;
    for (uint32_t i = 0; i < 8; ++i) devices.push_back({0xfeb01000 + 0x200 * i, 0x200, 5 + i});
    const auto table = build_dsdt(devices);
    uint8_t sum = 0;
    for (uint8_t b : table) sum = static_cast<uint8_t>(sum + b);
    EXPECT_EQ(sum, 0);
    const std::string asl = squeeze(disassemble(table));
    EXPECT_NE(asl.find("Device (VR07)"), std::string::npos) << asl;
    EXPECT_NE(asl.find("0xFEB01E00"), std::string::npos) << asl;
}

}  // namespace
}  // namespace svm::acpi
