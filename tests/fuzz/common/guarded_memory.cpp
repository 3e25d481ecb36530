#include "tests/fuzz/common/guarded_memory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>

namespace svm::fuzz {

namespace {

constexpr uint64_t kPage = 4096;
// Above this many touched pages, fresh_memory() unmaps them rather than clearing them.
constexpr size_t kMaxKeptPages = 64;

// Not instrumented: it reads every byte an input touched, for every input.
__attribute__((no_sanitize("address", "undefined"))) bool page_is_zero(const uint8_t* page) {
    const auto* words = reinterpret_cast<const uint64_t*>(page);
    uint64_t any = 0;
    for (size_t i = 0; i < kPage / 8; ++i) any |= words[i];
    return any == 0;
}

// The first non-zero byte of [from, to) of guest RAM at `base`, if any.
__attribute__((no_sanitize("address", "undefined"))) std::optional<uint64_t> first_nonzero(
    const uint8_t* base, uint64_t from, uint64_t to) {
    for (uint64_t gpa = from; gpa < to; ++gpa)
        if (base[gpa] != 0) return gpa;
    return std::nullopt;
}

// mincore(): bit 0 of each byte says whether that page of guest RAM is mapped in.
std::vector<unsigned char> resident_pages(const GuestMemory& memory) {
    std::vector<unsigned char> resident(memory.size() / kPage);
    if (mincore(memory.host_base_for_kvm(), memory.size(), resident.data()) != 0) std::abort();
    return resident;
}

// Slack in the hole for kernels that align large anonymous mappings to 2 MiB (Linux 6.7+ asks
// for the length plus 2 MiB, so an exact hole would never be chosen).
constexpr uint64_t kSlack = 2ull << 20;

bool map_none(uint8_t* at, uint64_t size) {
    if (size == 0) return true;
    void* p = mmap(at, size, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    return p == at;
}

// Reserves PROT_NONE memory for a guard, guest RAM (plus slack) and a guard, then frees the
// middle: a hole between two guards. GuestMemory::create() maps wherever the kernel chooses, so
// create memories until one lands in the hole (the others fill the gaps the kernel prefers, and
// are unmapped at the end), then close the slack left on either side of it.
std::unique_ptr<GuestMemory> create_guarded(uint64_t size) {
    const uint64_t hole_size = size + kSlack;
    auto* reserved =
        static_cast<uint8_t*>(mmap(nullptr, hole_size + 2 * kGuardSize, PROT_NONE,
                                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
    if (reserved == MAP_FAILED || munmap(reserved + kGuardSize, hole_size) != 0) {
        std::fprintf(stderr, "fuzz: cannot reserve guarded guest memory\n");
        std::abort();
    }
    uint8_t* hole = reserved + kGuardSize;
    std::vector<GuestMemory> fillers;
    for (int attempt = 0; attempt < 4096; ++attempt) {
        auto memory = GuestMemory::create(size);
        if (!memory) break;
        uint8_t* base = memory->host_base_for_kvm();
        if (base >= hole && base + size <= hole + hole_size) {
            if (!map_none(hole, base - hole) ||
                !map_none(base + size, hole + hole_size - base - size))
                break;
            return std::make_unique<GuestMemory>(std::move(*memory));
        }
        fillers.push_back(std::move(*memory));
    }
    std::fprintf(stderr, "fuzz: cannot place guest memory of %#llx bytes between guard pages\n",
                 static_cast<unsigned long long>(size));
    std::abort();
}

}  // namespace

GuestMemory& fresh_memory(uint64_t size) {
    static std::map<uint64_t, std::unique_ptr<GuestMemory>> memories;
    auto& slot = memories[size];
    if (!slot) slot = create_guarded(size);
    uint8_t* base = slot->host_base_for_kvm();
    // Page faults cost more than clearing a page (most of all in a VM), so pages an input touched
    // stay mapped and are cleared with memset, unless there are many: then MADV_DONTNEED gives
    // them back (private anonymous pages then read as zero).
    std::vector<unsigned char> resident = resident_pages(*slot);
    size_t count = 0;
    for (unsigned char r : resident) count += r & 1;
    if (count > kMaxKeptPages) {
        if (madvise(base, size, MADV_DONTNEED) != 0) std::abort();
        return *slot;
    }
    for (size_t page = 0; page < resident.size(); ++page)
        if ((resident[page] & 1) && !page_is_zero(base + page * kPage))
            std::memset(base + page * kPage, 0, kPage);
    return *slot;
}

std::optional<uint64_t> first_nonzero_outside(const GuestMemory& memory,
                                              std::span<const GpaRange> allowed) {
    std::vector<GpaRange> sorted(allowed.begin(), allowed.end());
    std::sort(sorted.begin(), sorted.end(),
              [](const GpaRange& a, const GpaRange& b) { return a.base < b.base; });
    const std::vector<unsigned char> resident = resident_pages(memory);
    const uint8_t* base = memory.host_base_for_kvm();
    for (uint64_t page = 0; page < resident.size(); ++page) {
        const uint64_t start = page * kPage, end = start + kPage;
        if (!(resident[page] & 1) || page_is_zero(base + start)) continue;
        // Walk the page from `at`, skipping the allowed ranges (sorted by base) that cover it.
        uint64_t at = start;
        for (const GpaRange& r : sorted) {
            if (r.size == 0 || r.base + r.size <= at) continue;
            if (r.base >= end) break;
            if (r.base > at) {
                if (auto hit = first_nonzero(base, at, r.base)) return hit;
            }
            at = std::max(at, r.base + r.size);
            if (at >= end) break;
        }
        if (at < end) {
            if (auto hit = first_nonzero(base, at, end)) return hit;
        }
    }
    return std::nullopt;
}

}  // namespace svm::fuzz
