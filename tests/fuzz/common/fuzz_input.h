// The byte format every svm fuzz target reads its input in, and the writer the seed generator
// (tests/fuzz/seeds/make_seeds.cpp) produces seeds with: little-endian integers read from the
// front, zeros once the input is exhausted. A target reads an operation byte, then that
// operation's arguments, until the input ends; so a mutation that flips one byte changes one
// operation, and a seed is a readable list of operations in make_seeds.cpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace svm::fuzz {

class FuzzInput {
public:
    FuzzInput(const uint8_t* data, size_t size) : data_(data, size) {}
    explicit FuzzInput(std::span<const uint8_t> data) : data_(data) {}

    bool empty() const { return data_.empty(); }
    size_t remaining() const { return data_.size(); }

    uint8_t u8() { return static_cast<uint8_t>(take(1)); }
    uint16_t u16() { return static_cast<uint16_t>(take(2)); }
    uint32_t u32() { return static_cast<uint32_t>(take(4)); }
    uint64_t u64() { return take(8); }
    bool flag() { return u8() & 1; }

    // Up to `n` bytes (fewer at the end of the input).
    std::span<const uint8_t> bytes(size_t n) {
        n = std::min(n, data_.size());
        auto out = data_.first(n);
        data_ = data_.subspan(n);
        return out;
    }
    // A length byte, then that many bytes (at most `max`).
    std::span<const uint8_t> sized_bytes(size_t max = 255) { return bytes(u8() % (max + 1)); }
    std::string sized_string(size_t max = 255) {
        auto b = sized_bytes(max);
        return std::string(b.begin(), b.end());
    }
    // Everything that is left.
    std::span<const uint8_t> rest() { return bytes(data_.size()); }

private:
    uint64_t take(size_t n) {
        uint64_t value = 0;
        for (size_t i = 0; i < n && !data_.empty(); ++i) {
            value |= uint64_t{data_[0]} << (8 * i);
            data_ = data_.subspan(1);
        }
        return value;
    }

    std::span<const uint8_t> data_;
};

// Builds inputs in FuzzInput's format.
class FuzzWriter {
public:
    FuzzWriter& u8(uint8_t v) { return put(v, 1); }
    FuzzWriter& u16(uint16_t v) { return put(v, 2); }
    FuzzWriter& u32(uint32_t v) { return put(v, 4); }
    FuzzWriter& u64(uint64_t v) { return put(v, 8); }
    FuzzWriter& bytes(std::span<const uint8_t> b) {
        out_.insert(out_.end(), b.begin(), b.end());
        return *this;
    }
    FuzzWriter& sized_bytes(std::span<const uint8_t> b) {
        u8(static_cast<uint8_t>(b.size()));
        return bytes(b);
    }
    FuzzWriter& sized_string(std::string_view s) {
        return sized_bytes(std::span(reinterpret_cast<const uint8_t*>(s.data()), s.size()));
    }
    const std::vector<uint8_t>& data() const { return out_; }

private:
    FuzzWriter& put(uint64_t v, size_t n) {
        for (size_t i = 0; i < n; ++i) out_.push_back(static_cast<uint8_t>(v >> (8 * i)));
        return *this;
    }
    std::vector<uint8_t> out_;
};

}  // namespace svm::fuzz
