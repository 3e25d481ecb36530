#include "core/machine/machine_table.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstring>
#include <numeric>

namespace svm {
namespace {

MachineDescription sample() {
    MachineDescription d;
    d.ram_size = 64ull << 20;
    LoadedRange kernel{0x100000, 0x2f01, false};  // widened to 0x3000
    LoadedRange module{0x104010, 0xff0, true};    // widened to 0x104000-0x105000
    std::vector<LoadedRange> loaded{module, kernel};
    d.memory =
        machine_memory_map(d.ram_size, plan_boot_layout(d.ram_size, loaded, 0)->reserved, loaded);
    d.devices.push_back(make_device(SVM_DEV_UART16550, "com1", 0x3f8, 8, 4));
    d.devices.push_back(make_device(SVM_DEV_DEBUGCON, "a-very-long-device-name", 0xe9, 1));
    d.cpus.push_back({0, 0, SVM_CPU_BSP, 0});
    d.cmdline = "console=ttyS0";
    return d;
}

TEST(MachineTable, MemoryMapCarvesKernelAndModulesOutOfRam) {
    auto d = sample();
    ASSERT_EQ(d.memory.size(), 6u);
    EXPECT_EQ(d.memory[0].base, 0u);
    EXPECT_EQ(d.memory[0].length, SVM_RESERVED_START);
    EXPECT_EQ(d.memory[0].type, SVM_MEM_RAM);
    EXPECT_EQ(d.memory[1].type, SVM_MEM_RESERVED);
    EXPECT_EQ(d.memory[2].base, 0x100000u);
    EXPECT_EQ(d.memory[2].length, 0x3000u);
    EXPECT_EQ(d.memory[2].type, SVM_MEM_KERNEL);
    EXPECT_EQ(d.memory[3].base, 0x103000u);
    EXPECT_EQ(d.memory[3].type, SVM_MEM_RAM);
    EXPECT_EQ(d.memory[4].base, 0x104000u);
    EXPECT_EQ(d.memory[4].type, SVM_MEM_MODULE);
    EXPECT_EQ(d.memory[5].base, 0x105000u);
    EXPECT_EQ(d.memory[5].base + d.memory[5].length, 64ull << 20);
    // Ranges are contiguous and cover all of RAM.
    uint64_t cursor = 0;
    for (const auto& r : d.memory) {
        if (r.base == cursor) cursor += r.length;
    }
    EXPECT_GE(cursor, 64ull << 20);
}

TEST(MachineTable, DisplayModeAtEntryIsInTheHeaderAfterTheFirstReleasesFields) {
    auto d = sample();
    d.display.address = 0xfd000000;
    d.display.width = 800;
    d.display.height = 600;
    d.display.pitch = 3200;
    d.display.bpp = 32;
    d.display.type = SVM_FB_RGB;
    d.display.red_position = 16;
    auto bytes = build_machine_table(d, SVM_MACHINE_TABLE_ADDR);
    svm_machine h;
    std::memcpy(&h, bytes.data(), sizeof h);
    // Appended after cpu_offset: a guest built against the first release's header still validates.
    EXPECT_EQ(offsetof(svm_machine, display), offsetof(svm_machine, cpu_offset) + 4);
    EXPECT_GE(h.header_size, offsetof(svm_machine, display) + sizeof(svm_framebuffer));
    EXPECT_EQ(h.display.address, 0xfd000000u);
    EXPECT_EQ(h.display.width, 800u);
    EXPECT_EQ(h.display.pitch, 3200u);
    EXPECT_EQ(h.display.type, SVM_FB_RGB);
    EXPECT_EQ(h.display.red_position, 16);
    EXPECT_EQ(h.mem_offset, sizeof(svm_machine));
}

TEST(MachineTable, SerialisesHeaderArraysCmdlineAndChecksum) {
    auto d = sample();
    auto bytes = build_machine_table(d, SVM_MACHINE_TABLE_ADDR);
    svm_machine h;
    std::memcpy(&h, bytes.data(), sizeof h);
    EXPECT_EQ(std::string(h.signature), "SVMMACH");
    EXPECT_EQ(h.version, SVM_MACHINE_VERSION);
    EXPECT_EQ(h.header_size, sizeof(svm_machine));
    EXPECT_EQ(h.total_size, bytes.size());
    EXPECT_EQ(h.ram_size, 64ull << 20);
    EXPECT_EQ(h.mem_count, d.memory.size());
    EXPECT_EQ(h.dev_count, 2u);
    EXPECT_EQ(h.cpu_count, 1u);
    uint8_t sum = std::accumulate(bytes.begin(), bytes.end(), uint8_t{0},
                                  [](uint8_t a, uint8_t b) { return uint8_t(a + b); });
    EXPECT_EQ(sum, 0);
    svm_device dev;
    std::memcpy(&dev, bytes.data() + h.dev_offset, sizeof dev);
    EXPECT_EQ(dev.type, SVM_DEV_UART16550);
    EXPECT_EQ(dev.io_base, 0x3f8);
    EXPECT_EQ(dev.irq, 4u);
    EXPECT_STREQ(dev.name, "com1");
    std::memcpy(&dev, bytes.data() + h.dev_offset + sizeof dev, sizeof dev);
    EXPECT_EQ(std::string(dev.name), "a-very-long-dev");  // truncated, NUL-terminated
    EXPECT_EQ(dev.irq, SVM_IRQ_NONE);
    ASSERT_NE(h.cmdline, 0u);
    EXPECT_STREQ(reinterpret_cast<const char*>(bytes.data() + (h.cmdline - SVM_MACHINE_TABLE_ADDR)),
                 "console=ttyS0");
}

TEST(MachineTable, WriteRefusesTablesLargerThanTheReservedArea) {
    auto memory = GuestMemory::create(2 << 20).value();
    auto d = sample();
    ASSERT_TRUE(write_machine_table(memory, d));
    EXPECT_EQ(memory.read_obj<uint64_t>(SVM_MACHINE_TABLE_ADDR).value(),
              0x004843414d4d5653ull);  // "SVMMACH\0"
    d.cmdline.assign(SVM_MACHINE_TABLE_MAX, 'x');
    auto r = write_machine_table(memory, d);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("command line"), std::string::npos);
}

}  // namespace
}  // namespace svm
