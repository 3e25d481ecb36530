#include "core/loader/limine_loader.h"

#include <algorithm>
#include <ctime>
#include <memory>

#include "core/loader/boot_info_blob.h"
#include "core/loader/boot_modules.h"
#include "core/loader/memory_map.h"

namespace svm {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kResponseField = 40;  // offset of `response` in a request ("Features")

uint64_t page_down(uint64_t value) {
    return value & ~(kPage - 1);
}
uint64_t page_up(uint64_t value) {
    return (value + kPage - 1) & ~(kPage - 1);
}

// A file svm hands the executable (PROTOCOL.md "File Structure"): guest-physical contents.
struct LimineFileInfo {
    uint64_t address;
    uint64_t size;
    std::string path;
    std::string cmdline;
};

// Everything the responses need, fixed when the executable is placed.
struct LiminePlan {
    LimineRequests requests;
    uint64_t virtual_base;   // the lowest segment's page (guest-virtual)
    uint64_t physical_base;  // where that page went (guest-physical)
    LimineFileInfo executable;
    std::vector<LimineFileInfo> modules;

    uint64_t physical(uint64_t vaddr) const { return vaddr - virtual_base + physical_base; }
    // The base revision svm boots with: the requested one when svm implements it, else its own
    // highest ("Base protocol revisions").
    uint64_t loaded_revision() const {
        uint64_t requested = requests.base_revision ? requests.base_revision->requested : 0;
        return std::min(requested, kLimineMaxBaseRevision);
    }
};

// Paints [begin, end) of the sorted contiguous `map` with `type`, then merges neighbours.
void paint(std::vector<svm_limine_memmap_entry>& map, uint64_t begin, uint64_t end, uint64_t type) {
    std::vector<svm_limine_memmap_entry> out;
    for (const auto& e : map) {
        uint64_t lo = std::max(e.base, begin), hi = std::min(e.base + e.length, end);
        if (lo >= hi) {
            out.push_back(e);
            continue;
        }
        if (e.base < lo) out.push_back({e.base, lo - e.base, e.type});
        out.push_back({lo, hi - lo, type});
        if (hi < e.base + e.length) out.push_back({hi, e.base + e.length - hi, e.type});
    }
    map.clear();
    for (const auto& e : out) {
        if (!map.empty() && map.back().type == e.type &&
            map.back().base + map.back().length == e.base)
            map.back().length += e.length;
        else
            map.push_back(e);
    }
}

// Appends the responses to `blob` and returns, for each answered request, the request's
// guest-virtual address and the response's offset in the blob.
class ResponseWriter {
public:
    ResponseWriter(const LiminePlan& plan, const BootInfoInputs& in, BootInfoBlob& blob)
        : plan_(plan), in_(in), blob_(blob) {}

    std::vector<std::pair<uint64_t, size_t>> write() {
        answer({SVM_LIMINE_ID_BOOTLOADER_INFO}, [&] {
            uint64_t name = string(kLimineBootloaderName);
            uint64_t version = string(kLimineBootloaderVersion);
            return obj(svm_limine_bootloader_info_response{0, name, version});
        });
        answer({SVM_LIMINE_ID_FIRMWARE_TYPE}, [&] {
            return obj(svm_limine_firmware_type_response{0, SVM_LIMINE_FIRMWARE_X86_BIOS});
        });
        answer({SVM_LIMINE_ID_HHDM}, [&] {
            return obj(svm_limine_hhdm_response{0, kLimineHhdmOffset});
        });
        answer({SVM_LIMINE_ID_PAGING_MODE}, [&] {
            return obj(svm_limine_paging_mode_response{0, SVM_LIMINE_PAGING_X86_64_4LVL});
        });
        answer({SVM_LIMINE_ID_ENTRY_POINT},
               [&] { return obj(svm_limine_revision_only_response{0}); });
        // "Stack Size Feature": svm's boot stack has a fixed size; a larger request is left
        // unanswered (NULL), which tells the executable it did not get it.
        if (auto* r = plan_.requests.find(SVM_LIMINE_ID_STACK_SIZE);
            r && r->fields[0] <= in_.layout.stack_top - in_.layout.stack_base)
            answer({SVM_LIMINE_ID_STACK_SIZE},
                   [&] { return obj(svm_limine_revision_only_response{0}); });
        answer({SVM_LIMINE_ID_MEMMAP}, [&] { return memmap(); });
        answer({SVM_LIMINE_ID_EXECUTABLE_FILE}, [&] {
            uint64_t file = limine_file(plan_.executable);
            return obj(svm_limine_executable_file_response{0, file});
        });
        answer({SVM_LIMINE_ID_MODULE}, [&] {
            std::vector<uint64_t> files;
            for (const auto& module : plan_.modules) files.push_back(limine_file(module));
            uint64_t array = pointer_array(files);
            // Revision 0: internal modules (request revision 1) are not honoured ("Module
            // Feature": they are honoured only if the response revision is 1 or more).
            return obj(svm_limine_module_response{0, files.size(), array});
        });
        if (in_.acpi_rsdp.size() >= 20)
            answer({SVM_LIMINE_ID_RSDP}, [&] {
                // A copy of the machine's RSDP in bootloader-reclaimable memory; its RSDT/XSDT
                // pointers still lead to the machine's tables. Base revision 3 makes the address
                // physical; earlier revisions give it in the HHDM.
                blob_.align(16);
                uint64_t copy = blob_.address(
                    blob_.append(in_.acpi_rsdp.first(std::min<size_t>(in_.acpi_rsdp.size(), 36))));
                uint64_t address = plan_.loaded_revision() >= 3 ? copy : kLimineHhdmOffset + copy;
                return obj(svm_limine_rsdp_response{0, address});
            });
        answer({SVM_LIMINE_ID_DATE_AT_BOOT}, [&] {
            return obj(
                svm_limine_date_at_boot_response{0, static_cast<int64_t>(std::time(nullptr))});
        });
        answer({SVM_LIMINE_ID_EXECUTABLE_ADDRESS}, [&] {
            return obj(
                svm_limine_executable_address_response{0, plan_.physical_base, plan_.virtual_base});
        });
        return answered_;
    }

private:
    struct Id {
        uint64_t id2, id3;
    };
    // Runs `respond` (which appends a response and returns its offset) if the executable made
    // the request with this id.
    template <typename F>
    void answer(Id id, F respond) {
        const LimineRequest* request = plan_.requests.find(id.id2, id.id3);
        if (!request) return;
        answered_.emplace_back(request->vaddr, respond());
    }
    template <typename T>
    size_t obj(const T& value) {
        blob_.align(8);
        return blob_.append_obj(value);
    }
    uint64_t hhdm(size_t offset) const { return kLimineHhdmOffset + blob_.address(offset); }
    uint64_t string(const std::string& text) { return hhdm(blob_.append_string(text)); }
    uint64_t pointer_array(const std::vector<uint64_t>& pointers) {
        blob_.align(8);
        size_t first = blob_.size();
        for (uint64_t p : pointers) blob_.append_obj(p);
        return hhdm(first);
    }
    uint64_t limine_file(const LimineFileInfo& info) {
        svm_limine_file file{};
        file.address = kLimineHhdmOffset + info.address;
        file.size = info.size;
        file.path = string(info.path);
        file.cmdline = string(info.cmdline);
        file.media_type = SVM_LIMINE_MEDIA_GENERIC;
        return hhdm(obj(file));
    }
    size_t memmap() {
        auto map = limine_memory_map(in_.memory_map, in_.loaded, in_.layout);
        std::vector<uint64_t> entries;
        for (const auto& entry : map) entries.push_back(hhdm(obj(entry)));
        uint64_t array = pointer_array(entries);
        return obj(svm_limine_memmap_response{0, entries.size(), array});
    }

    const LiminePlan& plan_;
    const BootInfoInputs& in_;
    BootInfoBlob& blob_;
    std::vector<std::pair<uint64_t, size_t>> answered_;
};

// Writes the responses, points each answered request at its response and acknowledges the base
// revision tag ("Base protocol revisions": the third value becomes 0 when svm implements the
// requested revision, else stays; the second becomes the revision svm booted with).
Result<void> write_responses(const LiminePlan& plan, GuestMemory& memory,
                             const BootInfoInputs& in) {
    BootInfoBlob blob(in.address, in.capacity);
    auto answered = ResponseWriter(plan, in, blob).write();
    TRY(blob.commit(memory));
    for (const auto& [vaddr, offset] : answered)
        TRY(memory.write_obj<uint64_t>(plan.physical(vaddr) + kResponseField,
                                       kLimineHhdmOffset + blob.address(offset)));
    if (const auto& tag = plan.requests.base_revision) {
        uint64_t tag_address = plan.physical(tag->vaddr);
        if (tag->requested <= kLimineMaxBaseRevision)
            TRY(memory.write_obj<uint64_t>(tag_address + 16, 0));
        TRY(memory.write_obj<uint64_t>(tag_address + 8, plan.loaded_revision()));
    }
    return {};
}

// "Module Feature": the module's command line, without the path GRUB-style strings start with.
std::string module_cmdline(const LoadOptions::Module& module) {
    std::string_view args = module.args;
    if (args.starts_with(module.path)) args.remove_prefix(module.path.size());
    while (args.starts_with(' ')) args.remove_prefix(1);
    return std::string(args);
}

}  // namespace

std::vector<svm_limine_memmap_entry> limine_memory_map(std::span<const svm_mem_range> base,
                                                       std::span<const LoadedRange> loaded,
                                                       const BootLayout& layout) {
    std::vector<svm_limine_memmap_entry> map;
    for (const auto& range : overlay_loaded(base, loaded)) {
        uint64_t type = range.type == SVM_MEM_RAM        ? SVM_LIMINE_MEMMAP_USABLE
                        : range.type == SVM_MEM_RESERVED ? SVM_LIMINE_MEMMAP_RESERVED
                                                         : SVM_LIMINE_MEMMAP_EXECUTABLE_AND_MODULES;
        map.push_back({range.base, range.length, type});
    }
    // What svm writes for the boot alone ("Machine state at entry": stack and GDT; "Entry memory
    // layout": page tables; "General Notes": responses) is bootloader-reclaimable, in whole pages.
    struct Area {
        uint64_t base, size;
    };
    const Area reclaimable[] = {
        {layout.stack_base, layout.stack_top - layout.stack_base},
        {layout.gdt, kBootGdtSize},
        {layout.boot_info, kBootInfoSize},
        {layout.page_tables, kBootPageTablePages * kPage},
    };
    for (const auto& area : reclaimable)
        if (page_up(area.base) < page_down(area.base + area.size))
            paint(map, page_up(area.base), page_down(area.base + area.size),
                  SVM_LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE);
    // "Memory Map Feature": memory between 0 and 0x1000 is never marked usable.
    paint(map, 0, kPage, SVM_LIMINE_MEMMAP_RESERVED);
    return map;
}

Result<KernelImage> load_limine(const std::string& path, std::span<const uint8_t> file,
                                const ElfFile& elf, const LimineRequests& requests,
                                GuestMemory& memory, const LoadOptions& options) {
    const auto& segments = elf.segments();
    if (segments.empty()) return error("the Limine executable has no loadable segment");
    // "Entry memory layout": lower half executables are not supported.
    for (const auto& segment : segments)
        if (segment.vaddr < kLimineLowestVirtual)
            return error(
                "segment {} (p_vaddr {:#x}) lies below {:#x}; the Limine protocol loads "
                "executables linked in the top 2 GiB only",
                segment.index, segment.vaddr, kLimineLowestVirtual);

    auto plan = std::make_shared<LiminePlan>();
    plan->requests = requests;
    plan->virtual_base = page_down(std::ranges::min(segments, {}, &ElfSegment::vaddr).vaddr);
    // Physically contiguous ("Entry memory layout"), congruent modulo 2 MiB to the link address.
    plan->physical_base = kLiminePhysicalBase + (plan->virtual_base & 0x1FFFFF);

    KernelImage image;
    image.format = "limine";
    image.mode = CpuMode::Long;
    image.is_elf = true;
    image.elf_bits = 64;
    image.entry = elf.entry();
    ImagePlacer placer(memory);
    for (const auto& segment : segments) {
        uint64_t paddr = plan->physical(segment.vaddr);
        auto what = fmt::format("segment {} (p_vaddr {:#x} at {:#x}, p_memsz {:#x})", segment.index,
                                segment.vaddr, paddr, segment.mem_size);
        TRY(placer.place(what, paddr, file.subspan(segment.offset, segment.file_size),
                         segment.mem_size, false));
        image.mappings.push_back(VirtualMapping{segment.vaddr, paddr, segment.mem_size});
    }
    image.debug_mappings = image.mappings;
    // "Entry memory layout": the HHDM maps RAM (all of it, which covers every region base
    // revision 3 requires; MMIO above RAM is not mapped).
    image.mappings.push_back(VirtualMapping{kLimineHhdmOffset, 0, memory.size()});

    auto modules = TRY(load_boot_modules(options.modules, placer));
    for (size_t i = 0; i < modules.size(); ++i)
        plan->modules.push_back(LimineFileInfo{modules[i].start, modules[i].end - modules[i].start,
                                               options.modules[i].path,
                                               module_cmdline(options.modules[i])});
    uint64_t end = 0;
    for (const auto& range : placer.loaded()) end = std::max(end, range.base + range.size);
    uint64_t copy = page_up(end);
    TRY(placer.place(
        fmt::format("the copy of the executable file ({} bytes at {:#x})", file.size(), copy), copy,
        file, file.size(), true));
    plan->executable = LimineFileInfo{copy, file.size(), path, options.cmdline};

    // "Entry Point Feature" and "Paging Mode Feature" change how svm starts the executable.
    if (auto* r = requests.find(SVM_LIMINE_ID_ENTRY_POINT)) {
        uint64_t entry = r->fields[0];
        bool inside =
            r->bytes_in_image >= 56 && std::ranges::any_of(segments, [&](const ElfSegment& s) {
                return entry >= s.vaddr && entry - s.vaddr < s.mem_size;
            });
        if (!inside)
            return error(
                "the Limine entry point request at {:#x} gives {:#x}, which is outside every "
                "loaded segment",
                r->vaddr, entry);
        image.entry = entry;
    }
    if (auto* r = requests.find(SVM_LIMINE_ID_PAGING_MODE);
        r && r->revision >= 1 && r->bytes_in_image >= 72 && r->fields[2] > 0)
        return error(
            "the Limine paging mode request asks for paging mode {} or higher, but svm starts "
            "executables with 4-level paging only (mode 0)",
            r->fields[2]);

    image.loaded = placer.loaded();
    image.boot_info_writer = [plan](GuestMemory& memory, const BootInfoInputs& in) {
        return write_responses(*plan, memory, in);
    };
    return image;
}

}  // namespace svm
