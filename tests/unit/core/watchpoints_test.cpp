#include "core/debug/watchpoints.h"

#include <gtest/gtest.h>

namespace svm {
namespace {

TEST(Watchpoints, PageAccessIsReadOnlyForWritesAndAbsentForReads) {
    Watchpoints w;
    w.add(WatchType::Write, 0xffff800000002010, 8, {{0x2010, 8, 0xffff800000002010}});
    w.add(WatchType::Read, 0x5000, 4, {{0x5000, 4, 0x5000}});
    auto pages = w.page_access();
    ASSERT_EQ(pages.size(), 2u);
    EXPECT_EQ(pages.at(0x2000), PageAccess::ReadOnly);
    EXPECT_EQ(pages.at(0x5000), PageAccess::None);
    // An access watchpoint on a page with a write watchpoint makes the page absent.
    w.add(WatchType::Access, 0x2100, 1, {{0x2100, 1, 0x2100}});
    EXPECT_EQ(w.page_access().at(0x2000), PageAccess::None);
}

TEST(Watchpoints, RangesSpanningPagesCoverEveryPage) {
    Watchpoints w;
    // 16 bytes from virtual 0x7ff8: two pieces that map to unrelated physical pages.
    w.add(WatchType::Write, 0x7ff8, 16, {{0x3ff8, 8, 0x7ff8}, {0x9000, 8, 0x8000}});
    auto pages = w.page_access();
    EXPECT_EQ(pages.size(), 2u);
    EXPECT_TRUE(pages.contains(0x3000));
    EXPECT_TRUE(pages.contains(0x9000));
    auto hit = w.match(0x9004, 4, true);
    ASSERT_TRUE(hit);
    EXPECT_EQ(hit->vaddr, 0x8004u);
}

TEST(Watchpoints, MatchHonoursTypeAndRange) {
    Watchpoints w;
    w.add(WatchType::Write, 0x1000, 8, {{0x1000, 8, 0x1000}});
    w.add(WatchType::Read, 0x1010, 4, {{0x1010, 4, 0x1010}});
    EXPECT_FALSE(w.match(0x1000, 8, false));  // a read of a write-watched range
    EXPECT_FALSE(w.match(0x1008, 8, true));   // next to it
    auto write = w.match(0x1004, 8, true);    // overlaps its tail
    ASSERT_TRUE(write);
    EXPECT_EQ(write->type, WatchType::Write);
    EXPECT_EQ(write->vaddr, 0x1004u);
    auto read = w.match(0x100e, 4, false);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->type, WatchType::Read);
    EXPECT_EQ(read->vaddr, 0x1010u);
    EXPECT_FALSE(w.match(0x1010, 4, true));
}

TEST(Watchpoints, RemoveNeedsTheSameArguments) {
    Watchpoints w;
    w.add(WatchType::Access, 0x1000, 4, {{0x1000, 4, 0x1000}});
    EXPECT_FALSE(w.remove(WatchType::Write, 0x1000, 4));
    EXPECT_FALSE(w.remove(WatchType::Access, 0x1000, 8));
    EXPECT_TRUE(w.remove(WatchType::Access, 0x1000, 4));
    EXPECT_TRUE(w.empty());
    EXPECT_TRUE(w.page_access().empty());
}

}  // namespace
}  // namespace svm
