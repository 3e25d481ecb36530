// Seeds for kernel_loader: Limine executables (PROTOCOL.md), built here as the Limine loader unit
// tests build theirs (tests/unit/loader/limine_test_fixture.h, limine_pie_test.cpp): a
// template-like executable for every base revision, the request delimiters, a
// position-independent one with R_X86_64_RELATIVE relocations, and the malformed ones svm must
// refuse with an error.
#include <elf.h>
#include <svm/limine_protocol.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tests/fuzz/common/fuzz_input.h"
#include "tests/fuzz/seeds/seeds.h"
#include "tests/unit/loader/test_images.h"

namespace svm::fuzz::seeds {

namespace {

using test::Bytes;

constexpr uint64_t kBase = 0xffffffff80000000ull;  // kLimineLowestVirtual
constexpr uint64_t kData = kBase + 0x1000;         // .data of the template-like executable

// kernel_loader's flags and CPU byte (kernel_loader_fuzzer.cpp).
constexpr uint8_t kModules = 2 | 4, kNoDisplay = 0x40, kBootLimine = 0x80;
constexpr uint8_t kKaslr = 0x40, kLa57 = 0x80;

struct Request {
    uint64_t id2, id3;
    uint64_t revision = 0;
    std::vector<uint64_t> fields = {};  // the optional members from offset 48
};

// Appends 64-bit values to a segment's bytes.
struct Words {
    Bytes bytes;
    uint64_t add(std::initializer_list<uint64_t> values) {
        uint64_t at = bytes.size();
        for (uint64_t v : values)
            for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<uint8_t>(v >> (8 * i)));
        return at;
    }
    void tag(uint64_t revision) {
        add({SVM_LIMINE_BASE_REVISION_MAGIC0, SVM_LIMINE_BASE_REVISION_MAGIC1, revision});
    }
    // A request in a 0x50-byte slot (the largest request, paging mode's, is 72 bytes).
    uint64_t request(const Request& r) {
        uint64_t at =
            add({SVM_LIMINE_COMMON_MAGIC0, SVM_LIMINE_COMMON_MAGIC1, r.id2, r.id3, r.revision, 0});
        for (size_t i = 0; i < 4; ++i) add({i < r.fields.size() ? r.fields[i] : 0});
        return at;
    }
    void start_marker() {
        add({SVM_LIMINE_START_MARKER0, SVM_LIMINE_START_MARKER1, SVM_LIMINE_START_MARKER2,
             SVM_LIMINE_START_MARKER3});
    }
    void end_marker() { add({SVM_LIMINE_END_MARKER0, SVM_LIMINE_END_MARKER1}); }
};

Request req(uint64_t id2, uint64_t id3, uint64_t revision = 0, std::vector<uint64_t> fields = {}) {
    return Request{id2, id3, revision, std::move(fields)};
}

// Every request svm knows, with members that boot: a 128 KiB stack, x2APIC asked for, 4-level
// paging (revision 1: mode, max_mode, min_mode), eight entropy values, the entry point at .text
// + 0x20.
std::vector<Request> all_requests() {
    return {
        req(SVM_LIMINE_ID_BOOTLOADER_INFO),
        req(SVM_LIMINE_ID_EXECUTABLE_CMDLINE),
        req(SVM_LIMINE_ID_FIRMWARE_TYPE),
        req(SVM_LIMINE_ID_STACK_SIZE, 0, {0x20000}),
        req(SVM_LIMINE_ID_HHDM),
        req(SVM_LIMINE_ID_FRAMEBUFFER, 1),
        req(SVM_LIMINE_ID_PAGING_MODE, 1, {0, 0, 0}),
        req(SVM_LIMINE_ID_MP, 0, {1}),
        req(SVM_LIMINE_ID_MEMMAP),
        req(SVM_LIMINE_ID_ENTRY_POINT, 0, {kBase + 0x20}),
        req(SVM_LIMINE_ID_EXECUTABLE_FILE),
        req(SVM_LIMINE_ID_MODULE, 1),
        req(SVM_LIMINE_ID_RSDP),
        req(SVM_LIMINE_ID_SMBIOS),
        req(SVM_LIMINE_ID_EFI_SYSTEM_TABLE),
        req(SVM_LIMINE_ID_EFI_MEMMAP),
        req(SVM_LIMINE_ID_DATE_AT_BOOT),
        req(SVM_LIMINE_ID_EXECUTABLE_ADDRESS),
        req(SVM_LIMINE_ID_DTB),
        req(SVM_LIMINE_ID_TPM_EVENT_LOG),
        req(SVM_LIMINE_ID_BOOTLOADER_PERFORMANCE),
        req(SVM_LIMINE_ID_X86_64_KEEP_IOMMU),
        req(SVM_LIMINE_ID_TSC_FREQUENCY),
        req(SVM_LIMINE_ID_FLANTERM_FB_INIT_PARAMS),
        req(SVM_LIMINE_ID_ENTROPY, 0, {8}),
    };
}

// A template-like executable (limine-c-template's linker script): .text at kBase (entry +0x10),
// .data on the next page holding `data`, then `bss` bytes of BSS.
Bytes executable(const Words& data, uint64_t bss = 0x2000, uint64_t entry = kBase + 0x10) {
    return test::make_elf64({{kBase, 0x1000, test::pattern(0x100, 7), 0x100},
                             {kData, 0x2000, data.bytes, data.bytes.size() + bss}},
                            entry);
}

Bytes with_requests(std::optional<uint64_t> revision, const std::vector<Request>& requests) {
    Words data;
    if (revision) data.tag(*revision);
    for (const Request& r : requests) data.request(r);
    return executable(data);
}

// A position-independent executable linked at 0 (limine_pie_test.cpp's): .text at 0, .data at
// 0x1000 with a base revision 6 tag, HHDM, memory map and entry point requests, a pointer, and
// the RELA table that relocates the pointer and the entry point member; PT_DYNAMIC names it.
Bytes pie() {
    Words data;
    data.tag(6);
    data.request(req(SVM_LIMINE_ID_HHDM));
    data.request(req(SVM_LIMINE_ID_MEMMAP));
    const uint64_t entry = data.request(req(SVM_LIMINE_ID_ENTRY_POINT));
    const uint64_t pointer = data.add({0});
    const uint64_t rela = data.bytes.size();
    const std::vector<Elf64_Rela> relocations = {
        {0x1000 + entry + 48, ELF64_R_INFO(0, R_X86_64_RELATIVE), 0x20},
        {0x1000 + pointer, ELF64_R_INFO(0, R_X86_64_RELATIVE), 0x1000},
        {0x1000 + pointer, ELF64_R_INFO(0, R_X86_64_NONE), 0},
    };
    for (const Elf64_Rela& r : relocations)
        data.add({r.r_offset, r.r_info, static_cast<uint64_t>(r.r_addend)});
    Words dynamic;
    dynamic.add({DT_RELA, 0x1000 + rela, DT_RELASZ, relocations.size() * sizeof(Elf64_Rela),
                 DT_RELAENT, sizeof(Elf64_Rela), DT_NULL, 0});
    Bytes file = test::make_elf64({{0x0, 0x0, test::pattern(0x100, 3), 0x100},
                                   {0x1000, 0x1000, data.bytes, 0x1000},
                                   {0x3000, 0x3000, dynamic.bytes, dynamic.bytes.size()}},
                                  0x10);
    test::poke(file, offsetof(Elf64_Ehdr, e_type), uint16_t{ET_DYN});
    test::poke(file, test::phdr_offset(true, 2), uint32_t{PT_DYNAMIC});
    return file;
}

// kernel_loader's header (kernel_loader_fuzzer.cpp), then the file.
struct Options {
    uint8_t ram = 4;  // 4 MiB
    uint8_t flags = 0;
    uint8_t cpu_byte = 0;  // one vCPU
    std::string cmdline;
    uint32_t tsc_hz = 0;  // the flat load address field
};

Bytes input(const Options& o, const Bytes& file) {
    FuzzWriter w;
    w.u8(o.ram).u8(o.flags).u8(o.cpu_byte);
    w.u8(static_cast<uint8_t>(o.cmdline.size())).u32(o.tsc_hz);
    w.bytes(std::span(reinterpret_cast<const uint8_t*>(o.cmdline.data()), o.cmdline.size()));
    w.bytes(file);
    return w.data();
}

}  // namespace

void limine_seeds(const Sink& sink) {
    auto seed = [&](const std::string& name, const Options& o, const Bytes& file) {
        sink("kernel_loader", "limine-" + name, input(o, file));
    };

    // Every base revision with every request; four processors (the MP feature parks three), the
    // two modules and a command line; RAM sizes and the display vary. Revision 0 is also the
    // implied one of an executable without a tag.
    const Options template_options[] = {
        {.ram = 4,
         .flags = kModules,
         .cpu_byte = 3,
         .cmdline = "console=ttyS0",
         .tsc_hz = 2'500'000'000u},
        {.ram = 5, .flags = 0, .cpu_byte = 1},
        {.ram = 4, .flags = kNoDisplay, .cpu_byte = 0, .cmdline = "quiet"},
        {.ram = 7,
         .flags = kModules,
         .cpu_byte = 3,
         .cmdline = "init=/sbin/init",
         .tsc_hz = 1'000'000'000u},
        {.ram = 6, .flags = 2, .cpu_byte = 7},
        {.ram = 4, .flags = 4, .cpu_byte = 2},
        {.ram = 5, .flags = kModules | kNoDisplay, .cpu_byte = 0, .cmdline = "a b c"},
    };
    for (uint64_t revision = 0; revision <= 6; ++revision)
        seed("revision-" + std::to_string(revision), template_options[revision],
             with_requests(revision, all_requests()));
    seed("no-tag", Options{.cpu_byte = 1},
         with_requests(std::nullopt, {req(SVM_LIMINE_ID_HHDM), req(SVM_LIMINE_ID_MEMMAP),
                                      req(SVM_LIMINE_ID_MP)}));
    seed("tag-only", Options{}, with_requests(3, {}));

    // "Requests Delimiters": a stray request before the start marker and one after the end
    // marker repeat ids inside, which only the delimiters make legal.
    {
        Words data;
        data.request(req(SVM_LIMINE_ID_HHDM));
        data.start_marker();
        data.tag(2);
        data.request(req(SVM_LIMINE_ID_HHDM));
        data.request(req(SVM_LIMINE_ID_MEMMAP));
        data.request(req(SVM_LIMINE_ID_BOOTLOADER_INFO));
        data.end_marker();
        data.request(req(SVM_LIMINE_ID_MEMMAP));
        data.tag(1);
        seed("delimiters", Options{.cpu_byte = 1}, executable(data));
    }

    // Position-independent: slid to the top 2 GiB, and with --kaslr at a random slide.
    seed("pie", Options{}, pie());
    seed("pie-kaslr", Options{.ram = 5, .cpu_byte = kKaslr | 1}, pie());
    // --boot limine: an ELF64 with no request at all.
    seed("boot-limine", Options{.flags = kBootLimine},
         test::make_elf64({{kBase, 0x1000, test::pattern(0x200, 5), 0x3000}}, kBase));

    // Malformed executables, each refused with one error.
    seed("duplicate-id", Options{},
         with_requests(
             3, {req(SVM_LIMINE_ID_HHDM), req(SVM_LIMINE_ID_MEMMAP), req(SVM_LIMINE_ID_HHDM)}));
    {
        // The last request's segment ends right after its revision: no room for `response`.
        Words data;
        data.tag(3);
        data.request(req(SVM_LIMINE_ID_HHDM));
        uint64_t cut = data.request(req(SVM_LIMINE_ID_MEMMAP));
        data.bytes.resize(cut + 40);
        seed("request-cut", Options{}, executable(data, 0));
        // The same request with its members in the BSS: 48 bytes fit.
        data.bytes.resize(cut + 32);
        seed("request-in-bss", Options{}, executable(data, 16));
    }
    seed("entry-outside", Options{},
         with_requests(3, {req(SVM_LIMINE_ID_ENTRY_POINT, 0, {0xffffffff90000000ull})}));
    seed("huge-stack", Options{},
         with_requests(3, {req(SVM_LIMINE_ID_STACK_SIZE, 0, {1ull << 30})}));
    seed("bad-revision", Options{}, with_requests(7, {req(SVM_LIMINE_ID_HHDM)}));
    seed("paging-min-above-max", Options{},
         with_requests(3, {req(SVM_LIMINE_ID_PAGING_MODE, 1, {0, 0, 1})}));
    seed("paging-5-level", Options{},
         with_requests(3, {req(SVM_LIMINE_ID_PAGING_MODE, 1, {1, 1, 1})}));
    // 5-level paging on a CPU that has it: the HHDM moves ("Paging Mode Feature").
    {
        const Request paging = req(SVM_LIMINE_ID_PAGING_MODE);
        auto requests = all_requests();
        for (Request& r : requests)
            if (r.id2 == paging.id2 && r.id3 == paging.id3) r.fields = {1, 1, 0};
        seed("paging-5-level-la57", Options{.ram = 5, .flags = kModules, .cpu_byte = kLa57 | 1},
             with_requests(6, requests));
    }
    {
        Words data;
        data.tag(3);
        data.request(req(SVM_LIMINE_ID_HHDM));
        seed("lower-half", Options{},
             test::make_elf64({{0x100000, 0x100000, data.bytes, 0x2000}}, 0x100000));
    }
}

}  // namespace svm::fuzz::seeds
