// libFuzzer target: svm's boot-time table writers with layouts no test kernel produces. Random
// loaded ranges (kernel segments and modules, placed through ImagePlacer as loaders place them),
// CPU counts, boot page-table mappings, machine-table devices and command lines go through the
// boot pipeline (tests/fuzz/common/boot_pipeline.h): plan_boot_layout, the ACPI, BIOS-area and MP
// tables, the boot GDT, build_boot_page_tables (checked with the page walker) and the machine
// table, with their invariants checked.
//
// Input:
//   u8 RAM size (index into kRamSizes)   u8 CPUs - 1 (mod 64)   u8 flags (bit 0: long mode)
//   u64 entry
//   u8 range count (mod 9), then per range: u32 base, u32 size (mod 1 MiB), u8 is_module
//   u8 mapping count (mod 9), then per mapping: u8 kind, u64 vaddr, u64 paddr, u32 size
//     (kind bit 0: a higher-half mapping of a low physical page, as an ELF64 kernel has; else
//     the raw values, so the builder's own checks are exercised)
//   u8 device count, then per device: u8 type, u16 io base, u16 io size, u8 irq,
//     u64 mmio base, sized name
//   sized command line
#include <svm/machine.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/loader/image_placer.h"
#include "core/loader/kernel_image.h"
#include "core/log.h"
#include "core/machine/machine_table.h"
#include "tests/fuzz/common/boot_pipeline.h"
#include "tests/fuzz/common/fuzz_input.h"
#include "tests/fuzz/common/guarded_memory.h"

using namespace svm;

namespace {

constexpr uint64_t kRamSizes[] = {0x10000,  0xA0000,  0x100000,  0x101000,
                                  0x200000, 0x400000, 0x1000000, 0x2000000};
constexpr uint64_t kHigherHalf = 0xFFFFFFFF80000000ull;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    log::g_level = log::Level::Error;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint64_t ram = kRamSizes[in.u8() % std::size(kRamSizes)];
    fuzz::BootInputs inputs;
    inputs.cpus = 1 + in.u8() % 64;
    const uint8_t flags = in.u8();
    GuestMemory& memory = fuzz::fresh_memory(ram);

    KernelImage image;
    image.format = "tables";
    image.mode = (flags & 1) ? CpuMode::Long : CpuMode::Protected;
    image.entry = in.u64();

    // Loaded ranges, filled with a non-zero pattern so an overwrite shows.
    ImagePlacer placer(memory);
    const std::vector<uint8_t> pattern(256, 0xA5);
    for (int n = in.u8() % 9; n > 0; --n) {
        const uint32_t base = in.u32();
        const uint32_t length = in.u32() % 0x100000;
        const bool is_module = in.flag();
        std::span<const uint8_t> bytes(pattern.data(), std::min<size_t>(length, pattern.size()));
        (void)placer.place("range", base, bytes, length, is_module);
    }
    image.loaded = placer.loaded();

    for (int n = in.u8() % 9; n > 0; --n) {
        const uint8_t kind = in.u8();
        VirtualMapping m{in.u64(), in.u64(), in.u32()};
        if (kind & 1) {
            m.paddr &= 0x3fffffff;
            m.vaddr = kHigherHalf | (m.vaddr & 0x7ffff000) | (m.paddr & 0xfff);
            m.size %= 0x400000;
        }
        image.mappings.push_back(m);
    }

    for (int n = in.u8(); n > 0 && !in.empty(); --n) {
        const uint8_t type = in.u8();
        const uint16_t io_base = in.u16();
        const uint16_t io_size = in.u16();
        const uint8_t irq = in.u8();
        const uint64_t mmio_base = in.u64();
        inputs.devices.push_back(make_device(type, in.sized_string(31), io_base, io_size,
                                             irq == 0xff ? SVM_IRQ_NONE : irq, mmio_base,
                                             mmio_base ? 0x1000 : 0));
    }
    inputs.cmdline = in.sized_string();

    fuzz::run_boot_pipeline(memory, image, inputs);
    return 0;
}
