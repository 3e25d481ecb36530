// Places kernel segments, boot modules and --load-file contents in guest RAM, enforcing the rules
// every format shares, as a boot loader does: a range must lie inside RAM, outside the VGA memory
// window [0xA0000, 0xC0000) (device memory on a PC, the VGA text buffer on svm), and must not
// overlap a range placed before it. Anything else in RAM is allowed, including 0x500-0x100000:
// svm places its own structures around the loaded ranges afterwards (plan_boot_layout).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/loader/kernel_image.h"
#include "core/result.h"

namespace svm {

class ImagePlacer {
public:
    explicit ImagePlacer(GuestMemory& memory) : memory_(memory) {}

    // Returns success if [base, base + size) may be filled: inside RAM, outside the VGA window
    // and not overlapping a placed range. Otherwise returns an error that starts with `what`
    // (e.g. "segment 2 (p_paddr 0x100000, p_memsz 0x2000)") and names the problem.
    Result<void> check(const std::string& what, uint64_t base, uint64_t size) const;

    // Checks the range as check() does, copies `data` to `base`, zeroes the rest up to `mem_size`
    // (a BSS) and records the range. Returns an error (having written nothing) if the range is
    // rejected. data.size() <= mem_size is the caller's invariant (asserted): format parsers
    // reject p_filesz > p_memsz as a file error first.
    Result<void> place(const std::string& what, uint64_t base, std::span<const uint8_t> data,
                       uint64_t mem_size, bool is_module);

    // Records a range filled elsewhere (by an earlier loader) so later ranges are checked against
    // it; `what` names it in overlap messages. Writes nothing.
    void record(const std::string& what, const LoadedRange& range);

    // The ranges placed so far, in placement order. Empty ranges are not recorded.
    const std::vector<LoadedRange>& loaded() const { return loaded_; }

    // One past the highest kernel (non-module) byte placed, or 0 if none.
    uint64_t kernel_end() const;
    // The lowest kernel byte placed, or 0 if none.
    uint64_t kernel_start() const;

    uint64_t ram_size() const { return memory_.size(); }

private:
    GuestMemory& memory_;
    std::vector<LoadedRange> loaded_;
    std::vector<std::string> names_;  // parallel to loaded_, for overlap messages
};

// "64 MiB" or "0x1234 bytes": how error messages name the amount of RAM.
std::string describe_ram(uint64_t ram_size);

}  // namespace svm
