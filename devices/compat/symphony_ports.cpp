#include "devices/compat/symphony_ports.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

namespace svm {

namespace {

enum Offset : uint64_t {
    kPrint8 = 0,       // 0xE9
    kPrintStr = 1,     // 0xEA
    kPrint32 = 2,      // 0xEB
    kNumExits = 3,     // 0xEC
    kExitsByType = 4,  // 0xED
    kTranslate = 5,    // 0xEE
    kResult = 6,       // 0xEF
};

// The value of an access: up to 4 little-endian bytes.
uint32_t value_of(std::span<const uint8_t> data) {
    uint32_t v = 0;
    std::memcpy(&v, data.data(), std::min<size_t>(data.size(), sizeof v));
    return v;
}

void store(std::span<uint8_t> data, uint64_t value) {
    std::fill(data.begin(), data.end(), 0);
    std::memcpy(data.data(), &value, std::min(data.size(), sizeof value));
}

}  // namespace

void SymphonyPorts::print(const std::string& text) {
    deps_.console(std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

void SymphonyPorts::read(uint64_t offset, std::span<uint8_t> data) {
    switch (offset) {
        case kPrint8:
            std::fill(data.begin(), data.end(), uint8_t{kBasePort});
            return;
        case kNumExits: {
            // Symphony answers with its exit count before counting this `in`.
            const uint64_t exits = deps_.io_exits();
            {
                std::lock_guard lock(mutex_);
                ++in_exits_;
            }
            store(data, static_cast<uint32_t>(exits));
            return;
        }
        case kExitsByType: {
            uint64_t in = 0;
            {
                std::lock_guard lock(mutex_);
                in = ++in_exits_;
            }
            const uint64_t total = deps_.io_exits();
            std::string text =
                fmt::format("IO in: {}\nIO out: {}\n", in, total > in ? total - in : 0);
            text.resize(std::min<size_t>(text.size(), 24));  // snprintf(buffer, 25, ...)
            store(data, deps_.publish_string(text));
            return;
        }
        case kResult: {
            uint32_t result = 0;
            {
                std::lock_guard lock(mutex_);
                ++in_exits_;
                result = translation_;
            }
            store(data, result);
            return;
        }
        default:
            std::fill(data.begin(), data.end(), offset < kPortCount ? 0 : 0xff);
            return;
    }
}

void SymphonyPorts::write(uint64_t offset, std::span<const uint8_t> data) {
    if (data.empty()) return;
    switch (offset) {
        case kPrint8:
            deps_.console(data);
            return;
        case kPrintStr:
            print(deps_.read_string(value_of(data), kMaxString));
            return;
        case kPrint32:
            print(fmt::format("{}\n", value_of(data)));
            return;
        case kTranslate: {
            std::optional<uint64_t> gpa = deps_.translate(value_of(data));
            if (!gpa) print("Invalid GVA\n");
            std::lock_guard lock(mutex_);
            translation_ = static_cast<uint32_t>(gpa.value_or(0));
            return;
        }
        default:
            return;
    }
}

}  // namespace svm
