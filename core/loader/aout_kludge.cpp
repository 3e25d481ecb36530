#include "core/loader/aout_kludge.h"

#include "core/loader/checked_reader.h"

namespace svm {

Result<void> load_aout_kludge(std::span<const uint8_t> file, uint64_t header_offset,
                              const AoutKludge& kludge, ImagePlacer& placer) {
    if (kludge.load_addr > kludge.header_addr)
        return error("a.out kludge: load_addr {:#x} lies above header_addr {:#x}", kludge.load_addr,
                     kludge.header_addr);
    uint64_t back = kludge.header_addr - kludge.load_addr;
    if (back > header_offset)
        return error(
            "a.out kludge: header_addr - load_addr is {:#x}, but the header is only {:#x} bytes "
            "into the file",
            back, header_offset);
    uint64_t load_offset = header_offset - back;

    uint64_t load_size;
    if (kludge.load_end_addr == 0) {
        load_size = file.size() - load_offset;  // load_offset <= header_offset < file.size()
    } else {
        if (kludge.load_end_addr < kludge.load_addr)
            return error("a.out kludge: load_end_addr {:#x} lies below load_addr {:#x}",
                         kludge.load_end_addr, kludge.load_addr);
        load_size = kludge.load_end_addr - kludge.load_addr;
        if (!CheckedReader(file).contains(load_offset, load_size))
            return error(
                "a.out kludge: load_end_addr {:#x} asks for {:#x} bytes from file offset {:#x}, "
                "past the end of the {}-byte file",
                kludge.load_end_addr, load_size, load_offset, file.size());
    }

    uint64_t mem_size = load_size;
    if (kludge.bss_end_addr != 0) {
        uint64_t load_end = uint64_t(kludge.load_addr) + load_size;
        if (kludge.bss_end_addr < load_end)
            return error(
                "a.out kludge: bss_end_addr {:#x} lies below the end of the loaded "
                "bytes {:#x}",
                kludge.bss_end_addr, load_end);
        mem_size = kludge.bss_end_addr - kludge.load_addr;
    }
    auto what = fmt::format("the a.out-kludge image (load_addr {:#x}, {:#x} bytes)",
                            kludge.load_addr, mem_size);
    return placer.place(what, kludge.load_addr, file.subspan(load_offset, load_size), mem_size,
                        false);
}

}  // namespace svm
