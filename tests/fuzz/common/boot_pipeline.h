// What svm does with guest memory between loading a kernel and starting it, without KVM:
// load_boot_image() (core/machine/boot_image.h, behind Machine::load()), write_boot_tables() and
// the boot page tables of create_vcpus() (build_kernel_page_tables, core/machine/boot_cpu.h), in
// the same order. It repeats load_boot_image()'s steps rather than calling it so that it can check
// the memory between them (a failed boot information write must leave the image untouched). The
// kernel_loader and boot_tables fuzz targets run it on every input and check what svm promises
// about the result.
#pragma once

#include <svm/machine.h>

#include <span>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/loader/kernel_image.h"

namespace svm::fuzz {

struct BootInputs {
    int cpus = 1;
    std::string cmdline;              // for the machine table (Multiboot has its own in `image`)
    std::vector<svm_device> devices;  // machine-table entries
    // The kernel file image.loaded came from: a Limine executable's requests are found in it.
    std::span<const uint8_t> kernel_file;
};

// Plans the layout around image.loaded, writes the ACPI tables, the BIOS-area tables, the
// Multiboot information or Limine responses, the boot GDT (svm's or Limine's), the boot page
// tables (long-mode starts, build_kernel_page_tables) and the machine table, and computes the boot
// CPU state, as load_boot_image() (core/machine/boot_image.h) and Machine do. A step that fails the
// way a bad input may make it fail (an error svm prints) ends the pipeline early. Aborts
// (FUZZ_CHECK) if an invariant breaks:
//  - the layout's areas lie in RAM and overlap neither each other nor a loaded range;
//  - no write lands on a loaded range, and no byte outside the loaded ranges and svm's areas
//    changes; a Limine executable's image changes only in its requests' `response` members and
//    its base revision tag's 2nd and 3rd values, and svm's bootloader-reclaimable region (one of
//    image.loaded) is svm's own;
//  - every table svm wrote is well formed: checksums, lengths and pointers inside its area
//    (machine table, ACPI, MP, Multiboot 1 and 2 information);
//  - the boot page tables map every VirtualMapping and identity-map the rest of the low 4 GiB,
//    as the page walker (core/x86_64/page_walker.h) reads them (a Limine executable's: its
//    segments and image.limine->hhdm, in its own pool);
//  - Limine: the checks of limine_checks.h (responses through the HHDM into the boot
//    information area, the memory map, the entry, stacks and parked processors).
// Writing the BIOS-area tables and the GDT must not fail once the layout is planned.
void run_boot_pipeline(GuestMemory& memory, KernelImage& image, const BootInputs& inputs);

}  // namespace svm::fuzz
