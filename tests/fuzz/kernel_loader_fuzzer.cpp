// libFuzzer target: hostile kernel images through svm's loaders (core/loader/: format detection,
// Multiboot 2, Multiboot 1 with ELF or the a.out kludge, Limine executables (requests,
// relocations of a position-independent one), ELF64, ELF32, flat binaries, boot modules) and then
// through everything svm writes around them before the first instruction
// (tests/fuzz/common/boot_pipeline.h), with its invariants checked.
//
// Input: an 8-byte header, a command line, then the kernel file.
//   u8 RAM size (index into kRamSizes)   u8 flags (below)   u8 CPUs (below)
//   u8 command line length               u32 flat load address (Limine: the TSC frequency in Hz)
// Flags: bit 0 repairs Multiboot header checksums, so that mutated headers still load (a fuzzer
// cannot guess a checksum); bits 1-2 pass boot modules (a 5000-byte and an empty file); bits 3-4
// pick the flat binary's start mode; bit 5 gives the flat binary an entry point of load + 0x10;
// bit 6 leaves the machine without a display; bit 7 is --boot limine (LoadOptions::force_limine).
// CPUs: bits 0-5 are the vCPU count - 1 (the Limine MP feature parks one processor per AP);
// bit 6 is --kaslr (a position-independent Limine executable gets a random slide); bit 7 gives the
// CPU 5-level paging (LoadOptions::la57, for the Limine paging mode request).
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/loader/elf_file.h"
#include "core/loader/kernel_image.h"
#include "core/loader/multiboot_abi.h"
#include "core/log.h"
#include "tests/fuzz/common/boot_pipeline.h"
#include "tests/fuzz/common/check.h"
#include "tests/fuzz/common/fuzz_input.h"
#include "tests/fuzz/common/guarded_memory.h"

using namespace svm;

namespace {

// Up to 32 MiB: a loader zeroes a BSS up to the end of RAM, and larger RAM only makes that slower.
constexpr uint64_t kRamSizes[] = {0x10000,  0xA0000,  0x100000,  0x200000,
                                  0x400000, 0x800000, 0x1000000, 0x2000000};

std::string g_module_a;
// SVM_FUZZ_VERBOSE=1 prints why an input was refused (to check what a seed reaches).
bool g_verbose = false;
std::string g_module_b;

std::string write_module(const char* name, size_t size) {
    std::string path = std::string("/tmp/svm-fuzz-") + std::to_string(getpid()) + "-" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) std::abort();
    for (size_t i = 0; i < size; ++i) std::fputc(static_cast<int>(i * 7 + 1), f);
    std::fclose(f);
    return path;
}

// Sets the checksum of every Multiboot 1 and 2 header magic in the search windows.
void repair_checksums(std::vector<uint8_t>& file) {
    auto get = [&](size_t at) {
        uint32_t v;
        std::memcpy(&v, file.data() + at, 4);
        return v;
    };
    auto put = [&](size_t at, uint32_t v) { std::memcpy(file.data() + at, &v, 4); };
    for (size_t at = 0; at + 12 <= file.size() && at < mb1::kSearchBytes; at += mb1::kHeaderAlign)
        if (get(at) == mb1::kHeaderMagic) put(at + 8, 0u - mb1::kHeaderMagic - get(at + 4));
    for (size_t at = 0; at + 16 <= file.size() && at < mb2::kSearchBytes; at += mb2::kHeaderAlign)
        if (get(at) == mb2::kHeaderMagic)
            put(at + 12, 0u - mb2::kHeaderMagic - get(at + 4) - get(at + 8));
}

// A plain ELF image's segments hold the file's bytes, then zeroes.
void check_elf_segments(const GuestMemory& memory, std::span<const uint8_t> file) {
    auto elf = ElfFile::parse(file);
    FUZZ_CHECK(elf.has_value(), "an ELF image that loaded does not parse");
    for (const ElfSegment& s : elf->segments()) {
        // The file's bytes and up to 64 KiB of the BSS after them (a BSS may be most of RAM).
        std::vector<uint8_t> bytes(std::min<uint64_t>(s.mem_size, s.file_size + 0x10000));
        FUZZ_CHECK(memory.read(s.paddr, bytes).has_value(), "{} is not in RAM", s.describe());
        FUZZ_CHECK(std::equal(bytes.begin(), bytes.begin() + s.file_size, file.begin() + s.offset),
                   "{} does not hold the file's bytes", s.describe());
        FUZZ_CHECK(
            std::all_of(bytes.begin() + s.file_size, bytes.end(), [](uint8_t b) { return b == 0; }),
            "{} has a BSS that is not zero", s.describe());
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    log::g_level = log::Level::Error;
    g_verbose = std::getenv("SVM_FUZZ_VERBOSE") != nullptr;
    g_module_a = write_module("module-a", 5000);
    g_module_b = write_module("module-b", 0);
    std::atexit([] {
        unlink(g_module_a.c_str());
        unlink(g_module_b.c_str());
    });
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint64_t ram = kRamSizes[in.u8() % std::size(kRamSizes)];
    const uint8_t flags = in.u8();
    const uint8_t cpu_byte = in.u8();
    const int cpus = 1 + (cpu_byte & 0x3f);
    const uint8_t cmdline_length = in.u8();
    const uint32_t load_address = in.u32();
    auto cmdline = in.bytes(cmdline_length);
    auto rest = in.rest();
    std::vector<uint8_t> file(rest.begin(), rest.end());
    if (flags & 1) repair_checksums(file);

    LoadOptions options;
    options.load_address = load_address;
    options.flat_mode = static_cast<CpuMode>((flags >> 3) % 3);
    if (flags & 0x20) options.entry = uint64_t{load_address} + 0x10;
    options.cmdline.assign(cmdline.begin(), cmdline.end());
    if (flags & 2) options.modules.push_back({g_module_a, g_module_a + " first"});
    if (flags & 4) options.modules.push_back({g_module_b, ""});
    // svm's machines always have a display; without one, Multiboot video requests take the other
    // path (refused or ignored).
    if (!(flags & 0x40)) options.display = DisplayCaps{};
    options.force_limine = flags & 0x80;
    options.kaslr = cpu_byte & 0x40;
    options.la57 = cpu_byte & 0x80;
    options.tsc_hz = load_address;  // only the Limine TSC frequency feature reads it
    options.cpus = cpus;

    GuestMemory& memory = fuzz::fresh_memory(ram);
    auto image = place_kernel("kernel.elf", file, memory, options);
    if (!image) {
        if (g_verbose) std::fprintf(stderr, "refused: %s\n", image.error().message.c_str());
        return 0;
    }
    if (g_verbose) std::fprintf(stderr, "loaded: %s\n", image->format.c_str());
    if (image->video) {
        // A promised mode fits the framebuffer and never lies in RAM.
        const VideoMode& v = *image->video;
        FUZZ_CHECK(v.kind == VideoMode::Kind::EgaText ||
                       (v.width > 0 && v.height > 0 &&
                        uint64_t{v.pitch} * v.height <= (16ull << 20) && v.address >= ram),
                   "a Multiboot video mode outside the framebuffer");
    }
    if (image->format == "elf64" || image->format == "elf32") check_elf_segments(memory, file);
    fuzz::BootInputs inputs;
    inputs.cpus = cpus;
    inputs.cmdline = options.cmdline;
    inputs.kernel_file = file;
    fuzz::run_boot_pipeline(memory, *image, inputs);
    return 0;
}
