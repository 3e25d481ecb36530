// Machine: loading the kernel and writing what svm hands the guest (ACPI tables, boot GDT,
// machine table).
#include "core/machine/boot_cpu.h"
#include "core/machine/machine.h"
#include "core/machine/machine_table.h"

namespace svm {

Result<void> Machine::load(std::span<const uint8_t> kernel) {
    // ACPI first: the Multiboot 2 information carries a copy of the RSDP.
    acpi_ = TRY(write_acpi_tables(memory_, config_.cpus));
    LoadOptions options = config_.load;
    options.acpi_rsdp = acpi_.rsdp_bytes;
    image_ = TRY(with_context(load_kernel(config_.kernel_path, kernel, memory_, options),
                              config_.kernel_path));
    TRY(write_boot_gdt(memory_));
    return {};
}

Result<void> Machine::write_boot_tables() {
    MachineDescription desc;
    desc.ram_size = memory_.size();
    desc.memory = machine_memory_map(memory_.size(), image_.loaded);
    memory_map_ = desc.memory;
    desc.devices = device_entries_;
    desc.cmdline = config_.load.cmdline;
    desc.acpi_rsdp = acpi_.rsdp;
    for (int i = 0; i < config_.cpus; ++i) {
        uint32_t index = static_cast<uint32_t>(i);
        desc.cpus.push_back({index, index, i == 0 ? SVM_CPU_BSP : 0u, 0});
    }
    return write_machine_table(memory_, desc);
}

}  // namespace svm
