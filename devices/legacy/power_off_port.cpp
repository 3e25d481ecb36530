// PM1_CNT soft-off (ACPI 6.4, 4.8.3.2.1 and 16.1.7).
#include "devices/legacy/power_off_port.h"

#include <utility>

namespace svm {
namespace {

// Bits a guest may change: BM_RLD (1), GBL_RLS (2, write-only on hardware but harmless), SLP_TYP.
constexpr uint16_t kWritable = 0x0006 | PowerOffPort::kSlpTypMask;

}  // namespace

PowerOffPort::PowerOffPort(std::optional<uint8_t> s5_type, std::function<void()> power_off)
    : s5_type_(s5_type), power_off_(std::move(power_off)) {}

void PowerOffPort::read(uint64_t offset, std::span<uint8_t> data) {
    uint16_t v = value();
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t at = offset + i;
        data[i] = at < kSize ? static_cast<uint8_t>(v >> (8 * at)) : 0xff;
    }
}

void PowerOffPort::write(uint64_t offset, std::span<const uint8_t> data) {
    uint16_t v = value();
    bool touched = false;
    for (size_t i = 0; i < data.size(); ++i) {
        uint64_t at = offset + i;
        if (at >= kSize) break;
        unsigned shift = static_cast<unsigned>(8 * at);
        v = static_cast<uint16_t>((v & ~(0xffu << shift)) | (unsigned{data[i]} << shift));
        touched = true;
    }
    if (touched) write_value(v);
}

bool PowerOffPort::write_value(uint16_t value) {
    bool off = false;
    {
        std::lock_guard lock(mutex_);
        control_ = static_cast<uint16_t>(kSciEn | (value & kWritable));
        if (value & kSlpEn) {
            auto type = static_cast<uint8_t>((value & kSlpTypMask) >> kSlpTypShift);
            off = !s5_type_ || type == *s5_type_;
        }
    }
    if (off && power_off_) power_off_();
    return off;
}

uint16_t PowerOffPort::value() const {
    std::lock_guard lock(mutex_);
    return control_;
}

}  // namespace svm
