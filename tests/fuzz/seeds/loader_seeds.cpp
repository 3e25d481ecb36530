// Seeds for kernel_loader: one image per format and feature the loaders handle, built as the
// loader unit tests build theirs.
#include <cstdint>
#include <string>

#include "tests/fuzz/common/fuzz_input.h"
#include "tests/fuzz/seeds/seeds.h"
#include "tests/unit/loader/test_images.h"

namespace svm::fuzz::seeds {

namespace {

using test::Bytes;
using test::concat;
using test::Mb2Header;
using test::pattern;

// kernel_loader's header (see kernel_loader_fuzzer.cpp), then the file.
struct Options {
    uint8_t ram = 4;    // 4 MiB
    uint8_t flags = 1;  // repair Multiboot checksums
    uint8_t cpus = 1;
    std::string cmdline;
    uint32_t load_address = 0;
};

Bytes input(const Options& o, const Bytes& file) {
    FuzzWriter w;
    w.u8(o.ram).u8(o.flags).u8(static_cast<uint8_t>(o.cpus - 1));
    w.u8(static_cast<uint8_t>(o.cmdline.size())).u32(o.load_address);
    w.bytes(std::span(reinterpret_cast<const uint8_t*>(o.cmdline.data()), o.cmdline.size()));
    w.bytes(file);
    return w.data();
}

constexpr uint64_t kHigherHalf = 0xFFFFFFFF80000000ull;
constexpr uint32_t kFlagAout = 1u << 16;

}  // namespace

void loader_seeds(const Sink& sink) {
    auto seed = [&](const std::string& name, const Options& o, const Bytes& file) {
        sink("kernel_loader", name, input(o, file));
    };
    Options plain;
    Options smp{.cpus = 4, .cmdline = "console=ttyS0 smp"};
    Options modules{.flags = 1 | 2 | 4, .cmdline = "init=/bin/sh"};

    // ELF64: identity-mapped, and higher-half with a symbol table (mappings, page tables).
    seed("elf64", plain,
         test::make_elf64({{0x100000, 0x100000, pattern(0x200, 1), 0x3000},
                           {0x200000, 0x200000, pattern(0x40, 2), 0x200000}},
                          0x100000));
    seed("elf64-higher-half", smp,
         test::make_elf64({{kHigherHalf + 0x100000, 0x100000, pattern(0x300, 3), 0x5000},
                           {kHigherHalf + 0x400000, 0x400000, pattern(0x80, 4), 0x1000}},
                          kHigherHalf + 0x100000, true));
    // ELF32: a plain one and a higher-half one (entry translated to p_paddr).
    seed("elf32", plain,
         test::make_elf32({{0x100000, 0x100000, pattern(0x100, 5), 0x2000}}, 0x100010, true));
    seed("elf32-higher-half", plain,
         test::make_elf32({{0xC0100000, 0x100000, pattern(0x100, 6), 0x1000}}, 0xC0100000));

    // Multiboot 1: ELF kernels (with modules and symbols), the a.out kludge, the video flag.
    auto mb1_elf = [](uint32_t flags, bool symtab) {
        Bytes code = concat(test::mb1_header(flags), pattern(0x100, 9));
        return test::make_elf32({{0x100000, 0x100000, code, 0x3000}}, 0x10000C, symtab);
    };
    seed("mb1-elf", modules, mb1_elf(3, true));
    seed("mb1-elf-video", plain, mb1_elf(7, false));
    seed("mb1-aout", smp,
         concat(pattern(16, 4),
                test::mb1_header(kFlagAout, 0x200010, 0x200000, 0, 0x205000, 0x200030)));
    seed("mb1-aout-load-end", plain,
         concat(pattern(0x20, 4),
                concat(test::mb1_header(kFlagAout, 0x300020, 0x300000, 0x300040, 0, 0x300020),
                       pattern(0x40, 7))));

    // Multiboot 2: ELF kernels with information requests, module alignment and an entry tag;
    // the address tag on a flat image.
    auto mb2_elf = [](const Bytes& header, bool is64, bool symtab) {
        Bytes code = concat(header, pattern(0x80, 3));
        std::vector<test::TestSegment> segments{{0x100000, 0x100000, code, 0x2000}};
        return is64 ? test::make_elf64(segments, 0x100100, symtab)
                    : test::make_elf32(segments, 0x100100, symtab);
    };
    seed("mb2-elf32", modules,
         mb2_elf(Mb2Header().tag(1, 0, {1, 2, 3, 4, 6, 9, 14, 15}).tag(6, 0, {}).bytes(), false,
                 true));
    seed("mb2-elf64", smp,
         mb2_elf(Mb2Header().tag(3, 0, {0x100100}).tag(4, 1, {0}).bytes(), true, false));
    seed("mb2-optional-tags", plain,
         mb2_elf(Mb2Header()
                     .tag(5, 1, {1024, 768, 32})
                     .tag(1, 1, {8, 12})
                     .tag(10, 1, {0x100000, 0xffffffff, 4096, 0})
                     .bytes(),
                 false, false));
    seed("mb2-address-tag", plain,
         concat(
             Mb2Header().tag(2, 0, {0x200000, 0x200000, 0, 0x204000}).tag(3, 0, {0x200040}).bytes(),
             pattern(0x100, 8)));
    seed("mb2-address-tag-from-file-start", modules,
         concat(Mb2Header().tag(2, 0, {0x300000, 0xffffffff, 0, 0}).tag(3, 0, {0x300000}).bytes(),
                pattern(0x40, 2)));

    // Flat binaries: a real-mode boot sector at 0x7C00, protected and long mode at 1 MiB.
    seed("flat-real", Options{.flags = 0, .load_address = 0x7C00}, pattern(512, 1));
    seed("flat-protected", Options{.flags = 1u << 3, .load_address = 0x100000}, pattern(0x400, 2));
    seed("flat-long-entry", Options{.flags = (2u << 3) | 0x20, .load_address = 0x100000},
         pattern(0x400, 3));
    // Tiny RAM: svm's areas find no room, or only part of it.
    seed("elf64-tiny-ram", Options{.ram = 0},
         test::make_elf64({{0x1000, 0x1000, pattern(0x80, 1), 0x1000}}, 0x1000));
    seed("elf32-640k", Options{.ram = 1},
         test::make_elf32({{0x10000, 0x10000, pattern(0x80, 1), 0x60000}}, 0x10000));
}

}  // namespace svm::fuzz::seeds
