#include "tests/unit/virtio/test_driver.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

namespace svm::virtio::test {

namespace {

// A failed guest-memory write here means the test laid its queue out wrongly.
void must(const Result<void>& result) {
    if (!result) {
        std::fprintf(stderr, "virtio test driver: %s\n", result.error().message.c_str());
        std::abort();
    }
}

template <typename T>
T must(Result<T> result) {
    if (!result) {
        std::fprintf(stderr, "virtio test driver: %s\n", result.error().message.c_str());
        std::abort();
    }
    return *result;
}

constexpr uint64_t align_up(uint64_t value, uint64_t alignment) {
    return (value + alignment - 1) / alignment * alignment;
}

// struct virtq_desc (2.7.5), as the driver writes it.
struct RawDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags;
    uint16_t next;
};
static_assert(sizeof(RawDesc) == 16);

}  // namespace

QueueLayout TestDriver::layout_at(uint64_t base, uint16_t size) {
    QueueLayout layout;
    layout.size = size;
    layout.desc = base;
    layout.avail = align_up(layout.desc + 16ull * size, 4096);
    layout.used = align_up(layout.avail + 6 + 2ull * size, 4096);
    return layout;
}

uint64_t TestDriver::layout_end(const QueueLayout& layout) {
    return layout.used + 6 + 8ull * layout.size;
}

TestDriver::TestDriver(GuestMemory& memory, const QueueLayout& layout, uint64_t data_base)
    : memory_(memory), layout_(layout) {
    must(memory_.fill(layout_.desc, 0, 16ull * layout_.size));
    must(memory_.fill(layout_.avail, 0, 6 + 2ull * layout_.size));
    must(memory_.fill(layout_.used, 0, 6 + 8ull * layout_.size));
    data_next_ = data_base ? data_base : align_up(layout_end(layout_), 4096) + 4096;
}

void TestDriver::write_desc(uint16_t index, uint64_t addr, uint32_t len, uint16_t flags,
                            uint16_t next) {
    write_table_desc(layout_.desc, index, addr, len, flags, next);
}

void TestDriver::write_table_desc(uint64_t table, uint32_t index, uint64_t addr, uint32_t len,
                                  uint16_t flags, uint16_t next) {
    must(memory_.write_obj(table + 16ull * index, RawDesc{addr, len, flags, next}));
}

uint16_t TestDriver::write_direct(std::span<const TestBuffer> buffers, bool last_has_next) {
    const uint16_t head = next_desc_;
    for (size_t i = 0; i < buffers.size(); ++i) {
        const uint16_t index = next_desc_;
        next_desc_ = static_cast<uint16_t>((next_desc_ + 1) % layout_.size);
        const bool more = i + 1 < buffers.size() || last_has_next;
        const uint16_t flags =
            static_cast<uint16_t>((more ? kDescNext : 0) | (buffers[i].writable ? kDescWrite : 0));
        write_desc(index, buffers[i].gpa, buffers[i].len, flags, more ? next_desc_ : 0);
    }
    return head;
}

uint16_t TestDriver::add_chain(std::span<const TestBuffer> buffers) {
    const uint16_t head = write_direct(buffers, false);
    make_available(head);
    return head;
}

uint16_t TestDriver::add_indirect(uint64_t table_gpa, std::span<const TestBuffer> buffers) {
    return add_mixed({}, table_gpa, buffers);
}

uint16_t TestDriver::add_mixed(std::span<const TestBuffer> direct, uint64_t table_gpa,
                               std::span<const TestBuffer> indirect) {
    for (size_t i = 0; i < indirect.size(); ++i) {
        const bool more = i + 1 < indirect.size();
        const uint16_t flags =
            static_cast<uint16_t>((more ? kDescNext : 0) | (indirect[i].writable ? kDescWrite : 0));
        write_table_desc(table_gpa, static_cast<uint32_t>(i), indirect[i].gpa, indirect[i].len,
                         flags, more ? static_cast<uint16_t>(i + 1) : 0);
    }
    const uint16_t head = direct.empty() ? next_desc_ : write_direct(direct, true);
    const uint16_t index = next_desc_;
    next_desc_ = static_cast<uint16_t>((next_desc_ + 1) % layout_.size);
    write_desc(index, table_gpa, static_cast<uint32_t>(16 * indirect.size()), kDescIndirect, 0);
    make_available(head);
    return head;
}

void TestDriver::write_avail_ring(uint16_t slot, uint16_t head) {
    must(memory_.write_obj<uint16_t>(layout_.avail + 4 + 2ull * (slot % layout_.size), head));
}

void TestDriver::make_available(uint16_t head) {
    write_avail_ring(avail_idx_, head);
    set_avail_idx(static_cast<uint16_t>(avail_idx_ + 1));
}

void TestDriver::set_avail_idx(uint16_t idx) {
    avail_idx_ = idx;
    must(memory_.write_obj<uint16_t>(layout_.avail + 2, idx));
}

void TestDriver::set_avail_flags(uint16_t flags) {
    must(memory_.write_obj<uint16_t>(layout_.avail, flags));
}

void TestDriver::set_used_event(uint16_t idx) {
    must(memory_.write_obj<uint16_t>(layout_.avail + 4 + 2ull * layout_.size, idx));
}

uint16_t TestDriver::used_idx() const {
    return must(memory_.read_obj<uint16_t>(layout_.used + 2));
}

uint16_t TestDriver::used_flags() const {
    return must(memory_.read_obj<uint16_t>(layout_.used));
}

uint16_t TestDriver::avail_event() const {
    return must(memory_.read_obj<uint16_t>(layout_.used + 4 + 8ull * layout_.size));
}

UsedElem TestDriver::used_elem(uint16_t slot) const {
    return must(memory_.read_obj<UsedElem>(layout_.used + 4 + 8ull * (slot % layout_.size)));
}

std::optional<UsedElem> TestDriver::take_used() {
    if (used_idx() == last_used_) return std::nullopt;
    UsedElem elem = used_elem(last_used_);
    last_used_ = static_cast<uint16_t>(last_used_ + 1);
    return elem;
}

uint64_t TestDriver::alloc(uint32_t len) {
    const uint64_t gpa = data_next_;
    must(memory_.fill(gpa, 0, len));
    data_next_ = align_up(gpa + len, 16);
    return gpa;
}

uint64_t TestDriver::alloc_with(std::span<const uint8_t> bytes) {
    const uint64_t gpa = alloc(static_cast<uint32_t>(bytes.size()));
    must(memory_.write(gpa, bytes));
    return gpa;
}

}  // namespace svm::virtio::test
