#include "core/machine/machine_table.h"

#include <algorithm>
#include <cstring>

#include "core/loader/memory_map.h"

namespace svm {

std::vector<svm_mem_range> machine_memory_map(uint64_t ram_size,
                                              std::span<const svm_mem_range> reserved,
                                              std::span<const LoadedRange> loaded) {
    return overlay_loaded(base_memory_map(ram_size, reserved), loaded);
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
    header.display = desc.display;
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

Result<void> write_machine_table(GuestMemory& memory, const MachineDescription& desc,
                                 uint64_t address) {
    auto bytes = build_machine_table(desc, address);
    if (bytes.size() > SVM_MACHINE_TABLE_MAX)
        return error(
            "the machine table needs {} bytes, more than the {} reserved for it (is the "
            "command line too long?)",
            bytes.size(), SVM_MACHINE_TABLE_MAX);
    return memory.write(address, bytes);
}

}  // namespace svm
