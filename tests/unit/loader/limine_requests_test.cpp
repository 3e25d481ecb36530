// The Limine request scanner on hand-built ELF64 images (PROTOCOL.md "Base protocol revisions",
// "Features", "Requests Delimiters"). Identifiers are spelled out here as numbers, not taken from
// svm's header, so a wrong constant there shows.
#include "core/loader/limine_requests.h"

#include <gtest/gtest.h>

#include "test_images.h"

namespace svm {
namespace {

using test::Bytes;

#define EXPECT_CONTAINS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

constexpr uint64_t kBase = 0xffffffff80000000ull;
constexpr uint64_t kMagic0 = 0xc7b1dd30df4c8b88ull, kMagic1 = 0x0a82e883a194f07bull;
constexpr uint64_t kHhdm2 = 0x48dcf1cb8ad2b852ull, kHhdm3 = 0x63984e959a98244bull;
constexpr uint64_t kMemmap2 = 0x67cf3d9d378a806full, kMemmap3 = 0xe304acdfc50c3c62ull;

Bytes words(std::initializer_list<uint64_t> values) {
    Bytes bytes(values.size() * 8);
    size_t i = 0;
    for (uint64_t v : values) test::poke(bytes, 8 * i++, v);
    return bytes;
}
Bytes request(uint64_t id2, uint64_t id3, uint64_t revision = 0) {
    return words({kMagic0, kMagic1, id2, id3, revision, 0});
}
Bytes base_revision(uint64_t n) {
    return words({0xf9562b2d5c95a6c8ull, 0x6a7b384944536bdcull, n});
}
Bytes start_marker() {
    return words({0xf6b8f4b39de7d1aeull, 0xfab91a6940fcb9cfull, 0x785c6ed015d3e316ull,
                  0x181e920a7852b9d9ull});
}
Bytes end_marker() {
    return words({0xadc0e0531bb10d03ull, 0x9572709f31764c62ull});
}
// `data` placed `offset` bytes into an otherwise zero segment of `size` bytes.
Bytes at(size_t offset, const Bytes& data, size_t size = 0x1000) {
    Bytes bytes(size, 0);
    std::copy(data.begin(), data.end(), bytes.begin() + offset);
    return bytes;
}

Result<LimineRequests> scan(const std::vector<test::TestSegment>& segments) {
    static Bytes file;  // the ElfFile views it
    file = test::make_elf64(segments, segments.front().vaddr);
    auto elf = ElfFile::parse(file);
    if (!elf) return std::unexpected(elf.error());
    return scan_limine_requests(file, *elf);
}

TEST(LimineRequestsTest, PlainElfHasNoRequests) {
    auto found = scan({{kBase, 0x100000, test::pattern(0x200, 1), 0x200}});
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_TRUE(found->empty());
}

TEST(LimineRequestsTest, FindsTagAndRequestsAnywhereAligned) {
    Bytes data = at(0x18, base_revision(3), 0x2000);
    Bytes hhdm = request(kHhdm2, kHhdm3, 1);
    std::copy(hhdm.begin(), hhdm.end(), data.begin() + 0x1238);
    // Second segment with an odd virtual start: alignment counts in virtual addresses.
    Bytes second = at(0x4, request(kMemmap2, kMemmap3), 0x100);
    auto found = scan({{kBase, 0x100000, data, 0x3000}, {kBase + 0x4004, 0x104004, second, 0x100}});
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->base_revision);
    EXPECT_EQ(found->base_revision->vaddr, kBase + 0x18);
    EXPECT_EQ(found->base_revision->requested, 3u);
    ASSERT_EQ(found->requests.size(), 2u);
    const LimineRequest* r = found->find(kHhdm2, kHhdm3);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->vaddr, kBase + 0x1238);
    EXPECT_EQ(r->revision, 1u);
    EXPECT_EQ(r->bytes_in_image, 0x3000u - 0x1238u);
    r = found->find(kMemmap2, kMemmap3);
    ASSERT_NE(r, nullptr);
    EXPECT_EQ(r->vaddr, kBase + 0x4008);
}

TEST(LimineRequestsTest, IgnoresMisalignedRequests) {
    auto found = scan({{kBase, 0x100000, at(0x14, request(kHhdm2, kHhdm3)), 0x1000}});
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_TRUE(found->empty());
}

TEST(LimineRequestsTest, UnknownIdsAreReturnedForTheLoaderToIgnore) {
    auto found = scan({{kBase, 0x100000, at(0x40, request(0x1234, 0x5678)), 0x1000}});
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_EQ(found->requests.size(), 1u);
    EXPECT_EQ(found->requests[0].id2, 0x1234u);
}

TEST(LimineRequestsTest, OptionalMembersAreReadAndZeroInBss) {
    Bytes with_field =
        test::concat(request(0x224ef0460a8e8926ull, 0xe1cb0fc25f46ea3dull), words({0x20000}));
    auto found = scan({{kBase, 0x100000, at(0x100, with_field, 0x138), 0x2000}});
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_EQ(found->requests.size(), 1u);
    EXPECT_EQ(found->requests[0].fields[0], 0x20000u);
    EXPECT_EQ(found->requests[0].fields[1], 0u);  // BSS
}

TEST(LimineRequestsTest, DelimitersLimitTheScan) {
    Bytes data(0x1000, 0);
    auto put = [&](size_t offset, const Bytes& bytes) {
        std::copy(bytes.begin(), bytes.end(), data.begin() + offset);
    };
    put(0x000, request(kMemmap2, kMemmap3));  // before the start marker: ignored
    put(0x100, start_marker());
    put(0x200, base_revision(2));
    put(0x300, request(kHhdm2, kHhdm3));
    put(0x400, end_marker());
    put(0x500, request(0x1111, 0x2222));  // after the end marker: ignored
    auto found = scan({{kBase, 0x100000, data, 0x1000}});
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->base_revision);
    EXPECT_EQ(found->base_revision->requested, 2u);
    ASSERT_EQ(found->requests.size(), 1u);
    EXPECT_EQ(found->requests[0].id2, kHhdm2);
}

TEST(LimineRequestsTest, DuplicateRequestIdsRefuseTheBoot) {
    Bytes data = at(0x40, request(kHhdm2, kHhdm3));
    Bytes again = request(kHhdm2, kHhdm3);
    std::copy(again.begin(), again.end(), data.begin() + 0x80);
    auto found = scan({{kBase, 0x100000, data, 0x1000}});
    ASSERT_FALSE(found);
    EXPECT_CONTAINS(found.error().message, "two Limine requests");
}

TEST(LimineRequestsTest, TwoBaseRevisionTagsRefuseTheBoot) {
    Bytes data = at(0x40, base_revision(3));
    Bytes again = base_revision(2);
    std::copy(again.begin(), again.end(), data.begin() + 0x80);
    auto found = scan({{kBase, 0x100000, data, 0x1000}});
    ASSERT_FALSE(found);
    EXPECT_CONTAINS(found.error().message, "two Limine base revision tags");
    EXPECT_CONTAINS(found.error().message, "0xffffffff80000040");
    EXPECT_CONTAINS(found.error().message, "0xffffffff80000080");
}

TEST(LimineRequestsTest, TwoBaseRevisionTagsInDifferentSegmentsRefuseTheBoot) {
    auto found = scan({{kBase, 0x100000, at(0x40, base_revision(3)), 0x1000},
                       {kBase + 0x2000, 0x102000, at(0x8, base_revision(3)), 0x1000}});
    ASSERT_FALSE(found);
    EXPECT_CONTAINS(found.error().message, "two Limine base revision tags");
}

TEST(LimineRequestsTest, ABaseRevisionTagOutsideTheDelimitersDoesNotCount) {
    Bytes data(0x1000, 0);
    auto put = [&](size_t offset, const Bytes& bytes) {
        std::copy(bytes.begin(), bytes.end(), data.begin() + offset);
    };
    put(0x000, base_revision(1));  // before the start marker: ignored
    put(0x100, start_marker());
    put(0x200, base_revision(4));
    put(0x300, end_marker());
    auto found = scan({{kBase, 0x100000, data, 0x1000}});
    ASSERT_TRUE(found) << found.error().message;
    ASSERT_TRUE(found->base_revision);
    EXPECT_EQ(found->base_revision->requested, 4u);
    EXPECT_EQ(found->base_revision->vaddr, kBase + 0x200);
}

TEST(LimineRequestsTest, RequestRunningPastItsSegmentIsRefused) {
    // The id fits in the segment, revision and response do not.
    Bytes data = at(0xE0, words({kMagic0, kMagic1, kHhdm2, kHhdm3}), 0x100);
    auto found = scan({{kBase, 0x100000, data, 0x100}});
    ASSERT_FALSE(found);
    EXPECT_CONTAINS(found.error().message, "ends past its segment");
}

TEST(LimineRequestsTest, IdCutByTheEndOfFileBytesIsNotARequest) {
    Bytes data = at(0xF0, words({kMagic0, kMagic1}), 0x100);
    auto found = scan({{kBase, 0x100000, data, 0x1000}});
    ASSERT_TRUE(found) << found.error().message;
    EXPECT_TRUE(found->empty());
}

}  // namespace
}  // namespace svm
