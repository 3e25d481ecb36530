#include "core/debug/watchpoints.h"

#include <gtest/gtest.h>

#include "core/kvm/memory_slots.h"

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

// KVM's memory slot table, as far as KVM_SET_USER_MEMORY_REGION checks it: a deleted slot must
// exist, an added one must use a free number and overlap no other (api.rst 4.35).
class FakeKvmSlots {
public:
    int updates = 0;

    MemorySlots::Update update() {
        return [this](const MemorySlots::Slot& slot) -> Result<void> {
            ++updates;
            if (slot.size == 0) {
                auto it = by_id_.find(slot.id);
                if (it == by_id_.end())
                    return error("deleting slot {}, which is not there", slot.id);
                by_gpa_.erase(it->second.gpa);
                by_id_.erase(it);
                return {};
            }
            if (by_id_.contains(slot.id)) return error("slot {} is in use", slot.id);
            auto next = by_gpa_.lower_bound(slot.gpa);
            if (next != by_gpa_.end() && next->first < slot.gpa + slot.size)
                return error("slot {} overlaps slot {}", slot.id, next->second);
            if (next != by_gpa_.begin()) {
                auto& before = by_id_.at(std::prev(next)->second);
                if (before.gpa + before.size > slot.gpa)
                    return error("slot {} overlaps slot {}", slot.id, before.id);
            }
            by_id_.emplace(slot.id, slot);
            by_gpa_.emplace(slot.gpa, slot.id);
            return {};
        };
    }

    // Every page of [0, ram) is mapped as `pages` says: read/write unless listed, read-only or
    // absent as listed.
    void expect_layout(uint64_t ram, const std::map<uint64_t, PageAccess>& pages) const {
        uint64_t cursor = 0;
        auto expect_absent_until = [&](uint64_t end) {
            for (; cursor < end; cursor += 0x1000) {
                auto it = pages.find(cursor);
                ASSERT_TRUE(it != pages.end() && it->second == PageAccess::None)
                    << std::hex << "page " << cursor << " has no slot";
            }
        };
        for (auto& [gpa, id] : by_gpa_) {
            const MemorySlots::Slot& slot = by_id_.at(id);
            expect_absent_until(gpa);
            for (; cursor < slot.gpa + slot.size; cursor += 0x1000) {
                auto it = pages.find(cursor);
                bool read_only = it != pages.end() && it->second == PageAccess::ReadOnly;
                ASSERT_TRUE(it == pages.end() || read_only) << std::hex << "page " << cursor;
                ASSERT_EQ(slot.read_only, read_only) << std::hex << "page " << cursor;
            }
        }
        expect_absent_until(ram);
    }
    size_t count() const { return by_id_.size(); }
    uint32_t highest_id() const { return by_id_.empty() ? 0 : by_id_.rbegin()->first; }

private:
    std::map<uint32_t, MemorySlots::Slot> by_id_;
    std::map<uint64_t, uint32_t> by_gpa_;
};

// Issue 8, item 10: each watchpoint insert re-registered every memory slot, so the n-th insert
// cost ~4n ioctls (1,500 inserts took 110 s). Now an insert or removal costs at most 4, however
// many watchpoints are set.
TEST(MemorySlots, EachWatchpointCostsAFewSlotUpdatesWhateverIsSet) {
    constexpr uint64_t kRam = 16 << 20;
    constexpr int kCount = 1500;
    Watchpoints w;
    MemorySlots slots;
    FakeKvmSlots kvm;
    ASSERT_TRUE(slots.set_page_access(kRam, w.page_access(), kvm.update()));
    EXPECT_EQ(kvm.updates, 1);
    int total = 0, worst = 0;
    auto apply = [&] {
        kvm.updates = 0;
        auto r = slots.set_page_access(kRam, w.page_access(), kvm.update());
        ASSERT_TRUE(r) << r.error().message;
        total += kvm.updates;
        worst = std::max(worst, kvm.updates);
    };
    // Every other page from 1 MiB, so that each watched page is a slot of its own.
    auto gpa_of = [](int i) { return 0x100000 + uint64_t(i) * 0x2000; };
    for (int i = 0; i < kCount; ++i) {
        w.add(i % 3 ? WatchType::Write : WatchType::Access, gpa_of(i), 8,
              {{gpa_of(i), 8, gpa_of(i)}});
        apply();
        if (i % 100 == 0) kvm.expect_layout(kRam, w.page_access());
    }
    kvm.expect_layout(kRam, w.page_access());
    EXPECT_LE(worst, 4);
    EXPECT_LE(total, 4 * kCount) << "inserts";
    RecordProperty("insert_updates", total);
    EXPECT_EQ(kvm.count(), slots.slots().size());
    EXPECT_LT(kvm.highest_id(), kvm.count() + 4);  // slot numbers are reused, not grown

    total = worst = 0;
    for (int i = 0; i < kCount; ++i) {
        int j = (i * 7) % kCount;  // in another order than inserted
        ASSERT_TRUE(w.remove(j % 3 ? WatchType::Write : WatchType::Access, gpa_of(j), 8));
        apply();
        if (i % 100 == 0) kvm.expect_layout(kRam, w.page_access());
    }
    EXPECT_LE(worst, 4);
    EXPECT_LE(total, 4 * kCount) << "removals";
    RecordProperty("remove_updates", total);
    EXPECT_EQ(kvm.count(), 1u);
    kvm.expect_layout(kRam, {});
}

TEST(MemorySlots, UnchangedLayoutCostsNothing) {
    MemorySlots slots;
    FakeKvmSlots kvm;
    std::map<uint64_t, PageAccess> pages{{0x3000, PageAccess::ReadOnly},
                                         {0x4000, PageAccess::ReadOnly},
                                         {0x8000, PageAccess::None},
                                         {0x20000000, PageAccess::None}};  // past the RAM
    ASSERT_TRUE(slots.set_page_access(0x100000, pages, kvm.update()));
    EXPECT_EQ(kvm.updates, 4);  // RAM, the two read-only pages as one slot, RAM, RAM
    kvm.expect_layout(0x100000, pages);
    kvm.updates = 0;
    ASSERT_TRUE(slots.set_page_access(0x100000, pages, kvm.update()));
    EXPECT_EQ(kvm.updates, 0);
    // Write-watching the page next to a read-only run grows that run: one delete, one add, and
    // the RAM after it shrinks: one delete, one add.
    pages[0x5000] = PageAccess::ReadOnly;
    ASSERT_TRUE(slots.set_page_access(0x100000, pages, kvm.update()));
    EXPECT_EQ(kvm.updates, 4);
    kvm.expect_layout(0x100000, pages);
}

TEST(MemorySlots, AFailedUpdateIsReported) {
    MemorySlots slots;
    auto refuse = [](const MemorySlots::Slot&) -> Result<void> { return error("EINVAL"); };
    auto r = slots.set_page_access(0x100000, {}, refuse);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().message, "EINVAL");
}

}  // namespace
}  // namespace svm
