#include "core/debug/monitor/machine_info.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace svm {

namespace {

struct Region {
    uint64_t start, end;  // end inclusive
    int prio;
    const char* kind;
    std::string name;
};

std::string device_name(const svm_device& d) {
    return std::string(d.name, strnlen(d.name, sizeof d.name));
}

const char* memory_type_name(uint32_t type) {
    switch (type) {
        case SVM_MEM_RAM:
            return "ram";
        case SVM_MEM_RESERVED:
            return "reserved";
        case SVM_MEM_KERNEL:
            return "kernel";
        case SVM_MEM_MODULE:
            return "module";
        default:
            return "unknown";
    }
}

void print_regions(std::string& out, std::vector<Region>& regions) {
    std::stable_sort(regions.begin(), regions.end(),
                     [](const Region& a, const Region& b) { return a.start < b.start; });
    for (const Region& r : regions)
        out += fmt::format("    {:016x}-{:016x} (prio {}, {}): {}\n", r.start, r.end, r.prio,
                           r.kind, r.name);
}

}  // namespace

std::string device_type_name(uint32_t type) {
    switch (type) {
        case SVM_DEV_UART16550:
            return "uart16550";
        case SVM_DEV_DEBUGCON:
            return "debugcon";
        case SVM_DEV_EXIT:
            return "isa-debug-exit";
        case SVM_DEV_HYPERCALL:
            return "hypercall";
        case SVM_DEV_LAPIC:
            return "lapic";
        case SVM_DEV_IOAPIC:
            return "ioapic";
        case SVM_DEV_PIT:
            return "i8254-pit";
        case SVM_DEV_PIC:
            return "i8259-pic";
        case SVM_DEV_VGA_TEXT:
            return "vga-text";
        case SVM_DEV_PCI_HOST:
            return "pci-host";
        case SVM_DEV_FW_CFG:
            return "fw_cfg";
        case SVM_DEV_ACPI_PM:
            return "acpi-pm";
        case SVM_DEV_HPET:
            return "hpet";
        case SVM_DEV_RESET:
            return "reset-control";
        case SVM_DEV_I8042:
            return "i8042";
        case SVM_DEV_RTC:
            return "mc146818-rtc";
        default:
            return fmt::format("type {}", type);
    }
}

std::string format_mtree(std::span<const svm_mem_range> memory_map,
                         std::span<const svm_device> devices, uint64_t ram_size) {
    std::string out = "address-space: memory\n";
    out += fmt::format("  {:016x}-{:016x} (prio 0, container): system\n", 0, ~uint64_t{0});
    std::vector<Region> regions;
    for (const svm_mem_range& r : memory_map)
        if (r.length)
            regions.push_back({r.base, r.base + r.length - 1, 0, "ram", memory_type_name(r.type)});
    if (memory_map.empty() && ram_size) regions.push_back({0, ram_size - 1, 0, "ram", "ram"});
    for (const svm_device& d : devices)
        if (d.mmio_size)
            regions.push_back(
                {d.mmio_base, d.mmio_base + d.mmio_size - 1, 1, "i/o", device_name(d)});
    print_regions(out, regions);
    out += "\naddress-space: I/O\n";
    out += fmt::format("  {:016x}-{:016x} (prio 0, container): io\n", 0, 0xffff);
    regions.clear();
    for (const svm_device& d : devices)
        if (d.io_size)
            regions.push_back(
                {d.io_base, uint64_t{d.io_base} + d.io_size - 1, 0, "i/o", device_name(d)});
    print_regions(out, regions);
    return out;
}

std::string format_devices(std::span<const svm_device> devices) {
    std::string out =
        fmt::format("{:<16} {:<15} {:<13} {:<35} {}\n", "name", "type", "I/O ports", "MMIO", "IRQ");
    for (const svm_device& d : devices) {
        std::string ports =
            d.io_size ? fmt::format("{:#x}-{:#x}", d.io_base, uint32_t{d.io_base} + d.io_size - 1)
                      : "-";
        std::string mmio =
            d.mmio_size ? fmt::format("{:#x}-{:#x}", d.mmio_base, d.mmio_base + d.mmio_size - 1)
                        : "-";
        std::string irq = d.irq == SVM_IRQ_NONE ? "-" : fmt::format("{}", d.irq);
        out += fmt::format("{:<16} {:<15} {:<13} {:<35} {}\n", device_name(d),
                           device_type_name(d.type), ports, mmio, irq);
    }
    return out;
}

std::string format_info_cpus(std::span<const CpuSummary> cpus, int current) {
    std::string out;
    for (const CpuSummary& c : cpus) {
        out += fmt::format("{} CPU #{}:", c.index == current ? '*' : ' ', c.index);
        if (c.thread_id) out += fmt::format(" thread_id={}", *c.thread_id);
        out += fmt::format(" pc={:#x}", c.pc);
        if (!c.state.empty()) out += " (" + c.state + ")";
        out += "\n";
    }
    return out;
}

}  // namespace svm
