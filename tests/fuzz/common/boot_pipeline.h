// What svm does with guest memory between loading a kernel and starting it, without KVM:
// Machine::load(), Machine::write_boot_tables() and the boot page tables of create_vcpus()
// (core/machine/machine_boot.cpp, machine_cpus.cpp), in the same order. The kernel_loader and
// boot_tables fuzz targets run it on every input and check what svm promises about the result.
#pragma once

#include <svm/machine.h>

#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/loader/kernel_image.h"

namespace svm::fuzz {

struct BootInputs {
    int cpus = 1;
    std::string cmdline;              // for the machine table (Multiboot has its own in `image`)
    std::vector<svm_device> devices;  // machine-table entries
};

// Plans the layout around image.loaded, writes the ACPI tables, the BIOS-area tables, the
// Multiboot information, the boot GDT, the boot page tables (long-mode starts) and the machine
// table, and computes the boot CPU state. A step that fails the way a bad input may make it fail
// (an error svm prints) ends the pipeline early. Aborts (FUZZ_CHECK) if an invariant breaks:
//  - the layout's areas lie in RAM and overlap neither each other nor a loaded range;
//  - no write lands on a loaded range, and no byte outside the loaded ranges and svm's areas
//    changes;
//  - every table svm wrote is well formed: checksums, lengths and pointers inside its area
//    (machine table, ACPI, MP, Multiboot 1 and 2 information);
//  - the boot page tables map every VirtualMapping and identity-map the rest of the low 4 GiB,
//    as the page walker (core/x86_64/page_walker.h) reads them.
// Writing the BIOS-area tables and the GDT must not fail once the layout is planned.
void run_boot_pipeline(GuestMemory& memory, KernelImage& image, const BootInputs& inputs);

}  // namespace svm::fuzz
