// libFuzzer target: the I/O-port and MMIO bus (core/bus.h) with random device ranges and random
// accesses, against a reference model: add() accepts exactly the non-empty, non-overflowing,
// non-overlapping ranges; an access reaches the one device whose range holds all of it, at the
// right offset, and a device never sees an access past its range's end; everything else reads
// as all-ones and is counted, per address, exactly as unclaimed_accesses() reports it.
//
// Input: operations until the input ends:
//   0 ADDRESS, LENGTH, u8 device   add (device 255: a null device)
//   1 ADDRESS, u8 size code        read (1, 2, 4 or 8 bytes)
//   2 ADDRESS, u8 size code, u64   write
//   3                              compare unclaimed_accesses() and unclaimed_overflow()
// ADDRESS: u8 form, then 0: a u64; 1: a u16; 2: 2^64 - 1 - u16; 3: u8 range index and i8
// delta (near a range added before). LENGTH: u8 form, then 0: a u64; else a u16.
#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "core/bus.h"
#include "core/log.h"
#include "tests/fuzz/common/check.h"
#include "tests/fuzz/common/fuzz_input.h"

using namespace svm;

namespace {

constexpr size_t kSizes[] = {1, 2, 4, 8};

struct Access {
    bool is_write;
    uint64_t offset;
    size_t size;
};

// Records what it was asked; reads return offset-derived bytes.
class RecordingDevice final : public BusDevice {
public:
    explicit RecordingDevice(uint64_t length) : length_(length) {}
    void read(uint64_t offset, std::span<uint8_t> data) override {
        check(offset, data.size());
        last = Access{false, offset, data.size()};
        for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(offset + i);
    }
    void write(uint64_t offset, std::span<const uint8_t> data) override {
        check(offset, data.size());
        last = Access{true, offset, data.size()};
    }
    std::optional<Access> last;

private:
    void check(uint64_t offset, size_t size) const {
        FUZZ_CHECK(offset < length_ && size <= length_ - offset,
                   "device of length {:#x} got {} bytes at offset {:#x}", length_, size, offset);
    }
    uint64_t length_;
};

struct ModelRange {
    uint64_t base, length;
    std::shared_ptr<RecordingDevice> device;
};

struct Model {
    std::vector<ModelRange> ranges;
    std::map<uint64_t, UnclaimedAccess> unclaimed;  // the first kCounterSlots addresses seen
    uint64_t overflow = 0;

    const ModelRange* find(uint64_t addr, uint64_t size) const {
        for (const ModelRange& r : ranges) {
            uint64_t offset = addr - r.base;
            if (addr >= r.base && offset < r.length && size <= r.length - offset) return &r;
        }
        return nullptr;
    }
    bool accepts(uint64_t base, uint64_t length, bool device) const {
        if (length == 0 || base + length < base || !device) return false;
        for (const ModelRange& r : ranges)
            if (base < r.base + r.length && r.base < base + length) return false;
        return true;
    }
    void note_unclaimed(uint64_t addr, size_t size, bool is_write) {
        if (addr == ~0ull) return;  // the bus cannot count it (its slot key would be 0)
        auto it = unclaimed.find(addr);
        if (it == unclaimed.end()) {
            if (unclaimed.size() == Bus::kCounterSlots) {
                ++overflow;
                return;
            }
            it = unclaimed.emplace(addr, UnclaimedAccess{addr, 0, 0, 0}).first;
        }
        (is_write ? it->second.writes : it->second.reads)++;
        it->second.size = static_cast<uint8_t>(size);
    }
};

uint64_t read_address(fuzz::FuzzInput& in, const Model& model) {
    switch (in.u8() % 4) {
        case 0:
            return in.u64();
        case 1:
            return in.u16();
        case 2:
            return ~0ull - in.u16();
        default: {
            const uint8_t index = in.u8();
            const int8_t delta = static_cast<int8_t>(in.u8());
            if (model.ranges.empty()) return static_cast<uint64_t>(delta);
            const ModelRange& r = model.ranges[index % model.ranges.size()];
            return r.base + static_cast<uint64_t>(int64_t{delta});
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    log::g_level = log::Level::Error;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    Bus bus("fuzz bus");
    Model model;
    while (!in.empty()) {
        const int op = in.u8() % 4;
        switch (op) {
            case 0: {
                const uint64_t base = read_address(in, model);
                const uint64_t length = in.u8() % 2 == 0 ? in.u64() : in.u16();
                const bool null_device = in.u8() == 255;
                auto device = null_device ? nullptr : std::make_shared<RecordingDevice>(length);
                const bool expected = model.accepts(base, length, device != nullptr);
                const bool added = bus.add(base, length, device, "device").has_value();
                FUZZ_CHECK(added == expected, "add({:#x}, {:#x}) returned {}, expected {}", base,
                           length, added, expected);
                if (added) model.ranges.push_back({base, length, device});
                break;
            }
            case 1:
            case 2: {
                const bool is_write = op == 2;
                const uint64_t addr = read_address(in, model);
                const size_t n = kSizes[in.u8() % 4];
                std::vector<uint8_t> bytes(n, 0x5a);
                const uint64_t value = is_write ? in.u64() : 0;
                for (size_t i = 0; i < n; ++i) bytes[i] ^= static_cast<uint8_t>(value >> (8 * i));
                const ModelRange* target = model.find(addr, n);
                if (target) target->device->last.reset();
                const bool claimed = is_write ? bus.write(addr, bytes) : bus.read(addr, bytes);
                FUZZ_CHECK(claimed == (target != nullptr), "access at {:#x}+{} claimed {}", addr, n,
                           claimed);
                if (target) {
                    const auto& last = target->device->last;
                    FUZZ_CHECK(last && last->is_write == is_write &&
                                   last->offset == addr - target->base && last->size == n,
                               "the device at {:#x} did not see the access at {:#x}", target->base,
                               addr);
                } else {
                    model.note_unclaimed(addr, n, is_write);
                    if (!is_write)
                        FUZZ_CHECK(std::all_of(bytes.begin(), bytes.end(),
                                               [](uint8_t b) { return b == 0xff; }),
                                   "unclaimed read at {:#x} is not all-ones", addr);
                }
                break;
            }
            case 3: {
                std::vector<UnclaimedAccess> expected;
                for (const auto& [addr, access] : model.unclaimed) expected.push_back(access);
                std::sort(expected.begin(), expected.end(),
                          [](const UnclaimedAccess& a, const UnclaimedAccess& b) {
                              return a.total() != b.total() ? a.total() > b.total()
                                                            : a.addr < b.addr;
                          });
                auto actual = bus.unclaimed_accesses();
                FUZZ_CHECK(actual.size() == expected.size(), "{} unclaimed addresses, expected {}",
                           actual.size(), expected.size());
                for (size_t i = 0; i < actual.size(); ++i)
                    FUZZ_CHECK(actual[i].addr == expected[i].addr &&
                                   actual[i].reads == expected[i].reads &&
                                   actual[i].writes == expected[i].writes &&
                                   actual[i].size == expected[i].size,
                               "unclaimed entry {} differs ({:#x})", i, actual[i].addr);
                FUZZ_CHECK(bus.unclaimed_overflow() == model.overflow, "overflow {} != {}",
                           bus.unclaimed_overflow(), model.overflow);
                break;
            }
        }
    }
    return 0;
}
