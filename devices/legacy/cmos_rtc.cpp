// MC146818A registers and update cycle (datasheet sections "Address Map", "Time, Calendar and
// Alarm Locations", "Registers", "Update Cycle", "Interrupts"); CMOS layout from the OSDev wiki
// "CMOS" and the IBM PC/AT Technical Reference's CMOS RAM address map.
#include "devices/legacy/cmos_rtc.h"

#include <algorithm>
#include <ctime>
#include <utility>

namespace svm {
namespace {

constexpr int64_t kNsPerSecond = 1'000'000'000;
// The times a guest may set: 1900-01-01 00:00:00 to 2199-12-31 23:59:59 UTC. The registers can
// name years 0-16599 (BCD digits up to 15, binary up to 255), but RTC time is kept in int64
// nanoseconds, which span only 1677-2262; clamping keeps every sum and product below in range.
constexpr int64_t kMinSeconds = -2'208'988'800;
constexpr int64_t kMaxSeconds = 7'258'118'399;

// Register indices.
constexpr uint8_t kSeconds = 0x00;
constexpr uint8_t kSecondsAlarm = 0x01;
constexpr uint8_t kMinutes = 0x02;
constexpr uint8_t kMinutesAlarm = 0x03;
constexpr uint8_t kHours = 0x04;
constexpr uint8_t kHoursAlarm = 0x05;
constexpr uint8_t kWeekday = 0x06;
constexpr uint8_t kDay = 0x07;
constexpr uint8_t kMonth = 0x08;
constexpr uint8_t kYear = 0x09;
constexpr uint8_t kStatusA = 0x0a;
constexpr uint8_t kStatusB = 0x0b;
constexpr uint8_t kStatusC = 0x0c;
constexpr uint8_t kStatusD = 0x0d;
constexpr uint8_t kCentury = 0x32;  // the FADT's CENTURY field names it (IBM PS/2 location)

// Status A: bit 7 UIP, bits 6:4 divider (010 = 32.768 kHz time base, running), 3:0 rate.
constexpr uint8_t kUip = 0x80;
constexpr uint8_t kDefaultStatusA = 0x26;  // 32.768 kHz, 1024 Hz periodic rate
// Status B.
constexpr uint8_t kSet = 0x80;
constexpr uint8_t kPie = 0x40;
constexpr uint8_t kAie = 0x20;
constexpr uint8_t kUie = 0x10;
constexpr uint8_t kBinary = 0x04;  // DM: 1 = binary, 0 = BCD
constexpr uint8_t k24Hour = 0x02;
constexpr uint8_t kDefaultStatusB = k24Hour;  // BCD, 24-hour, as PC firmware leaves it
// Status C: IRQF and the three flags (same bit positions as their enables in B).
constexpr uint8_t kIrqf = 0x80;
constexpr uint8_t kFlagMask = kPie | kAie | kUie;
// Status D: VRT (valid RAM and time; the battery is good).
constexpr uint8_t kVrt = 0x80;
// Alarm registers: a value with both top bits set matches every value ("don't care").
constexpr uint8_t kDontCare = 0xc0;

int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

// floor(a / b) and ceil(a / b) for b > 0, on the 128-bit products of the periodic-interrupt
// arithmetic. C++ division truncates toward zero, which rounds the wrong way for RTC times before
// 1970 (the guest may set any year from 1900): periodic ticks would come one period late there.
__int128 floor_div(__int128 a, __int128 b) {
    __int128 q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}
__int128 ceil_div(__int128 a, __int128 b) {
    __int128 q = a / b;
    return (a % b != 0 && a > 0) ? q + 1 : q;
}

}  // namespace

CmosRtc::CmosRtc(Options options) : options_(std::move(options)) {
    ram_[kStatusA] = kDefaultStatusA;
    ram_[kStatusB] = kDefaultStatusB;
    // Memory sizes in KiB (IBM PC/AT CMOS map): base memory (0x15/0x16), extended memory above
    // 1 MiB (0x17/0x18, copied at 0x30/0x31), both capped at 0xFFFF; and QEMU's RAM above 16 MiB
    // in 64 KiB blocks (0x34/0x35), which SeaBIOS and kernels written on QEMU read. svm's RAM
    // ends below 4 GiB (Machine::kMaxMemory), so QEMU's above-4-GiB bytes (0x5B-0x5D) stay 0.
    const uint64_t kib = options_.memory_size / 1024;
    const uint16_t base = 640;
    const uint16_t extended =
        static_cast<uint16_t>(std::min<uint64_t>(kib > 1024 ? kib - 1024 : 0, 0xffff));
    const uint64_t above16 =
        options_.memory_size > (16ull << 20) ? (options_.memory_size - (16ull << 20)) >> 16 : 0;
    const uint16_t blocks = static_cast<uint16_t>(std::min<uint64_t>(above16, 0xffff));
    auto put16 = [this](uint8_t at, uint16_t v) {
        ram_[at] = static_cast<uint8_t>(v);
        ram_[at + 1] = static_cast<uint8_t>(v >> 8);
    };
    put16(0x15, base);
    put16(0x17, extended);
    put16(0x30, extended);
    put16(0x34, blocks);
    // 0x10 floppy types, 0x12 hard disk types, 0x14 equipment byte: none (all zero).
    // The checksum over 0x10-0x2D, stored big-endian at 0x2E/0x2F.
    uint16_t sum = 0;
    for (int i = 0x10; i <= 0x2d; ++i) sum = static_cast<uint16_t>(sum + ram_[i]);
    ram_[0x2e] = static_cast<uint8_t>(sum >> 8);
    ram_[0x2f] = static_cast<uint8_t>(sum);
    last_ns_ = options_.clock ? options_.clock() : 0;
}

void CmosRtc::read(uint64_t offset, std::span<uint8_t> data) {
    bool rescheduled = false;
    {
        std::lock_guard lock(mutex_);
        int64_t now = now_locked();
        advance_locked(now);
        for (size_t i = 0; i < data.size(); ++i) {
            if (offset + i == kDataOffset) {
                data[i] = read_register_locked(index_, now);
                if (index_ == kStatusC) rescheduled = true;
            } else {
                data[i] = 0xff;  // the index register is write-only
            }
        }
        update_irq_locked();
    }
    if (rescheduled && options_.schedule_changed) options_.schedule_changed();
}

void CmosRtc::write(uint64_t offset, std::span<const uint8_t> data) {
    bool rescheduled = false;
    {
        std::lock_guard lock(mutex_);
        int64_t now = now_locked();
        advance_locked(now);
        for (size_t i = 0; i < data.size(); ++i) {
            if (offset + i == kIndexOffset) {
                nmi_disabled_ = (data[i] & 0x80) != 0;
                index_ = data[i] & 0x7f;
            } else if (offset + i == kDataOffset) {
                rescheduled |= write_register_locked(index_, data[i], now);
            }
        }
        update_irq_locked();
    }
    if (rescheduled && options_.schedule_changed) options_.schedule_changed();
}

void CmosRtc::tick() {
    std::lock_guard lock(mutex_);
    advance_locked(now_locked());
    update_irq_locked();
}

std::optional<int64_t> CmosRtc::next_event() const {
    std::lock_guard lock(mutex_);
    // While IRQ 8 is asserted nothing new can reach the guest until it reads status C (which
    // reschedules); flags that come due meanwhile are raised lazily by the next access.
    if (irq_level_) return std::nullopt;
    const uint8_t b = ram_[kStatusB];
    const int64_t now = now_locked();
    std::optional<int64_t> next;
    if (b & kPie) {
        if (uint64_t hz = periodic_hz_locked()) {
            // The first tick boundary after `now`: boundaries are at k / hz seconds.
            __int128 k = floor_div(static_cast<__int128>(now) * hz, __int128{kNsPerSecond}) + 1;
            __int128 at = ceil_div(k * kNsPerSecond, static_cast<__int128>(hz));
            next = static_cast<int64_t>(at);
        }
    }
    if ((b & (kUie | kAie)) && !(b & kSet)) {
        int64_t second = (floor_div(now, kNsPerSecond) + 1) * kNsPerSecond;
        next = next ? std::min(*next, second) : second;
    }
    if (!next) return std::nullopt;
    return *next - offset_ns_;
}

bool CmosRtc::nmi_disabled() const {
    std::lock_guard lock(mutex_);
    return nmi_disabled_;
}

uint8_t CmosRtc::peek(uint8_t index) const {
    std::lock_guard lock(mutex_);
    return ram_[index & 0x7f];
}

int64_t CmosRtc::now_locked() const {
    return (options_.clock ? options_.clock() : 0) + offset_ns_;
}

uint64_t CmosRtc::periodic_hz_locked() const {
    // Datasheet table "Periodic Interrupt Rate and Square-Wave Output Frequency" for a 32.768 kHz
    // time base: rates 1 and 2 give 256 Hz and 128 Hz, rates 3-15 give 32768 >> (rate - 1).
    uint8_t rate = ram_[kStatusA] & 0x0f;
    if (rate == 0) return 0;
    if (rate == 1) return 256;
    if (rate == 2) return 128;
    return 32768u >> (rate - 1);
}

void CmosRtc::advance_locked(int64_t now) {
    if (now <= last_ns_) {
        // The host clock stepped back (or the guest set an earlier time): start counting anew.
        last_ns_ = now;
        return;
    }
    if (uint64_t hz = periodic_hz_locked()) {
        auto ticks = [hz](int64_t t) {
            return floor_div(static_cast<__int128>(t) * hz, __int128{kNsPerSecond});
        };
        if (ticks(now) != ticks(last_ns_)) flags_ |= kPie;
    }
    if (!(ram_[kStatusB] & kSet)) {
        int64_t first = floor_div(last_ns_, kNsPerSecond) + 1;  // seconds whose update happened
        int64_t last = floor_div(now, kNsPerSecond);
        if (last >= first) {
            flags_ |= kUie;
            // The alarm repeats at most daily, so one day of updates covers any longer gap.
            for (int64_t s = std::max(first, last - 86399); s <= last; ++s) {
                if (alarm_matches_locked(s)) {
                    flags_ |= kAie;
                    break;
                }
            }
        }
    }
    last_ns_ = now;
}

bool CmosRtc::alarm_matches_locked(int64_t second) const {
    Fields f = fields_at(second);
    auto match = [](uint8_t alarm, uint8_t value) {
        return (alarm & kDontCare) == kDontCare || alarm == value;
    };
    return match(ram_[kSecondsAlarm], encode_locked(f.second)) &&
           match(ram_[kMinutesAlarm], encode_locked(f.minute)) &&
           match(ram_[kHoursAlarm], encode_hour_locked(f.hour));
}

void CmosRtc::update_irq_locked() {
    bool level = (flags_ & ram_[kStatusB] & kFlagMask) != 0;
    if (level == irq_level_) return;
    irq_level_ = level;
    if (options_.irq) options_.irq(level);
}

CmosRtc::Fields CmosRtc::fields_at(int64_t second) {
    time_t t = static_cast<time_t>(second);
    struct tm tm {};
    gmtime_r(&t, &tm);
    return Fields{tm.tm_sec,     tm.tm_min,         tm.tm_hour,    tm.tm_mday,
                  tm.tm_mon + 1, tm.tm_year + 1900, tm.tm_wday + 1};
}

int64_t CmosRtc::seconds_of(const Fields& f) {
    struct tm tm {};
    tm.tm_sec = f.second;
    tm.tm_min = f.minute;
    tm.tm_hour = f.hour;
    tm.tm_mday = f.day;
    tm.tm_mon = f.month - 1;
    tm.tm_year = f.year - 1900;
    // timegm normalises out-of-range guest values (month 15, day 0).
    return std::clamp(static_cast<int64_t>(timegm(&tm)), kMinSeconds, kMaxSeconds);
}

CmosRtc::Fields CmosRtc::current_fields_locked(int64_t now) const {
    if (ram_[kStatusB] & kSet) {
        Fields f = frozen_;
        f.weekday = fields_at(seconds_of(frozen_)).weekday;
        return f;
    }
    return fields_at(floor_div(now, kNsPerSecond));
}

uint8_t CmosRtc::encode_locked(int value) const {
    if (ram_[kStatusB] & kBinary) return static_cast<uint8_t>(value);
    return static_cast<uint8_t>(((value / 10) << 4) | (value % 10));
}

int CmosRtc::decode_locked(uint8_t value) const {
    if (ram_[kStatusB] & kBinary) return value;
    return (value >> 4) * 10 + (value & 0x0f);
}

uint8_t CmosRtc::encode_hour_locked(int hour) const {
    if (ram_[kStatusB] & k24Hour) return encode_locked(hour);
    // 12-hour mode: 1-12 with bit 7 = PM; midnight is 12 AM, noon is 12 PM.
    int h12 = hour % 12 == 0 ? 12 : hour % 12;
    return static_cast<uint8_t>(encode_locked(h12) | (hour >= 12 ? 0x80 : 0));
}

int CmosRtc::decode_hour_locked(uint8_t value) const {
    if (ram_[kStatusB] & k24Hour) return decode_locked(value);
    int h12 = decode_locked(value & 0x7f);
    return h12 % 12 + ((value & 0x80) ? 12 : 0);
}

uint8_t CmosRtc::read_register_locked(uint8_t index, int64_t now) {
    switch (index) {
        case kSeconds:
        case kMinutes:
        case kHours:
        case kWeekday:
        case kDay:
        case kMonth:
        case kYear:
        case kCentury: {
            // During the 244 us of UIP the registers still hold the previous second: the update
            // itself is instantaneous at the second boundary, so a read is always consistent.
            Fields f = current_fields_locked(now);
            switch (index) {
                case kSeconds:
                    return encode_locked(f.second);
                case kMinutes:
                    return encode_locked(f.minute);
                case kHours:
                    return encode_hour_locked(f.hour);
                case kWeekday:
                    return encode_locked(f.weekday);
                case kDay:
                    return encode_locked(f.day);
                case kMonth:
                    return encode_locked(f.month);
                case kYear:
                    return encode_locked(f.year % 100);
                default:
                    return encode_locked(f.year / 100);
            }
        }
        case kStatusA: {
            uint8_t a = ram_[kStatusA] & 0x7f;
            int64_t into_second = now - floor_div(now, kNsPerSecond) * kNsPerSecond;
            // SET inhibits updates, and with them UIP (datasheet, register B bit 7).
            if (!(ram_[kStatusB] & kSet) && into_second >= kNsPerSecond - kUipNanoseconds)
                a |= kUip;
            return a;
        }
        case kStatusC: {
            // Reading C returns and clears the flags, which releases IRQ 8 (datasheet, register C).
            uint8_t c = flags_;
            if (flags_ & ram_[kStatusB] & kFlagMask) c |= kIrqf;
            flags_ = 0;
            return c;
        }
        case kStatusD:
            return kVrt;
        default:
            return ram_[index];
    }
}

bool CmosRtc::write_register_locked(uint8_t index, uint8_t value, int64_t now) {
    switch (index) {
        case kSeconds:
        case kMinutes:
        case kHours:
        case kWeekday:
        case kDay:
        case kMonth:
        case kYear:
        case kCentury:
            write_time_field_locked(index, value, now);
            return true;
        case kStatusA:
            ram_[kStatusA] = value & 0x7f;  // UIP is read-only
            return true;
        case kStatusB: {
            uint8_t old = ram_[kStatusB];
            if (value & kSet) value &= static_cast<uint8_t>(~kUie);  // SET clears UIE
            if (!(old & kSet) && (value & kSet)) {
                frozen_ = fields_at(floor_div(now, kNsPerSecond));
            } else if ((old & kSet) && !(value & kSet)) {
                // The divider chain restarts at the new time: the next update is 1 s later.
                offset_ns_ = seconds_of(frozen_) * kNsPerSecond - (now - offset_ns_);
                last_ns_ = seconds_of(frozen_) * kNsPerSecond;
            }
            ram_[kStatusB] = value;
            return true;
        }
        case kStatusC:
        case kStatusD:
            return false;  // read-only
        default:
            ram_[index] = value;
            return false;
    }
}

void CmosRtc::write_time_field_locked(uint8_t index, uint8_t value, int64_t now) {
    Fields f = current_fields_locked(now);
    switch (index) {
        case kSeconds:
            f.second = decode_locked(value);
            break;
        case kMinutes:
            f.minute = decode_locked(value);
            break;
        case kHours:
            f.hour = decode_hour_locked(value);
            break;
        case kWeekday:
            return;  // derived from the date
        case kDay:
            f.day = decode_locked(value);
            break;
        case kMonth:
            f.month = decode_locked(value);
            break;
        case kYear:
            f.year = f.year / 100 * 100 + decode_locked(value);
            break;
        default:
            f.year = decode_locked(value) * 100 + f.year % 100;
            break;  // century
    }
    if (ram_[kStatusB] & kSet) {
        frozen_ = f;
        return;
    }
    // Running: move the clock to the new time, keeping the position within the second. The
    // jump itself (up to 300 years) does not fit in int64 nanoseconds; `x - now` is small.
    int64_t target =
        seconds_of(f) * kNsPerSecond + (now - floor_div(now, kNsPerSecond) * kNsPerSecond);
    offset_ns_ = (offset_ns_ - now) + target;
    last_ns_ = (last_ns_ - now) + target;
}

}  // namespace svm
