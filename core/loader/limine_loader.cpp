#include "core/loader/limine_loader.h"

#include <sys/random.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <ctime>
#include <filesystem>
#include <memory>

#include "core/loader/boot_info_blob.h"
#include "core/loader/boot_modules.h"
#include "core/loader/elf_relocations.h"
#include "core/loader/memory_map.h"
#include "core/loader/video_mode.h"

namespace svm {

namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kResponseField = 40;  // offset of `response` in a request ("Features")
constexpr uint64_t k4GiB = 1ull << 32;

uint64_t page_down(uint64_t value) {
    return value & ~(kPage - 1);
}
uint64_t page_up(uint64_t value) {
    return (value + kPage - 1) & ~(kPage - 1);
}

// The parking loop of an application processor (PROTOCOL.md "MP (Multiprocessor) Feature"),
// entered with RDI = its struct svm_limine_mp_info and run until the executable stores a
// goto_address: then the processor switches to the stack whose top svm keeps in `reserved`,
// pushes the invalid return address 0, clears every general register but RDI, sets RFLAGS to 2
// ("Machine State at Entry", base revision 5) and jumps.
constexpr uint8_t kParkingLoop[] = {
    0x48, 0x8b, 0x47, 0x10,  // 0x00: mov rax, [rdi + 0x10]    ; goto_address
    0x48, 0x85, 0xc0,        // 0x04: test rax, rax
    0x75, 0x04,              // 0x07: jnz 0x0d
    0xf3, 0x90,              // 0x09: pause
    0xeb, 0xf3,              // 0x0b: jmp 0x00
    0x48, 0x8b, 0x67, 0x08,  // 0x0d: mov rsp, [rdi + 0x08]    ; reserved: the stack top
    0x6a, 0x00,              // 0x11: push 0                   ; the invalid return address
    0x50,                    // 0x13: push rax                 ; where `ret` goes
    0x31, 0xc0, 0x31, 0xc9, 0x31, 0xd2, 0x31, 0xdb,  // xor eax, ecx, edx, ebx
    0x31, 0xed, 0x31, 0xf6,                          // xor ebp, esi
    0x45, 0x31, 0xc0, 0x45, 0x31, 0xc9, 0x45, 0x31, 0xd2, 0x45, 0x31, 0xdb,  // xor r8d-r11d
    0x45, 0x31, 0xe4, 0x45, 0x31, 0xed, 0x45, 0x31, 0xf6, 0x45, 0x31, 0xff,  // xor r12d-r15d
    0x6a, 0x02,                                                              // push 2
    0x9d,  // popfq                                    ; RFLAGS = 0x2
    0xc3,  // ret                                      ; to goto_address, [rsp] = 0
};

static_assert(offsetof(svm_limine_mp_info, reserved) == 0x08 &&
              offsetof(svm_limine_mp_info, goto_address) == 0x10);

// A file svm hands the executable (PROTOCOL.md "File Structure"): guest-physical contents.
struct LimineFileInfo {
    uint64_t address;
    uint64_t size;
    std::string path;    // with a leading slash
    std::string string;  // the command line (executable) or module string
};

// Everything the responses need, fixed when the executable is placed.
struct LiminePlan {
    LimineRequests requests;
    uint64_t revision = 0;   // the base revision svm boots with
    uint64_t virtual_base;   // the lowest segment's page (guest-virtual)
    uint64_t physical_base;  // where that page went (guest-physical)
    LimineFileInfo executable;
    std::vector<LimineFileInfo> modules;
    std::optional<VideoMode> framebuffer;  // the mode set for the framebuffer response
    std::optional<DisplayCaps> display;
    // svm's bootloader-reclaimable region (guest-physical).
    uint64_t region_base = 0, region_size = 0;
    uint64_t mp_info = 0;  // guest-physical address of the svm_limine_mp_info array
    int cpus = 1;
    uint64_t start_usec = 0, tsc_hz = 0;
    uint64_t paging_mode = SVM_LIMINE_PAGING_X86_64_4LVL;
    uint64_t hhdm = kLimineHhdmOffset;  // the HHDM offset of the paging mode
    std::shared_ptr<LimineStart> start;

    uint64_t physical(uint64_t vaddr) const { return vaddr - virtual_base + physical_base; }
};

uint64_t monotonic_usec() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

// Returns `map` with [begin, end) of type `type` (cutting what was there), sorted by base, with
// adjacent entries of one type merged.
void paint(std::vector<svm_limine_memmap_entry>& map, uint64_t begin, uint64_t end, uint64_t type) {
    if (begin >= end) return;
    std::vector<svm_limine_memmap_entry> out;
    for (const auto& e : map) {
        uint64_t lo = std::max(e.base, begin), hi = std::min(e.base + e.length, end);
        if (lo >= hi) {
            out.push_back(e);
            continue;
        }
        if (e.base < lo) out.push_back({e.base, lo - e.base, e.type});
        if (hi < e.base + e.length) out.push_back({hi, e.base + e.length - hi, e.type});
    }
    out.push_back({begin, end - begin, type});
    std::ranges::sort(out, {}, &svm_limine_memmap_entry::base);
    map.clear();
    for (const auto& e : out) {
        if (!map.empty() && map.back().type == e.type &&
            map.back().base + map.back().length == e.base)
            map.back().length += e.length;
        else
            map.push_back(e);
    }
}

// Paints with `type` the parts of [begin, end) that are entries of type `from` now.
void repaint(std::vector<svm_limine_memmap_entry>& map, uint64_t begin, uint64_t end, uint64_t from,
             uint64_t type) {
    std::vector<std::pair<uint64_t, uint64_t>> parts;
    for (const auto& e : map)
        if (e.type == from) {
            uint64_t lo = std::max(e.base, begin), hi = std::min(e.base + e.length, end);
            if (lo < hi) parts.emplace_back(lo, hi);
        }
    for (auto [lo, hi] : parts) paint(map, lo, hi, type);
}

// The Limine memory map of `plan` for the layout and ranges in `in`.
std::vector<svm_limine_memmap_entry> plan_memory_map(const LiminePlan& plan,
                                                     const BootInfoInputs& in) {
    LimineMapInputs extra;
    extra.base_revision = plan.revision;
    extra.reclaimable.push_back({plan.region_base, plan.region_size});
    if (plan.framebuffer)
        extra.framebuffer =
            LimineRange{plan.framebuffer->address,
                        uint64_t{plan.framebuffer->pitch} * plan.framebuffer->height};
    extra.acpi.push_back({in.layout.acpi, kAcpiAreaSize});
    if (in.layout.rsdp_copy) extra.acpi.push_back({*in.layout.rsdp_copy, 36});
    if (in.acpi_rsdp_address) extra.acpi.push_back({in.acpi_rsdp_address, 36});
    return limine_memory_map(in.memory_map, in.loaded, in.layout, extra);
}

// Sets the bpp, memory model and channel masks of a framebuffer or video mode description
// ("Framebuffer Feature": both structures carry the same fields) for the adapter's `bpp` format.
template <typename Mode>
void set_pixel_format(Mode& m, uint32_t bpp) {
    const RgbLayout rgb = rgb_layout(bpp);
    m.bpp = static_cast<uint16_t>(bpp);
    m.memory_model = SVM_LIMINE_FRAMEBUFFER_RGB;
    m.red_mask_size = rgb.red_size;
    m.red_mask_shift = rgb.red_position;
    m.green_mask_size = rgb.green_size;
    m.green_mask_shift = rgb.green_position;
    m.blue_mask_size = rgb.blue_size;
    m.blue_mask_shift = rgb.blue_position;
}

// The video modes of the framebuffer response (response revision 1): the usual sizes the adapter
// can show at 32, 24 and 16 bits per pixel.
std::vector<svm_limine_video_mode> video_modes(const DisplayCaps& caps) {
    static constexpr std::pair<uint32_t, uint32_t> kSizes[] = {
        {640, 480},   {800, 600},   {1024, 768},  {1152, 864},  {1280, 720},
        {1280, 800},  {1280, 1024}, {1440, 900},  {1600, 900},  {1600, 1200},
        {1680, 1050}, {1920, 1080}, {1920, 1200}, {2560, 1440}, {2560, 1600}};
    std::vector<svm_limine_video_mode> modes;
    for (uint32_t bpp : {32u, 24u, 16u})
        for (auto [w, h] : kSizes) {
            uint64_t pitch = uint64_t{w} * ((bpp + 7) / 8);
            if (w > caps.max_width || h > caps.max_height || pitch * h > caps.lfb_size) continue;
            svm_limine_video_mode m{};
            m.pitch = pitch;
            m.width = w;
            m.height = h;
            set_pixel_format(m, bpp);
            modes.push_back(m);
        }
    return modes;
}

// Appends the responses to `blob` and returns, for each answered request, the request's
// guest-virtual address and the response's offset in the blob. Features svm's machine cannot
// have (SMBIOS, EFI, device tree, TPM) and Flanterm's parameters are never answered: their
// response stays NULL, as the specification says for a missing facility.
class ResponseWriter {
public:
    ResponseWriter(const LiminePlan& plan, const BootInfoInputs& in,
                   std::span<const svm_limine_memmap_entry> map, BootInfoBlob& blob)
        : plan_(plan), in_(in), map_(map), blob_(blob) {}

    std::vector<std::pair<uint64_t, size_t>> write() {
        answer({SVM_LIMINE_ID_BOOTLOADER_INFO}, [&] {
            uint64_t name = string(kLimineBootloaderName);
            uint64_t version = string(kLimineBootloaderVersion);
            return obj(svm_limine_bootloader_info_response{0, name, version});
        });
        // "Executable Command Line Feature": the same memory as the executable file's `string`.
        const uint64_t cmdline = string(plan_.executable.string);
        answer({SVM_LIMINE_ID_EXECUTABLE_CMDLINE}, [&] {
            return obj(svm_limine_executable_cmdline_response{0, cmdline});
        });
        answer({SVM_LIMINE_ID_FIRMWARE_TYPE}, [&] {
            return obj(svm_limine_firmware_type_response{0, SVM_LIMINE_FIRMWARE_X86_BIOS});
        });
        // "Stack Size Feature": every stack svm set up has the requested size (load_limine).
        answer({SVM_LIMINE_ID_STACK_SIZE},
               [&] { return obj(svm_limine_revision_only_response{0}); });
        answer({SVM_LIMINE_ID_HHDM}, [&] {
            return obj(svm_limine_hhdm_response{0, plan_.hhdm});
        });
        if (plan_.framebuffer) answer({SVM_LIMINE_ID_FRAMEBUFFER}, [&] { return framebuffer(); });
        answer({SVM_LIMINE_ID_PAGING_MODE}, [&] {
            return obj(svm_limine_paging_mode_response{0, plan_.paging_mode});
        });
        answer({SVM_LIMINE_ID_MP}, [&] { return mp(); });
        answer({SVM_LIMINE_ID_MEMMAP}, [&] { return memmap(); });
        answer({SVM_LIMINE_ID_ENTRY_POINT},
               [&] { return obj(svm_limine_revision_only_response{0}); });
        answer({SVM_LIMINE_ID_EXECUTABLE_FILE}, [&] {
            uint64_t file = limine_file(plan_.executable, cmdline);
            return obj(svm_limine_executable_file_response{0, file});
        });
        // "Module Feature": no response without modules. Response revision 0: internal modules
        // (files the executable names itself) are not loaded, since svm gives a guest only the
        // host files the user named.
        if (!plan_.modules.empty())
            answer({SVM_LIMINE_ID_MODULE}, [&] {
                std::vector<uint64_t> files;
                for (const auto& module : plan_.modules)
                    files.push_back(limine_file(module, string(module.string)));
                uint64_t array = pointer_array(files);
                return obj(svm_limine_module_response{0, files.size(), array});
            });
        // "RSDP Feature": the machine's RSDP; physical for base revision 3 only.
        if (in_.acpi_rsdp_address)
            answer({SVM_LIMINE_ID_RSDP}, [&] {
                uint64_t address = plan_.revision == 3 ? in_.acpi_rsdp_address
                                                       : plan_.hhdm + in_.acpi_rsdp_address;
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
        answer({SVM_LIMINE_ID_BOOTLOADER_PERFORMANCE}, [&] {
            return obj(svm_limine_bootloader_performance_response{0, 0, plan_.start_usec,
                                                                  monotonic_usec()});
        });
        // "x86-64 Keep IOMMU Feature": svm's machine has no IOMMU, so none is disabled.
        answer({SVM_LIMINE_ID_X86_64_KEEP_IOMMU},
               [&] { return obj(svm_limine_revision_only_response{0}); });
        if (plan_.tsc_hz)
            answer({SVM_LIMINE_ID_TSC_FREQUENCY}, [&] {
                return obj(svm_limine_tsc_frequency_response{0, plan_.tsc_hz});
            });
        if (const LimineRequest* r = plan_.requests.find(SVM_LIMINE_ID_ENTROPY);
            r && r->bytes_in_image >= 56)
            answer({SVM_LIMINE_ID_ENTROPY}, [&] { return entropy(r->fields[0]); });
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
    uint64_t hhdm(size_t offset) const { return plan_.hhdm + blob_.address(offset); }
    uint64_t string(const std::string& text) { return hhdm(blob_.append_string(text)); }
    uint64_t pointer_array(const std::vector<uint64_t>& pointers) {
        blob_.align(8);
        size_t first = blob_.size();
        for (uint64_t p : pointers) blob_.append_obj(p);
        return hhdm(first);
    }
    uint64_t limine_file(const LimineFileInfo& info, uint64_t string_pointer) {
        svm_limine_file file{};
        file.address = plan_.hhdm + info.address;
        file.size = info.size;
        file.path = string(info.path);
        file.string = string_pointer;
        file.media_type = SVM_LIMINE_MEDIA_GENERIC;
        return hhdm(obj(file));
    }
    size_t memmap() {
        std::vector<uint64_t> entries;
        for (const auto& entry : map_) entries.push_back(hhdm(obj(entry)));
        uint64_t array = pointer_array(entries);
        return obj(svm_limine_memmap_response{0, entries.size(), array});
    }
    size_t framebuffer() {
        const VideoMode& mode = *plan_.framebuffer;
        std::vector<uint64_t> modes;
        for (const auto& m : video_modes(*plan_.display)) modes.push_back(hhdm(obj(m)));
        svm_limine_framebuffer fb{};
        fb.address = plan_.hhdm + mode.address;
        fb.width = mode.width;
        fb.height = mode.height;
        fb.pitch = mode.pitch;
        set_pixel_format(fb, mode.bpp);
        fb.mode_count = modes.size();
        fb.modes = pointer_array(modes);
        uint64_t list = pointer_array({hhdm(obj(fb))});
        return obj(svm_limine_framebuffer_response{1, 1, list});
    }
    size_t mp() {
        std::vector<uint64_t> cpus;
        for (int i = 0; i < plan_.cpus; ++i)
            cpus.push_back(plan_.hhdm + plan_.mp_info +
                           uint64_t(i) * sizeof(svm_limine_mp_info));
        uint64_t array = pointer_array(cpus);
        uint32_t flags = plan_.start->x2apic ? SVM_LIMINE_MP_RESPONSE_X2APIC : 0;
        return obj(svm_limine_mp_response{0, flags, 0, cpus.size(), array});
    }
    size_t entropy(uint64_t wanted) {
        uint64_t count = std::min<uint64_t>(wanted, SVM_LIMINE_ENTROPY_MAX_VALUES);
        std::vector<uint64_t> values(count);
        auto* bytes = reinterpret_cast<uint8_t*>(values.data());
        size_t filled = 0;
        while (filled < count * 8) {
            ssize_t n = getrandom(bytes + filled, count * 8 - filled, 0);
            if (n <= 0) break;  // getrandom cannot fail for lack of entropy after boot
            filled += static_cast<size_t>(n);
        }
        uint64_t array = count ? pointer_array(values) : 0;
        return obj(svm_limine_entropy_response{0, count, array});
    }

    const LiminePlan& plan_;
    const BootInfoInputs& in_;
    std::span<const svm_limine_memmap_entry> map_;
    BootInfoBlob& blob_;
    std::vector<std::pair<uint64_t, size_t>> answered_;
};

// Writes the responses, points each answered request at its response, acknowledges the base
// revision tag ("Base Revisions": the third value becomes 0, the second the revision svm booted
// with) and fixes the HHDM the memory map calls for.
Result<void> write_responses(const LiminePlan& plan, GuestMemory& memory,
                             const BootInfoInputs& in) {
    auto map = plan_memory_map(plan, in);
    BootInfoBlob blob(in.address, in.capacity);
    auto answered = ResponseWriter(plan, in, map, blob).write();
    TRY(blob.commit(memory));
    for (const auto& [vaddr, offset] : answered)
        TRY(memory.write_obj<uint64_t>(plan.physical(vaddr) + kResponseField,
                                       plan.hhdm + blob.address(offset)));
    if (const auto& tag = plan.requests.base_revision) {
        uint64_t tag_address = plan.physical(tag->vaddr);
        TRY(memory.write_obj<uint64_t>(tag_address + 16, 0));
        TRY(memory.write_obj<uint64_t>(tag_address + 8, plan.revision));
    }
    plan.start->hhdm = limine_hhdm_mappings(map, plan.revision, plan.hhdm);
    return {};
}

// "File Structure": `path` is the file's path within its volume, with a leading slash. svm's
// volume is the host directory the user named the file in: the path is "/" and the file name.
std::string volume_path(const std::string& host_path) {
    return "/" + std::filesystem::path(host_path).filename().string();
}

// "Module Feature": the module's string, without the path GRUB-style strings start with.
std::string module_string(const LoadOptions::Module& module) {
    std::string_view args = module.args;
    if (args.starts_with(module.path)) args.remove_prefix(module.path.size());
    while (args.starts_with(' ')) args.remove_prefix(1);
    return std::string(args);
}

// The paging mode for the executable's requests (PROTOCOL.md "Paging Mode Feature", as Limine
// resolves it): the request's `mode` (4-level without a request), lowered to what the CPU has
// (`la57`: 5-level paging), then kept within the request's [min_mode, max_mode] (revision 1;
// revision 0 means max_mode = mode, min_mode = 4-level). Returns an error if max_mode is below
// min_mode or the CPU cannot give min_mode.
Result<uint64_t> limine_paging_mode(const LimineRequests& requests, bool la57) {
    const uint64_t supported = la57 ? SVM_LIMINE_PAGING_X86_64_5LVL : SVM_LIMINE_PAGING_X86_64_4LVL;
    const LimineRequest* r = requests.find(SVM_LIMINE_ID_PAGING_MODE);
    if (!r || r->bytes_in_image < 56) return uint64_t{SVM_LIMINE_PAGING_X86_64_4LVL};
    uint64_t mode = std::min(r->fields[0], supported);
    uint64_t max_mode = r->fields[0], min_mode = SVM_LIMINE_PAGING_X86_64_4LVL;
    if (r->revision >= 1 && r->bytes_in_image >= 72) {
        max_mode = r->fields[1];
        min_mode = r->fields[2];
    }
    if (max_mode < min_mode)
        return error("the Limine paging mode request at {:#x} has max_mode {} below min_mode {}",
                     r->vaddr, max_mode, min_mode);
    if (min_mode > supported)
        return error(
            "the Limine paging mode request needs paging mode {} or higher, but {} (mode {} is "
            "the highest: {})",
            min_mode, la57 ? "svm knows no such mode" : "this CPU has no 5-level paging (LA57)",
            supported, la57 ? "5-level" : "4-level");
    return std::clamp(mode, min_mode, std::min(max_mode, supported));
}

// The slide svm places `elf` at (PROTOCOL.md "Memory Layout at Entry"): 0 for an executable
// that is not position-independent; for one that is, what lifts its lowest page to
// kLimineLowestVirtual if it is linked lower, plus with `kaslr` a random multiple of 2 MiB that
// keeps it in the top 2 GiB. Returns an error if it cannot fit there.
Result<uint64_t> limine_slide(const ElfFile& elf, bool kaslr) {
    if (!elf.is_pie()) return uint64_t{0};
    uint64_t low = ~0ull, high = 0;
    for (const auto& s : elf.segments()) {
        low = std::min(low, page_down(s.vaddr));
        high = std::max(high, s.vaddr + s.mem_size);
    }
    const uint64_t size = high - low;
    if (size > ~kLimineLowestVirtual)
        return error("the executable spans {:#x} bytes, more than the top 2 GiB it must fit in",
                     size);
    uint64_t slide = low < kLimineLowestVirtual ? kLimineLowestVirtual - low : 0;
    if (kaslr) {
        constexpr uint64_t k2MiB = 2ull << 20;
        const uint64_t room = ~(low + slide) - (size - 1);  // bytes it may move up
        const uint64_t steps = room / k2MiB;
        uint64_t random = 0;
        if (steps > 0 && getrandom(&random, sizeof random, 0) == sizeof random)
            slide += (random % (steps + 1)) * k2MiB;
    }
    return slide;
}

}  // namespace

std::span<const uint8_t> limine_parking_loop() {
    return kParkingLoop;
}

std::vector<svm_limine_memmap_entry> limine_memory_map(std::span<const svm_mem_range> base,
                                                       std::span<const LoadedRange> loaded,
                                                       const BootLayout& layout,
                                                       const LimineMapInputs& extra) {
    std::vector<svm_limine_memmap_entry> map;
    for (const auto& range : overlay_loaded(base, loaded)) {
        uint64_t type = range.type == SVM_MEM_RAM        ? SVM_LIMINE_MEMMAP_USABLE
                        : range.type == SVM_MEM_RESERVED ? SVM_LIMINE_MEMMAP_RESERVED
                                                         : SVM_LIMINE_MEMMAP_EXECUTABLE_AND_MODULES;
        paint(map, range.base, range.base + range.length, type);
    }
    // What svm writes for the boot alone ("Machine State at Entry": stack and GDT; "Memory Layout
    // at Entry": page tables; "General Notes": responses) is bootloader-reclaimable, in whole
    // pages.
    std::vector<LimineRange> reclaimable = {
        {layout.stack_base, layout.stack_top - layout.stack_base},
        {layout.gdt, kBootGdtSize},
        {layout.boot_info, kBootInfoSize},
        {layout.page_tables, kBootPageTablePages * kPage},
    };
    reclaimable.insert(reclaimable.end(), extra.reclaimable.begin(), extra.reclaimable.end());
    for (const auto& area : reclaimable)
        paint(map, page_up(area.base), page_down(area.base + area.size),
              SVM_LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE);
    // "Base Revision 4": ACPI tables lie in ACPI or reserved-mapped regions (the HHDM maps them).
    if (extra.base_revision >= 4)
        for (const auto& acpi : extra.acpi)
            repaint(map, page_down(acpi.base), page_up(acpi.base + acpi.size),
                    SVM_LIMINE_MEMMAP_RESERVED, SVM_LIMINE_MEMMAP_RESERVED_MAPPED);
    if (extra.framebuffer)
        paint(map, extra.framebuffer->base, extra.framebuffer->base + extra.framebuffer->size,
              SVM_LIMINE_MEMMAP_FRAMEBUFFER);
    // "Memory Map Feature": for base revisions up to 2, [0, 0x1000) is never usable.
    if (extra.base_revision <= 2)
        repaint(map, 0, kPage, SVM_LIMINE_MEMMAP_USABLE, SVM_LIMINE_MEMMAP_RESERVED);
    return map;
}

std::vector<VirtualMapping> limine_hhdm_mappings(std::span<const svm_limine_memmap_entry> map,
                                                 uint64_t revision, uint64_t offset) {
    auto mapped = [&](uint64_t type) {
        switch (type) {
            case SVM_LIMINE_MEMMAP_USABLE:
            case SVM_LIMINE_MEMMAP_BOOTLOADER_RECLAIMABLE:
            case SVM_LIMINE_MEMMAP_EXECUTABLE_AND_MODULES:
            case SVM_LIMINE_MEMMAP_FRAMEBUFFER:
                return true;
            case SVM_LIMINE_MEMMAP_RESERVED_MAPPED:
            case SVM_LIMINE_MEMMAP_ACPI_RECLAIMABLE:
            case SVM_LIMINE_MEMMAP_ACPI_NVS:
                return revision >= 4 || revision <= 2;
            default:  // reserved, bad memory
                return revision == 0;
        }
    };
    std::vector<std::pair<uint64_t, uint64_t>> runs;  // [begin, end), page-aligned
    if (revision <= 2) runs.emplace_back(0, k4GiB);
    for (const auto& e : map) {
        if (!mapped(e.type) || e.length == 0) continue;
        uint64_t begin = page_down(e.base), end = page_up(e.base + e.length);
        if (revision <= 2) begin = std::max(begin, k4GiB);
        if (begin < end) runs.emplace_back(begin, end);
    }
    std::ranges::sort(runs);
    std::vector<VirtualMapping> out;
    for (auto [begin, end] : runs) {
        if (!out.empty() && begin <= out.back().paddr + out.back().size) {
            uint64_t top = std::max(out.back().paddr + out.back().size, end);
            out.back().size = top - out.back().paddr;
            continue;
        }
        out.push_back(VirtualMapping{offset + begin, begin, end - begin});
    }
    return out;
}

Result<KernelImage> load_limine(const std::string& path, std::span<const uint8_t> file,
                                const ElfFile& elf, const LimineRequests& requests,
                                GuestMemory& memory, const LoadOptions& options) {
    if (elf.segments().empty()) return error("the Limine executable has no loadable segment");
    // "Memory Layout at Entry": a position-independent executable is placed at a slide: at least
    // what lifts it to kLimineLowestVirtual, plus a random one with --kaslr.
    const uint64_t slide = TRY(limine_slide(elf, options.kaslr));
    std::vector<ElfSegment> segments = elf.segments();
    for (auto& segment : segments) segment.vaddr += slide;
    // "Base Revisions": a bootloader should refuse a revision it does not implement.
    const uint64_t requested = requests.base_revision ? requests.base_revision->requested : 0;
    if (requested > kLimineMaxBaseRevision)
        return error(
            "the executable asks for Limine base revision {}; svm implements base revisions 0 "
            "to {}",
            requested, kLimineMaxBaseRevision);
    // "Memory Layout at Entry": lower half executables are not supported.
    for (const auto& segment : segments)
        if (segment.vaddr < kLimineLowestVirtual)
            return error(
                "segment {} (p_vaddr {:#x}) lies below {:#x}; the Limine protocol loads "
                "executables linked in the top 2 GiB only",
                segment.index, segment.vaddr, kLimineLowestVirtual);

    auto plan = std::make_shared<LiminePlan>();
    plan->requests = requests;
    if (plan->requests.base_revision) plan->requests.base_revision->vaddr += slide;
    for (auto& request : plan->requests.requests) request.vaddr += slide;
    plan->revision = requested;
    plan->virtual_base = page_down(std::ranges::min(segments, {}, &ElfSegment::vaddr).vaddr);
    // Physically contiguous ("Memory Layout at Entry"), congruent modulo 2 MiB to the link address.
    plan->physical_base = kLiminePhysicalBase + (plan->virtual_base & 0x1FFFFF);
    plan->cpus = std::max(1, options.cpus);
    plan->start_usec = options.start_usec;
    plan->tsc_hz = options.tsc_hz;
    plan->display = options.display;
    plan->start = std::make_shared<LimineStart>();
    plan->start->base_revision = plan->revision;

    KernelImage image;
    image.format = "limine";
    image.mode = CpuMode::Long;
    image.is_elf = true;
    image.elf_bits = 64;
    image.entry = elf.entry() + slide;
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
    if (elf.is_pie()) {
        auto relocations = TRY(elf_relocations(file, elf));
        TRY(apply_relocations(relocations, elf, slide, memory,
                              [&](uint64_t vaddr) { return plan->physical(vaddr); }));
        // Pointers in requests (the entry point's) are relocated too: read them back.
        for (auto& request : plan->requests.requests)
            for (unsigned i = 0; i < 3; ++i)
                if (request.bytes_in_image >= 56 + 8 * i)
                    request.fields[i] =
                        TRY(memory.read_obj<uint64_t>(plan->physical(request.vaddr) + 48 + 8 * i));
    }

    auto modules = TRY(load_boot_modules(options.modules, placer));
    for (size_t i = 0; i < modules.size(); ++i)
        plan->modules.push_back(LimineFileInfo{modules[i].start, modules[i].end - modules[i].start,
                                               volume_path(options.modules[i].path),
                                               module_string(options.modules[i])});
    uint64_t end = 0;
    for (const auto& range : placer.loaded()) end = std::max(end, range.base + range.size);
    uint64_t copy = page_up(end);
    TRY(placer.place(
        fmt::format("the copy of the executable file ({} bytes at {:#x})", file.size(), copy), copy,
        file, file.size(), true));
    plan->executable = LimineFileInfo{copy, file.size(), volume_path(path), options.cmdline};

    // "Entry Point Feature" and "Paging Mode Feature" change how svm starts the executable.
    if (auto* r = plan->requests.find(SVM_LIMINE_ID_ENTRY_POINT)) {
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
    // Without an entry point request the start is e_entry: outside every segment, the first
    // instruction would fault with nothing yet to report it.
    auto inside_a_segment = [&](uint64_t address) {
        return std::ranges::any_of(segments, [&](const ElfSegment& s) {
            return address >= s.vaddr && address - s.vaddr < s.mem_size;
        });
    };
    if (!plan->requests.find(SVM_LIMINE_ID_ENTRY_POINT) && !inside_a_segment(image.entry))
        return error("the entry point e_entry {:#x} is outside every loaded segment", image.entry);
    // "Paging Mode Feature": the executable's preferred mode within [min_mode, max_mode] and
    // what the CPU has (5-level paging needs CR4.LA57).
    plan->paging_mode = TRY(limine_paging_mode(plan->requests, options.la57));
    if (plan->paging_mode == SVM_LIMINE_PAGING_X86_64_5LVL) {
        plan->hhdm = kLimineHhdmOffset5;
        plan->start->paging_levels = 5;
    }
    // "Stack Size Feature": every processor's stack has at least the requested size.
    uint64_t stack_size = kLimineDefaultStack;
    if (auto* r = plan->requests.find(SVM_LIMINE_ID_STACK_SIZE); r && r->bytes_in_image >= 56) {
        if (r->fields[0] > kLimineMaxStack)
            return error(
                "the Limine stack size request asks for {} bytes per processor; svm gives at most "
                "{} MiB",
                r->fields[0], kLimineMaxStack >> 20);
        stack_size = std::max(stack_size, page_up(r->fields[0]));
    }
    // "Framebuffer Feature": the adapter's mode, set before the executable runs.
    if (plan->requests.find(SVM_LIMINE_ID_FRAMEBUFFER) && options.display) {
        const DisplayCaps& caps = *options.display;
        plan->framebuffer = VideoMode{VideoMode::Kind::Linear,
                                      kLimineFramebufferWidth,
                                      kLimineFramebufferHeight,
                                      kLimineFramebufferBpp,
                                      kLimineFramebufferWidth * kLimineFramebufferBpp / 8,
                                      caps.lfb_address};
        image.video = plan->framebuffer;
    }
    const auto* mp_request = plan->requests.find(SVM_LIMINE_ID_MP);
    plan->start->x2apic =
        mp_request && mp_request->bytes_in_image >= 56 && (mp_request->fields[0] & 1);

    // svm's bootloader-reclaimable region: page tables, the parking loop, the MP information and
    // the stacks, each page-aligned.
    const uint64_t cpus = uint64_t(plan->cpus);
    const uint64_t tables = page_up(copy + file.size());
    const uint64_t code = tables + kLiminePageTablePages * kPage;
    const uint64_t mp_info = code + kPage;
    const uint64_t stacks = mp_info + page_up(cpus * sizeof(svm_limine_mp_info));
    const uint64_t region_end = stacks + cpus * stack_size;
    TRY(placer.place(fmt::format("the boot page tables, MP information and {} stacks of {} KiB "
                                 "({:#x}-{:#x})",
                                 cpus, stack_size >> 10, tables, region_end),
                     tables, {}, region_end - tables, false));
    plan->region_base = tables;
    plan->region_size = region_end - tables;
    plan->mp_info = mp_info;
    plan->start->page_table_pool = tables;
    plan->start->page_table_pages = kLiminePageTablePages;
    // The BSP's stack is the first; the invalid return address 0 is already at its top - 8.
    plan->start->rsp = plan->hhdm + stacks + stack_size - 8;
    if (mp_request) {
        TRY(memory.write(code, kParkingLoop));
        for (uint64_t i = 0; i < cpus; ++i) {
            svm_limine_mp_info info{};
            info.processor_id = static_cast<uint32_t>(i);  // the MADT's ACPI processor UID
            info.lapic_id = static_cast<uint32_t>(i);
            const uint64_t top = plan->hhdm + stacks + (i + 1) * stack_size;
            if (i != 0) {
                info.reserved = top;
                plan->start->aps.push_back(
                    {plan->hhdm + code,
                     plan->hhdm + mp_info + i * sizeof(svm_limine_mp_info), top});
            }
            TRY(memory.write_obj(mp_info + i * sizeof(svm_limine_mp_info), info));
        }
    }

    image.loaded = placer.loaded();
    image.limine = plan->start;
    image.boot_info_writer = [plan](GuestMemory& memory, const BootInfoInputs& in) {
        return write_responses(*plan, memory, in);
    };
    return image;
}

}  // namespace svm
