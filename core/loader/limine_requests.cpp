#include "core/loader/limine_requests.h"

#include <svm/limine_protocol.h>

#include <algorithm>
#include <cstring>

namespace svm {

namespace {

// The memory image of one segment as the executable will see it: file bytes, then zeroes.
class SegmentImage {
public:
    SegmentImage(const ElfSegment& segment, std::span<const uint8_t> file)
        : segment_(segment), bytes_(file.subspan(segment.offset, segment.file_size)) {}

    // The 64-bit value at byte `offset` of the segment: from the file, 0 in the BSS, nullopt past
    // p_memsz.
    std::optional<uint64_t> value(uint64_t offset) const {
        if (offset > segment_.mem_size || segment_.mem_size - offset < 8) return std::nullopt;
        uint8_t raw[8] = {};
        if (offset < bytes_.size())
            std::memcpy(raw, bytes_.data() + offset, std::min<uint64_t>(8, bytes_.size() - offset));
        uint64_t v;
        std::memcpy(&v, raw, 8);
        return v;
    }
    // True if the file bytes at `offset` start with `values`.
    bool matches(uint64_t offset, std::initializer_list<uint64_t> values) const {
        for (uint64_t expected : values) {
            if (offset > bytes_.size() || bytes_.size() - offset < 8) return false;
            uint64_t v;
            std::memcpy(&v, bytes_.data() + offset, 8);
            if (v != expected) return false;
            offset += 8;
        }
        return true;
    }
    uint64_t file_size() const { return bytes_.size(); }
    const ElfSegment& segment() const { return segment_; }

private:
    const ElfSegment& segment_;
    std::span<const uint8_t> bytes_;
};

}  // namespace

const LimineRequest* LimineRequests::find(uint64_t id2, uint64_t id3) const {
    for (const auto& request : requests)
        if (request.id2 == id2 && request.id3 == id3) return &request;
    return nullptr;
}

Result<LimineRequests> scan_limine_requests(std::span<const uint8_t> file, const ElfFile& elf) {
    std::vector<LimineBaseRevision> tags;
    std::vector<LimineRequest> found;
    std::vector<uint64_t> start_markers;  // vaddr just past each start marker
    std::vector<uint64_t> end_markers;    // vaddr of each end marker
    for (const auto& segment : elf.segments()) {
        SegmentImage image(segment, file);
        // The first offset whose guest-virtual address is 8-byte aligned.
        uint64_t first = (8 - (segment.vaddr & 7)) & 7;
        for (uint64_t off = first; off + 8 <= image.file_size(); off += 8) {
            uint64_t vaddr = segment.vaddr + off;
            if (image.matches(off, {SVM_LIMINE_COMMON_MAGIC0, SVM_LIMINE_COMMON_MAGIC1})) {
                if (image.file_size() - off < 32) continue;  // the id runs past the file bytes
                auto revision = image.value(off + 32);
                auto response = image.value(off + 40);
                if (!revision || !response)
                    return error(
                        "Limine request at {:#x} (segment {}) ends past its segment, leaving no "
                        "room for its revision and response members",
                        vaddr, segment.index);
                LimineRequest request;
                request.id2 = *image.value(off + 16);
                request.id3 = *image.value(off + 24);
                request.vaddr = vaddr;
                request.revision = *revision;
                for (unsigned i = 0; i < 3; ++i)
                    request.fields[i] = image.value(off + 48 + 8 * i).value_or(0);
                request.bytes_in_image = segment.mem_size - off;
                found.push_back(request);
            } else if (image.matches(off, {SVM_LIMINE_BASE_REVISION_MAGIC0,
                                           SVM_LIMINE_BASE_REVISION_MAGIC1})) {
                if (auto requested = image.value(off + 16))
                    tags.push_back(LimineBaseRevision{vaddr, *requested});
            } else if (image.matches(off, {SVM_LIMINE_START_MARKER0, SVM_LIMINE_START_MARKER1,
                                           SVM_LIMINE_START_MARKER2, SVM_LIMINE_START_MARKER3})) {
                start_markers.push_back(vaddr + 32);
            } else if (image.matches(off, {SVM_LIMINE_END_MARKER0, SVM_LIMINE_END_MARKER1})) {
                end_markers.push_back(vaddr);
            }
        }
    }

    // "Requests Delimiters": only [last start marker, first end marker) counts.
    uint64_t low = start_markers.empty() ? 0 : *std::ranges::max_element(start_markers);
    uint64_t high = end_markers.empty() ? ~0ull : *std::ranges::min_element(end_markers);
    auto outside = [&](uint64_t vaddr) { return vaddr < low || vaddr >= high; };
    std::erase_if(found, [&](const LimineRequest& r) { return outside(r.vaddr); });
    std::erase_if(tags, [&](const LimineBaseRevision& t) { return outside(t.vaddr); });

    LimineRequests result;
    std::ranges::sort(found, {}, &LimineRequest::vaddr);
    for (size_t i = 0; i < found.size(); ++i)
        for (size_t j = 0; j < i; ++j)
            if (found[i].id2 == found[j].id2 && found[i].id3 == found[j].id3)
                return error(
                    "the executable has two Limine requests with id {:#x}, {:#x} (at {:#x} and "
                    "{:#x}); the Limine protocol allows one of each",
                    found[i].id2, found[i].id3, found[j].vaddr, found[i].vaddr);
    result.requests = std::move(found);
    // Limine refuses an image with two base revision tags ("Duplicated base revision tag"): the
    // executable could not tell which one the loader acknowledged.
    if (tags.size() > 1)
        return error(
            "the executable has two Limine base revision tags (at {:#x} and {:#x}); it may have "
            "one",
            tags[0].vaddr, tags[1].vaddr);
    if (!tags.empty()) result.base_revision = tags.front();
    return result;
}

}  // namespace svm
