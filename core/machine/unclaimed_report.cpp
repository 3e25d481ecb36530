#include "core/machine/unclaimed_report.h"

#include <fmt/format.h>

#include <array>

namespace svm {

namespace {

struct PortRange {
    uint16_t first, last;
    std::string_view device;
    std::string_view note;
};

// The first matching range wins, so single ports come before the ranges that hold them. Sources:
// OSDev wiki "I/O Ports", "ATA PIO Mode", "Floppy Disk Controller", "Serial Ports", "Parallel
// port", "Bochs VBE Extensions"; QEMU's hw/i386/pc.c and docs/specs/fw_cfg.rst.
constexpr std::array kPorts{
    PortRange{0x0000, 0x001f, "the 8237 DMA controller 1 (ISA DMA channels 0-3)",
              "svm has no ISA DMA"},
    PortRange{0x0020, 0x0021, "the master 8259 PIC", "KVM's in-kernel PIC"},
    PortRange{0x0040, 0x0043, "the 8254 PIT", "KVM's in-kernel PIT"},
    PortRange{0x0060, 0x0060, "the i8042 PS/2 controller, data", ""},
    PortRange{0x0064, 0x0064, "the i8042 PS/2 controller, status/command", ""},
    PortRange{0x0061, 0x0061, "PC speaker / NMI status and control (port B)", ""},
    PortRange{0x0070, 0x0071, "the CMOS/RTC index and data", ""},
    PortRange{0x0080, 0x0080, "POST codes (delay port)", ""},
    PortRange{0x0081, 0x008f, "ISA DMA page registers", "svm has no ISA DMA"},
    PortRange{0x0092, 0x0092, "System Control Port A (fast A20)", ""},
    PortRange{0x00a0, 0x00a1, "the slave 8259 PIC", "KVM's in-kernel PIC"},
    PortRange{0x00c0, 0x00df, "the 8237 DMA controller 2 (ISA DMA channels 4-7)",
              "svm has no ISA DMA"},
    PortRange{0x00e9, 0x00e9, "the Bochs/QEMU debug console (port E9 hack)",
              "svm's debug console; Hypervisor-Symphony's print port with --compat symphony"},
    PortRange{0x00ea, 0x00ef, "Hypervisor-Symphony's hypercall ports",
              "svm models them with --compat symphony"},
    PortRange{0x00f0, 0x00ff, "the x87 coprocessor (legacy FPU error ports)", ""},
    PortRange{0x0170, 0x0170, "the ATA secondary channel, data", "svm has no disk controller"},
    PortRange{0x0177, 0x0177, "the ATA secondary channel, status/command",
              "svm has no disk controller"},
    PortRange{0x0171, 0x0176, "the ATA secondary channel (task file)",
              "svm has no disk controller"},
    PortRange{0x01ce, 0x01d0, "the Bochs/QEMU VBE (DISPI) index/data registers",
              "svm has no graphics adapter"},
    PortRange{0x01f0, 0x01f0, "the ATA primary channel, data", "svm has no disk controller"},
    PortRange{0x01f7, 0x01f7, "the ATA primary channel, status/command",
              "svm has no disk controller"},
    PortRange{0x01f1, 0x01f6, "the ATA primary channel (task file)", "svm has no disk controller"},
    PortRange{0x0201, 0x0201, "the game port (joystick)", ""},
    PortRange{0x0220, 0x022f, "a Sound Blaster", "svm has no sound card"},
    PortRange{0x0278, 0x027a, "parallel port LPT2", "svm has no parallel port"},
    PortRange{0x02e8, 0x02ef, "serial port COM4", "svm models only COM1 (0x3F8)"},
    PortRange{0x02f8, 0x02ff, "serial port COM2", "svm models only COM1 (0x3F8)"},
    PortRange{0x0376, 0x0376, "the ATA secondary channel, device control/alternate status",
              "svm has no disk controller"},
    PortRange{0x0378, 0x037a, "parallel port LPT1", "svm has no parallel port"},
    PortRange{0x03b0, 0x03bb, "the monochrome (MDA/VGA mono) adapter",
              "svm models the colour text mode at 0x3D4/0x3D5"},
    PortRange{0x03bc, 0x03be, "parallel port LPT (on an MDA card)", "svm has no parallel port"},
    PortRange{0x03c0, 0x03df, "the VGA registers", ""},
    PortRange{0x03e8, 0x03ef, "serial port COM3", "svm models only COM1 (0x3F8)"},
    PortRange{0x03f6, 0x03f6, "the ATA primary channel, device control/alternate status",
              "svm has no disk controller"},
    PortRange{0x03f0, 0x03f7, "the floppy disk controller", "svm has no floppy controller"},
    PortRange{0x03f8, 0x03ff, "serial port COM1", ""},
    PortRange{0x0402, 0x0402, "the QEMU/SeaBIOS debug console (isa-debugcon at 0x402)",
              "svm's debug console is at 0xE9"},
    PortRange{0x04d0, 0x04d1, "the 8259 edge/level control registers (ELCR)",
              "KVM's in-kernel PIC"},
    PortRange{0x0500, 0x0503, "svm's hypercall port (32-bit `out %eax, (%dx)`)",
              "mini-kvm's 8-bit port-0x500 ABI with --compat mini-kvm"},
    PortRange{0x0510, 0x051b, "QEMU's fw_cfg interface", ""},
    PortRange{0x0600, 0x063f, "the ACPI PM registers (FADT)", ""},
    PortRange{0x0cf8, 0x0cff, "PCI configuration mechanism #1", ""},
    PortRange{0x5658, 0x5658, "the VMware backdoor (hypervisor detection)",
              "svm is not VMware; detect it with CPUID instead"},
    PortRange{0xb000, 0xb03f, "the PIIX4 ACPI PM block of QEMU's i440fx machine",
              "svm's ACPI PM block is at 0x600 (see the FADT)"},
    PortRange{0xc000, 0xcfff, "a PCI device's I/O BAR on QEMU (PIIX IDE bus master, virtio, e1000)",
              "svm's PCI bus has only the host bridge"},
};

struct MmioRange {
    uint64_t first, last;
    std::string_view device;
};

constexpr std::array kMmio{
    MmioRange{0xa0000, 0xaffff,
              "the VGA graphics window (svm models only the text buffer at 0xB8000)"},
    MmioRange{0xb0000, 0xb7fff, "the monochrome text buffer (svm's text buffer is at 0xB8000)"},
    MmioRange{0xb8000, 0xbffff, "the VGA colour text buffer"},
    MmioRange{0xc0000, 0xfffff, "the BIOS/option ROM area"},
    MmioRange{0xb0000000, 0xbfffffff, "PCIe ECAM (MMCONFIG) on QEMU's q35 machine"},
    MmioRange{0xe0000000, 0xefffffff, "PCIe ECAM or a framebuffer on many PCs"},
    MmioRange{0xfd000000, 0xfdffffff, "the Bochs/QEMU stdvga linear framebuffer"},
    MmioRange{0xfec00000, 0xfec003ff, "the I/O APIC"},
    MmioRange{0xfed00000, 0xfed003ff, "the HPET"},
    MmioRange{0xfed40000, 0xfed44fff, "a TPM (TIS interface)"},
    MmioRange{0xfee00000, 0xfee00fff, "the local APIC"},
    MmioRange{0xff000000, 0xffffffff, "the firmware flash (reset vector)"},
};

std::string counts(const UnclaimedAccess& a) {
    std::string out;
    if (a.reads) out += fmt::format("read {} time{}", a.reads, a.reads == 1 ? "" : "s");
    if (a.writes)
        out += fmt::format("{}written {} time{}", out.empty() ? "" : ", ", a.writes,
                           a.writes == 1 ? "" : "s");
    return out + fmt::format(", {}-byte", a.size);
}

}  // namespace

PortDescription describe_pc_port(uint16_t port) {
    for (const PortRange& r : kPorts)
        if (port >= r.first && port <= r.last) return {r.device, r.note};
    return {};
}

std::string_view describe_pc_mmio(uint64_t addr) {
    for (const MmioRange& r : kMmio)
        if (addr >= r.first && addr <= r.last) return r.device;
    return {};
}

std::string format_unclaimed_report(std::span<const UnclaimedAccess> io,
                                    std::span<const UnclaimedAccess> mmio, uint64_t min_count,
                                    size_t max_lines) {
    std::string out;
    auto line = [&](std::string text) {
        out += out.empty() ? "the guest was polling where no device is, which is why it may have "
                             "made no progress:\n"
                           : "";
        out += "  " + text + "\n";
    };
    size_t n = 0;
    for (const UnclaimedAccess& a : io) {
        if (a.total() < min_count || n++ == max_lines) break;
        PortDescription d = describe_pc_port(static_cast<uint16_t>(a.addr));
        std::string text = fmt::format("I/O port {:#x} ({})", a.addr, counts(a));
        if (!d.device.empty()) text += fmt::format(": usually {}", d.device);
        if (!d.note.empty()) text += fmt::format(" ({})", d.note);
        line(std::move(text));
    }
    n = 0;
    for (const UnclaimedAccess& a : mmio) {
        if (a.total() < min_count || n++ == max_lines) break;
        std::string_view d = describe_pc_mmio(a.addr);
        std::string text = fmt::format("MMIO address {:#x} ({})", a.addr, counts(a));
        if (!d.empty()) text += fmt::format(": usually {}", d);
        line(std::move(text));
    }
    if (!out.empty())
        out +=
            "Absent ports read as all-ones (0xFF...), so a loop waiting for a bit to clear "
            "never ends.\n";
    return out;
}

}  // namespace svm
