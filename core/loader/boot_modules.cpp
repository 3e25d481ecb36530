#include "core/loader/boot_modules.h"

#include <algorithm>

#include "core/loader/host_file.h"

namespace svm {

// Reads module `index` with a bound (HostFile): a module is copied whole into RAM, so a file
// larger than RAM is refused before a byte of it is read, and a pipe is read no further.
static Result<std::vector<uint8_t>> read_module(const std::string& path, size_t index,
                                                uint64_t ram_size) {
    auto file = TRY(HostFile::open(path, fmt::format("module {}", index)));
    return file.read_all(
        ram_size, fmt::format("the guest's {} of RAM (-m)", HostFile::describe_size(ram_size)));
}

Result<std::vector<PlacedModule>> load_boot_modules(const std::vector<LoadOptions::Module>& modules,
                                                    ImagePlacer& placer) {
    constexpr uint64_t kPage = 4096;
    constexpr uint64_t k4GiB = uint64_t(1) << 32;
    std::vector<PlacedModule> placed;
    // GRUB's lowest module address for Multiboot 1 is 1 MiB (grub-core/loader/multiboot.c).
    uint64_t next = std::max<uint64_t>(placer.kernel_end(), 0x100000);
    for (size_t i = 0; i < modules.size(); ++i) {
        const auto& module = modules[i];
        auto bytes = TRY(read_module(module.path, i, placer.ram_size()));
        uint64_t start = (next + kPage - 1) & ~(kPage - 1);
        auto what =
            fmt::format("module {} ({}, {} bytes at {:#x})", i, module.path, bytes.size(), start);
        TRY(placer.place(what, start, bytes, bytes.size(), true));
        uint64_t end = start + bytes.size();
        if (end > k4GiB)
            return error("{} ends above 4 GiB, beyond Multiboot's 32-bit module addresses", what);
        placed.push_back(
            PlacedModule{static_cast<uint32_t>(start), static_cast<uint32_t>(end), module.args});
        next = end;
    }
    return placed;
}

}  // namespace svm
