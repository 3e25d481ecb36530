// What svm writes in guest memory before any vCPU or device exists: the kernel and its modules,
// svm's boot areas, the ACPI and BIOS-area tables, the boot information and the GDT. Machine::load
// uses it; so does tests/tools/boot_image_dump.cpp, which hands the result to QEMU-TCG so the
// Limine handoff is checked on a CPU even where /dev/kvm is missing.
#pragma once

#include <cstdint>
#include <span>

#include "core/guest_memory.h"
#include "core/loader/kernel_image.h"
#include "core/machine/acpi.h"
#include "core/machine/machine_config.h"
#include "core/result.h"

namespace svm {

struct BootImage {
    KernelImage image;  // image.layout says where svm's areas went
    AcpiLayout acpi;    // empty for a boot sector
};

// Loads `kernel` (the file's bytes) into `memory` as `config` asks (format detection, modules,
// --load-file ranges; docs/loaders.md), then, unless the image is a boot sector (format
// "bootsector", returned at once: Machine lays out a BIOS-style machine for it), plans svm's
// areas and writes the ACPI tables, the BIOS-area tables, the boot information (Multiboot
// information or Limine responses) and the boot GDT (svm's or Limine's). Returns an error of one
// line naming the problem, prefixed with the kernel's path where it is about the kernel.
Result<BootImage> load_boot_image(const MachineConfig& config, std::span<const uint8_t> kernel,
                                  GuestMemory& memory);

}  // namespace svm
