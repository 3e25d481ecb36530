// svm_boot_image_dump: writes what svm hands a Limine executable before its first instruction, for
// a CPU other than KVM's to run (tests/qemu/limine_handoff.sh, docs/loaders.md "Checked on QEMU
// without KVM"). The guest memory comes from svm's own loader (load_boot_image, then the boot page
// tables) and the entry state from boot_cpu_state; nothing here re-implements the protocol.
//
//   svm_boot_image_dump KERNEL OUTDIR [--cpus N] [--cmdline S] [--module FILE[,STRING]]... [-m
//   SIZE] [--la57]
//
// --la57 sets LoadOptions::la57, as Machine does on a host whose CPU has 5-level paging: an
// executable whose paging mode request prefers 5-level then gets svm's PML5 tables, CR4.LA57 and
// the 5-level HHDM offset, for a CPU that has LA57 (QEMU's `-cpu max` under TCG) to run.
//
// OUTDIR/memory.bin is guest RAM from 0 to the end of the highest range svm wrote (page-rounded);
// OUTDIR/state.h holds #defines for tests/qemu/limine_handoff_stub.S: the BSP's registers, one
// iretq frame per processor, the trampoline page and what Machine::create_vcpus adds per CPU.
#include <svm/limine_protocol.h>
#include <svm/machine.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "core/loader/elf_file.h"
#include "core/loader/host_file.h"
#include "core/loader/limine_loader.h"
#include "core/loader/limine_requests.h"
#include "core/machine/boot_cpu.h"
#include "core/machine/boot_image.h"
#include "core/size_parser.h"
#include "core/x86_64/page_walker.h"

namespace svm {
namespace {

constexpr uint64_t kPage = 0x1000;
// The local APIC page the stub programs through the identity map (SDM Vol. 3A, 11.4.1).
constexpr uint64_t kLapicPage = SVM_LAPIC_ADDR;

uint64_t page_up(uint64_t v) {
    return (v + kPage - 1) & ~(kPage - 1);
}

// The page the stub's trampoline may use: svm's default boot stack, which a Limine executable
// never gets (docs/loaders.md "Memory layout at entry": "svm's default stack and page-table pool,
// unused"). It must be below 1 MiB (a SIPI vector names a page there: SDM Vol. 3A, 8.4.4.1),
// outside every loaded range, still zero, and identity-mapped by svm's page tables.
Result<uint64_t> trampoline_page(const BootImage& boot, const GuestMemory& memory,
                                 const PagingRegs& paging) {
    const BootLayout& layout = boot.image.layout;
    const uint64_t page = layout.stack_base;
    if (page % kPage || page + kPage > layout.stack_top || page + kPage > 0x100000)
        return error("svm's boot stack area {:#x}-{:#x} has no page below 1 MiB for the trampoline",
                     layout.stack_base, layout.stack_top);
    for (const LoadedRange& r : boot.image.loaded)
        if (r.base < page + kPage && page < r.base + r.size)
            return error("the trampoline page {:#x} overlaps a loaded range {:#x}+{:#x}", page,
                         r.base, r.size);
    auto bytes = TRY(memory.span(page, kPage));
    if (std::any_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b != 0; }))
        return error("svm wrote into the trampoline page {:#x}", page);
    for (uint64_t linear : {page, kLapicPage}) {
        auto t = TRY(translate(memory, paging, linear));
        if (t.gpa != linear)
            return error("svm's page tables do not identity-map {:#x} (it maps to {:#x})", linear,
                         t.gpa);
    }
    return page;
}

// The guest-physical address of the MP response's `flags` (struct svm_limine_mp_response), or 0
// without an MP request or response: the stub clears its x2APIC bit on a CPU that has no x2APIC,
// as Limine reports only what it enabled (PROTOCOL.md "MP (Multiprocessor) Feature").
Result<uint64_t> mp_flags_address(std::span<const uint8_t> kernel, const GuestMemory& memory,
                                  const PagingRegs& paging) {
    auto elf = TRY(ElfFile::parse(kernel, true));
    // A position-independent executable may be slid (--kaslr): its requests are not at their
    // link addresses, and no test guest is one, so the x2APIC bit is left as svm wrote it.
    if (elf.is_pie()) return uint64_t{0};
    auto requests = TRY(scan_limine_requests(kernel, elf));
    const LimineRequest* mp = requests.find(SVM_LIMINE_ID_MP);
    if (!mp) return uint64_t{0};
    uint64_t response = 0;
    auto got = TRY(read_linear(memory, paging, mp->vaddr + 40,
                               std::span(reinterpret_cast<uint8_t*>(&response), 8)));
    if (got != 8 || response == 0) return uint64_t{0};
    auto t = TRY(translate(memory, paging, response + offsetof(svm_limine_mp_response, flags)));
    return t.gpa;
}

// The end of everything svm wrote: loaded ranges (kernel, modules, svm's region) and its areas.
uint64_t image_end(const BootImage& boot) {
    uint64_t end = 0;
    for (const LoadedRange& r : boot.image.loaded) end = std::max(end, r.base + r.size);
    for (const svm_mem_range& r : boot.image.layout.reserved)
        end = std::max(end, r.base + r.length);
    return page_up(end);
}

std::string frame(uint64_t rip, const CpuState& s, uint64_t rsp, uint64_t rdi) {
    // One iretq frame (SDM Vol. 3A, 6.14.3: RIP, CS, RFLAGS, RSP, SS) followed by RDI.
    return fmt::format(".quad {:#x}, {:#x}, {:#x}, {:#x}, {:#x}, {:#x}", rip, s.cs.selector,
                       s.rflags, rsp, s.ss.selector, rdi);
}

Result<std::string> state_header(const BootImage& boot, const CpuState& s, uint64_t ram,
                                 uint64_t trampoline, uint64_t mp_flags) {
    const LimineStart& limine = *boot.image.limine;
    if (s.cr3 >= (1ull << 32) || s.gdt.base >= (1ull << 32))
        return error("CR3 {:#x} or the GDT {:#x} is above 4 GiB: a 32-bit stub cannot load it",
                     s.cr3, s.gdt.base);
    std::string h = "/* Generated by svm_boot_image_dump: svm's Limine handoff, for the stub. */\n";
    auto def = [&](const char* name, uint64_t value) {
        h += fmt::format("#define {} {:#x}\n", name, value);
    };
    def("SVM_IMAGE_SIZE", ram);
    def("SVM_BASE_REVISION", limine.base_revision);
    def("SVM_TRAMPOLINE", trampoline);
    def("SVM_CR0", s.cr0);
    def("SVM_CR3", s.cr3);
    def("SVM_CR4", s.cr4);
    def("SVM_PAGING_LEVELS", limine.paging_levels);
    def("SVM_EFER", s.efer);
    def("SVM_GDT_BASE", s.gdt.base);
    def("SVM_GDT_LIMIT", s.gdt.limit);
    def("SVM_CS", s.cs.selector);
    def("SVM_DS", s.ds.selector);
    def("SVM_CODE32", SVM_LIMINE_SEL_CODE32);
    def("SVM_DATA32", SVM_LIMINE_SEL_DATA32);
    def("SVM_RIP", s.rip);
    def("SVM_RSP", s.rsp);
    def("SVM_RFLAGS", s.rflags);
    def("SVM_AP_COUNT", limine.aps.size());
    def("SVM_X2APIC", limine.x2apic ? 1 : 0);
    def("SVM_MP_FLAGS_ADDR", mp_flags);
    def("SVM_PAT_LO", SVM_LIMINE_PAT & 0xffffffff);
    def("SVM_PAT_HI", SVM_LIMINE_PAT >> 32);
    const auto& video = boot.image.video;
    const bool lfb = video && video->kind == VideoMode::Kind::Linear;
    def("SVM_VIDEO_WIDTH", lfb ? video->width : 0);
    def("SVM_VIDEO_HEIGHT", lfb ? video->height : 0);
    def("SVM_VIDEO_BPP", lfb ? video->bpp : 0);
    def("SVM_VIDEO_LFB", lfb ? video->address : 0);
    // Processor i's frame at index i (its local APIC id): the BSP's entry, then each parked AP.
    h += "#define SVM_CPU_FRAMES " + frame(s.rip, s, s.rsp, s.rdi);
    for (const auto& ap : limine.aps) h += "; " + frame(ap.rip, s, ap.rsp, ap.rdi);
    h += "\n/* What svm wrote (memory.bin holds them):\n";
    for (const LoadedRange& r : boot.image.loaded)
        h += fmt::format(" *   {:#010x}-{:#010x} {}\n", r.base, r.base + r.size,
                         r.is_module ? "module (or the executable file's copy)"
                                     : "executable segment or svm's region");
    for (const svm_mem_range& r : boot.image.layout.reserved)
        h += fmt::format(" *   {:#010x}-{:#010x} svm's areas (reserved)\n", r.base,
                         r.base + r.length);
    h += " */\n";
    return h;
}

Result<void> write_file(const std::filesystem::path& path, std::span<const uint8_t> bytes) {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    if (!out) return error("cannot write {}", path.string());
    return {};
}

Result<void> dump(const MachineConfig& config, const std::filesystem::path& outdir) {
    auto file = TRY(HostFile::open(config.kernel_path, "kernel"));
    auto kernel = TRY(file.read_all(1ull << 30, "1 GiB"));
    auto memory = TRY(GuestMemory::create(config.memory_size));
    auto boot = TRY(load_boot_image(config, kernel, memory));
    if (!boot.image.limine)
        return error("{}: not a Limine executable (format {}); only those can be dumped",
                     config.kernel_path, boot.image.format);
    if (config.load.la57 && boot.image.limine->paging_levels != 5)
        std::printf(
            "svm_boot_image_dump: --la57, but %s gets 4-level paging (its paging mode request "
            "does not prefer 5-level, or the loader did not see LoadOptions::la57)\n",
            config.kernel_path.c_str());
    const uint64_t cr3 = TRY(build_kernel_page_tables(memory, boot.image));
    const CpuState state = boot_cpu_state(boot.image, cr3);
    const PagingRegs paging = PagingRegs::from(state);
    const uint64_t trampoline = TRY(trampoline_page(boot, memory, paging));
    const uint64_t mp_flags = TRY(mp_flags_address(kernel, memory, paging));
    const uint64_t ram = image_end(boot);
    const std::string header = TRY(state_header(boot, state, ram, trampoline, mp_flags));
    std::filesystem::create_directories(outdir);
    TRY(write_file(outdir / "memory.bin", TRY(memory.span(0, ram))));
    return write_file(outdir / "state.h",
                      std::span(reinterpret_cast<const uint8_t*>(header.data()), header.size()));
}

}  // namespace
}  // namespace svm

int main(int argc, char** argv) {
    using namespace svm;
    CLI::App app{
        "Writes svm's guest memory and entry state for a Limine executable (memory.bin, "
        "state.h), for tests/qemu/limine_handoff_stub.S",
        "svm_boot_image_dump"};
    MachineConfig config;
    std::string outdir, memory = "128M";
    std::vector<std::string> modules;
    app.add_option("KERNEL", config.kernel_path, "The Limine executable")->required();
    app.add_option("OUTDIR", outdir, "Where memory.bin and state.h go")->required();
    app.add_option("--cpus", config.cpus, "Number of CPUs (as svm --cpus)");
    app.add_option("--cmdline", config.load.cmdline, "Command line (as svm --cmdline)");
    app.add_option("--module", modules, "Module FILE[,STRING] (as svm --module)")
        ->allow_extra_args(false);
    app.add_option("-m,--memory", memory, "Guest RAM size (as svm -m)");
    app.add_flag("--la57", config.load.la57,
                 "Load for a CPU with 5-level paging (LA57), as svm does on such a host");
    CLI11_PARSE(app, argc, argv);

    auto size = parse_size(memory);
    if (!size) {
        std::fprintf(stderr, "svm_boot_image_dump: -m: %s\n", size.error().message.c_str());
        return 64;
    }
    config.memory_size = *size;
    if (config.cpus < 1 || config.cpus > 64) {
        std::fprintf(stderr, "svm_boot_image_dump: --cpus %d must be between 1 and 64\n",
                     config.cpus);
        return 64;
    }
    // The module strings as core/main.cpp builds them: "PATH ARGS" (GRUB's convention).
    for (const std::string& spec : modules) {
        auto comma = spec.find(',');
        std::string path = spec.substr(0, comma);
        std::string args = comma == std::string::npos ? "" : spec.substr(comma + 1);
        config.load.modules.push_back({path, args.empty() ? path : path + " " + args});
    }
    if (auto r = dump(config, outdir); !r) {
        std::fprintf(stderr, "svm_boot_image_dump: %s\n", r.error().message.c_str());
        return 1;
    }
    return 0;
}
