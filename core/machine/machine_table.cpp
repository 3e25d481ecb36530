#include "core/machine/machine_table.h"

#include <algorithm>
#include <cstring>

#include "core/loader/memory_map.h"

namespace svm {

std::vector<svm_mem_range> machine_memory_map(uint64_t ram_size,
                                              std::span<const LoadedRange> loaded) {
    std::vector<svm_mem_range> out;
    // Whole pages: a page allocator built from this map must not hand out the tail of a page
    // that holds kernel bytes. Loaded ranges never overlap each other (the loader refuses that),
    // but two can share a page; the first one there keeps it.
    std::vector<LoadedRange> sorted;
    for (LoadedRange l : loaded) {
        if (l.size == 0) continue;
        uint64_t end = (l.base + l.size + 0xfff) & ~0xfffull;
        l.base &= ~0xfffull;
        l.size = end - l.base;
        sorted.push_back(l);
    }
    std::sort(sorted.begin(), sorted.end(),
              [](const LoadedRange& a, const LoadedRange& b) { return a.base < b.base; });
    for (const svm_mem_range& range : base_memory_map(ram_size)) {
        if (range.type != SVM_MEM_RAM) {
            out.push_back(range);
            continue;
        }
        // Split RAM around the loaded images that fall inside it.
        uint64_t cursor = range.base, end = range.base + range.length;
        for (const LoadedRange& l : sorted) {
            uint64_t lb = std::max(l.base, cursor), le = std::min(l.base + l.size, end);
            if (l.size == 0 || lb >= le) continue;
            if (lb > cursor) out.push_back({cursor, lb - cursor, SVM_MEM_RAM, 0});
            out.push_back({lb, le - lb, l.is_module ? SVM_MEM_MODULE : SVM_MEM_KERNEL, 0});
            cursor = le;
        }
        if (cursor < end) out.push_back({cursor, end - cursor, SVM_MEM_RAM, 0});
    }
    return out;
}

svm_device make_device(uint32_t type, const std::string& name, uint16_t io_base, uint16_t io_size,
                       uint32_t irq, uint64_t mmio_base, uint64_t mmio_size) {
    svm_device d{};
    d.type = type;
    d.irq = irq;
    d.io_base = io_base;
    d.io_size = io_size;
    d.mmio_base = mmio_base;
    d.mmio_size = mmio_size;
    std::memcpy(d.name, name.data(), std::min(name.size(), sizeof d.name - 1));
    return d;
}

namespace {

template <typename T>
void append(std::vector<uint8_t>& out, const T& value) {
    auto p = reinterpret_cast<const uint8_t*>(&value);
    out.insert(out.end(), p, p + sizeof(T));
}

}  // namespace

std::vector<uint8_t> build_machine_table(const MachineDescription& desc, uint64_t address) {
    svm_machine header{};
    std::memcpy(header.signature, SVM_MACHINE_SIGNATURE, sizeof header.signature);
    header.version = SVM_MACHINE_VERSION;
    header.header_size = sizeof(svm_machine);
    header.ram_size = desc.ram_size;
    header.acpi_rsdp = desc.acpi_rsdp;
    uint32_t offset = sizeof(svm_machine);
    header.mem_count = static_cast<uint32_t>(desc.memory.size());
    header.mem_offset = offset;
    offset += header.mem_count * sizeof(svm_mem_range);
    header.dev_count = static_cast<uint32_t>(desc.devices.size());
    header.dev_offset = offset;
    offset += header.dev_count * sizeof(svm_device);
    header.cpu_count = static_cast<uint32_t>(desc.cpus.size());
    header.cpu_offset = offset;
    offset += header.cpu_count * sizeof(svm_cpu);
    if (!desc.cmdline.empty()) header.cmdline = address + offset;
    header.total_size = offset + (desc.cmdline.empty() ? 0 : desc.cmdline.size() + 1);

    std::vector<uint8_t> out;
    out.reserve(header.total_size);
    append(out, header);
    for (const auto& m : desc.memory) append(out, m);
    for (const auto& d : desc.devices) append(out, d);
    for (const auto& c : desc.cpus) append(out, c);
    if (!desc.cmdline.empty()) {
        out.insert(out.end(), desc.cmdline.begin(), desc.cmdline.end());
        out.push_back(0);
    }
    uint8_t sum = 0;
    for (uint8_t b : out) sum = static_cast<uint8_t>(sum + b);
    out[offsetof(svm_machine, checksum)] = static_cast<uint8_t>(-sum);
    return out;
}

Result<void> write_machine_table(GuestMemory& memory, const MachineDescription& desc) {
    auto bytes = build_machine_table(desc, SVM_MACHINE_TABLE_ADDR);
    if (bytes.size() > SVM_MACHINE_TABLE_MAX)
        return error(
            "the machine table needs {} bytes, more than the {} reserved for it (is the "
            "command line too long?)",
            bytes.size(), SVM_MACHINE_TABLE_MAX);
    return memory.write(SVM_MACHINE_TABLE_ADDR, bytes);
}

}  // namespace svm
