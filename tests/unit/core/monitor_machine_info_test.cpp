#include <gtest/gtest.h>

#include "core/debug/monitor/machine_info.h"
#include "core/machine/machine_table.h"

namespace svm {
namespace {

std::vector<svm_device> test_devices() {
    return {make_device(SVM_DEV_UART16550, "com1", 0x3f8, 8, 4),
            make_device(SVM_DEV_PIC, "pic-master", 0x20, 2),
            make_device(SVM_DEV_IOAPIC, "ioapic", 0, 0, 0, 0xfec00000, 0x1000),
            make_device(SVM_DEV_VGA_TEXT, "vga-text", 0x3c0, 0x20, SVM_IRQ_NONE, 0xb8000, 0x8000)};
}

TEST(MonitorMachineInfo, MtreeInQemuShape) {
    std::vector<svm_mem_range> map = {{0, 0x70000, SVM_MEM_RAM, 0},
                                      {0x70000, 0x90000, SVM_MEM_RESERVED, 0},
                                      {0x100000, 0x100000, SVM_MEM_KERNEL, 0},
                                      {0x200000, 0x1e00000, SVM_MEM_RAM, 0}};
    EXPECT_EQ(format_mtree(map, test_devices(), 32 << 20),
              "address-space: memory\n"
              "  0000000000000000-ffffffffffffffff (prio 0, container): system\n"
              "    0000000000000000-000000000006ffff (prio 0, ram): ram\n"
              "    0000000000070000-00000000000fffff (prio 0, ram): reserved\n"
              "    00000000000b8000-00000000000bffff (prio 1, i/o): vga-text\n"
              "    0000000000100000-00000000001fffff (prio 0, ram): kernel\n"
              "    0000000000200000-0000000001ffffff (prio 0, ram): ram\n"
              "    00000000fec00000-00000000fec00fff (prio 1, i/o): ioapic\n"
              "\n"
              "address-space: I/O\n"
              "  0000000000000000-000000000000ffff (prio 0, container): io\n"
              "    0000000000000020-0000000000000021 (prio 0, i/o): pic-master\n"
              "    00000000000003c0-00000000000003df (prio 0, i/o): vga-text\n"
              "    00000000000003f8-00000000000003ff (prio 0, i/o): com1\n");
}

TEST(MonitorMachineInfo, MtreeWithoutMapShowsAllRam) {
    std::string out = format_mtree({}, {}, 16 << 20);
    EXPECT_NE(out.find("    0000000000000000-0000000000ffffff (prio 0, ram): ram\n"),
              std::string::npos)
        << out;
}

TEST(MonitorMachineInfo, DeviceList) {
    std::string out = format_devices(test_devices());
    EXPECT_EQ(
        out.substr(0, out.find('\n')),
        "name             type            I/O ports     MMIO                                IRQ");
    EXPECT_NE(out.find("com1             uart16550       0x3f8-0x3ff   -                           "
                       "        4\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("ioapic           ioapic          -             0xfec00000-0xfec00fff       "
                       "        0\n"),
              std::string::npos)
        << out;
    EXPECT_NE(out.find("vga-text         vga-text        0x3c0-0x3df   0xb8000-0xbffff             "
                       "        -\n"),
              std::string::npos)
        << out;
    EXPECT_EQ(device_type_name(999), "type 999");
}

TEST(MonitorMachineInfo, InfoCpusStarsTheCurrentOne) {
    std::vector<CpuSummary> cpus = {{0, 1234, 0xffffffff80001000, "long mode, CPL 0, halted"},
                                    {1, std::nullopt, 0x8000, "waiting for SIPI"}};
    EXPECT_EQ(format_info_cpus(cpus, 1),
              "  CPU #0: thread_id=1234 pc=0xffffffff80001000 (long mode, CPL 0, halted)\n"
              "* CPU #1: pc=0x8000 (waiting for SIPI)\n");
}

}  // namespace
}  // namespace svm
