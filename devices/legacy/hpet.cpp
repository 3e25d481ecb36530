// HPET register model (IA-PC HPET Specification 1.0a, section 2.3 "Register Descriptions").
#include "devices/legacy/hpet.h"

#include <algorithm>
#include <limits>
#include <utility>

namespace svm {
namespace {

constexpr uint64_t kCapabilities = 0x000;
constexpr uint64_t kConfiguration = 0x010;
constexpr uint64_t kInterruptStatus = 0x020;
constexpr uint64_t kMainCounter = 0x0f0;
constexpr uint64_t kTimersBase = 0x100;
constexpr uint64_t kTimerStride = 0x20;
constexpr uint64_t kTimerConfig = 0x00;
constexpr uint64_t kTimerComparator = 0x08;

constexpr uint64_t kEnableCnf = 1u << 0;
constexpr uint64_t kLegRtCnf = 1u << 1;

constexpr uint64_t kRevId = 1;
constexpr uint64_t kCountSizeCap = 1u << 13;
constexpr uint64_t kLegRtCap = 1u << 15;
constexpr uint64_t kVendorIntel = 0x8086;

constexpr uint64_t kTnIntTypeLevel = 1u << 1;
constexpr uint64_t kTnIntEnb = 1u << 2;
constexpr uint64_t kTnTypePeriodic = 1u << 3;
constexpr uint64_t kTnPerIntCap = 1u << 4;
constexpr uint64_t kTnSizeCap = 1u << 5;
constexpr uint64_t kTnValSet = 1u << 6;
constexpr uint64_t kTn32Mode = 1u << 8;
constexpr unsigned kTnRouteShift = 9;
constexpr uint64_t kTnRouteMask = 0x1full << kTnRouteShift;
constexpr uint64_t kTnWritable =
    kTnIntTypeLevel | kTnIntEnb | kTnTypePeriodic | kTnValSet | kTn32Mode | kTnRouteMask;

constexpr uint64_t kFsPerNs = 1'000'000;

uint64_t merge(uint64_t old_value, uint64_t value, uint64_t lanes) {
    return (old_value & ~lanes) | (value & lanes);
}

}  // namespace

Hpet::Hpet(Config config, std::function<uint64_t()> clock_ns, IrqOut irq,
           std::function<void()> on_reprogram)
    : config_(config),
      clock_ns_(std::move(clock_ns)),
      irq_(std::move(irq)),
      on_reprogram_(std::move(on_reprogram)),
      timers_(static_cast<size_t>(std::clamp(config.timers, 1, kMaxTimers))) {}

uint64_t Hpet::counter_locked(uint64_t now) const {
    if (!enabled_) return counter_base_;
    auto elapsed = static_cast<unsigned __int128>(now - base_ns_);
    return counter_base_ + static_cast<uint64_t>(elapsed * kFsPerNs / config_.period_fs);
}

void Hpet::read(uint64_t offset, std::span<uint8_t> data) {
    std::lock_guard lock(mutex_);
    advance_locked(clock_ns_());
    for (size_t i = 0; i < data.size();) {
        uint64_t at = offset + i;
        uint64_t reg = at & ~7ull;
        uint64_t value = read_register_locked(reg);
        for (; i < data.size() && ((offset + i) & ~7ull) == reg; ++i)
            data[i] = static_cast<uint8_t>(value >> (8 * ((offset + i) & 7)));
    }
}

void Hpet::write(uint64_t offset, std::span<const uint8_t> data) {
    {
        std::lock_guard lock(mutex_);
        uint64_t now = clock_ns_();
        // Matches up to now happen before the write changes anything (a comparator written
        // behind the counter must not fire for the past).
        advance_locked(now);
        for (size_t i = 0; i < data.size();) {
            uint64_t reg = (offset + i) & ~7ull;
            uint64_t value = 0, lanes = 0;
            for (; i < data.size() && ((offset + i) & ~7ull) == reg; ++i) {
                unsigned shift = static_cast<unsigned>(8 * ((offset + i) & 7));
                value |= uint64_t{data[i]} << shift;
                lanes |= 0xffull << shift;
            }
            write_register_locked(reg, value, lanes, now);
        }
        update_lines_locked();
    }
    if (on_reprogram_) on_reprogram_();
}

uint64_t Hpet::read_register_locked(uint64_t reg) {
    switch (reg) {
        case kCapabilities:
            return kRevId | (uint64_t(timers_.size() - 1) << 8) | kCountSizeCap | kLegRtCap |
                   (kVendorIntel << 16) | (config_.period_fs << 32);
        case kConfiguration:
            return (enabled_ ? kEnableCnf : 0) | (legacy_ ? kLegRtCnf : 0);
        case kInterruptStatus:
            return status_;
        case kMainCounter:
            return last_counter_;  // advance_locked just brought it to now
    }
    if (reg >= kTimersBase && reg < kTimersBase + kTimerStride * timers_.size()) {
        const Timer& t = timers_[(reg - kTimersBase) / kTimerStride];
        switch ((reg - kTimersBase) % kTimerStride) {
            case kTimerConfig:
                return t.config | kTnPerIntCap | kTnSizeCap | (uint64_t{config_.route_cap} << 32);
            case kTimerComparator:
                return t.comparator;
        }
    }
    return 0;
}

void Hpet::write_register_locked(uint64_t reg, uint64_t value, uint64_t lanes, uint64_t now) {
    switch (reg) {
        case kCapabilities:
            return;  // read-only
        case kConfiguration: {
            uint64_t v = merge(enabled_ ? kEnableCnf : 0, value, lanes);
            bool enable = (v & kEnableCnf) != 0;
            if (enable && !enabled_) {
                base_ns_ = now;  // counter_base_ holds the halted value
                last_counter_ = counter_base_;
            } else if (!enable && enabled_) {
                counter_base_ = counter_locked(now);
                last_counter_ = counter_base_;
            }
            enabled_ = enable;
            if (lanes & 0xff) legacy_ = (value & kLegRtCnf) != 0;
            return;
        }
        case kInterruptStatus:
            status_ &= ~static_cast<uint32_t>(value & lanes);  // write-1-to-clear (2.3.6)
            return;
        case kMainCounter:
            // Software must halt the counter before writing it (2.3.7); a write while it runs
            // is ignored.
            if (!enabled_) {
                counter_base_ = merge(counter_base_, value, lanes);
                last_counter_ = counter_base_;
            }
            return;
    }
    if (reg >= kTimersBase && reg < kTimersBase + kTimerStride * timers_.size()) {
        size_t index = (reg - kTimersBase) / kTimerStride;
        Timer& t = timers_[index];
        switch ((reg - kTimersBase) % kTimerStride) {
            case kTimerConfig:
                write_timer_config_locked(t, value, lanes);
                // An edge-triggered timer has no status bit (2.3.6).
                if (!(t.config & kTnIntTypeLevel)) status_ &= ~(1u << index);
                return;
            case kTimerComparator:
                write_comparator_locked(t, value, lanes);
                return;
        }
    }
}

void Hpet::write_timer_config_locked(Timer& t, uint64_t value, uint64_t lanes) {
    uint64_t v = merge(t.config, value, lanes & 0xffffffffull);
    uint64_t route = (v & kTnRouteMask) >> kTnRouteShift;
    // An unsupported route is not taken; software detects it by reading back (2.3.8).
    if (!(config_.route_cap & (1u << route))) v = (v & ~kTnRouteMask) | (t.config & kTnRouteMask);
    t.config = v & kTnWritable;
    if (t.config & kTn32Mode) {
        t.comparator &= 0xffffffffull;
        t.period &= 0xffffffffull;
    }
}

void Hpet::write_comparator_locked(Timer& t, uint64_t value, uint64_t lanes) {
    bool periodic = (t.config & kTnTypePeriodic) != 0;
    if (!periodic || (t.config & kTnValSet)) t.comparator = merge(t.comparator, value, lanes);
    if (periodic) t.period = merge(t.period, value, lanes);
    t.config &= ~kTnValSet;
    if (t.config & kTn32Mode) {
        t.comparator &= 0xffffffffull;
        t.period &= 0xffffffffull;
    }
}

void Hpet::advance_locked(uint64_t now) {
    uint64_t c = counter_locked(now);
    if (enabled_ && c != last_counter_) {
        uint64_t span = c - last_counter_;
        for (size_t i = 0; i < timers_.size(); ++i) {
            Timer& t = timers_[i];
            bool narrow = (t.config & kTn32Mode) != 0;
            uint64_t mask = narrow ? 0xffffffffull : ~0ull;
            // Ticks from the last evaluation to the comparator, in the timer's width: the
            // comparator was passed if it lies in (last, c].
            uint64_t distance = (t.comparator - last_counter_) & mask;
            bool passed = (distance != 0 && distance <= span) || (narrow && span > mask);
            if (!passed) continue;
            if ((t.config & kTnTypePeriodic) && t.period != 0) {
                uint64_t behind = (c - t.comparator) & mask;  // how far c is past the match
                uint64_t periods = behind / t.period + 1;
                t.comparator = (t.comparator + periods * t.period) & mask;
            }
            fire_locked(static_cast<int>(i));
        }
    }
    last_counter_ = c;
}

void Hpet::fire_locked(int index) {
    const Timer& t = timers_[static_cast<size_t>(index)];
    if (!(t.config & kTnIntEnb)) return;
    if (t.config & kTnIntTypeLevel) {
        status_ |= 1u << index;  // the line follows in update_lines_locked()
        return;
    }
    int line = line_locked(index);
    // A pulse on a line a level-triggered timer holds high would not be seen anyway.
    if (line < 0 || (driven_ & (1u << line))) return;
    irq_(static_cast<uint32_t>(line), true);
    irq_(static_cast<uint32_t>(line), false);
}

int Hpet::line_locked(int index) const {
    if (legacy_ && index == 0) return static_cast<int>(config_.legacy_irq0);
    if (legacy_ && index == 1) return static_cast<int>(config_.legacy_irq1);
    uint64_t route = (timers_[static_cast<size_t>(index)].config & kTnRouteMask) >> kTnRouteShift;
    return (config_.route_cap & (1u << route)) ? static_cast<int>(route) : -1;
}

void Hpet::update_lines_locked() {
    uint32_t want = 0;
    for (size_t i = 0; i < timers_.size(); ++i) {
        const Timer& t = timers_[i];
        if (!enabled_ || !(status_ & (1u << i)) || !(t.config & kTnIntEnb) ||
            !(t.config & kTnIntTypeLevel))
            continue;
        int line = line_locked(static_cast<int>(i));
        if (line >= 0 && line < 32) want |= 1u << line;
    }
    for (uint32_t line = 0; line < 32; ++line) {
        uint32_t bit = 1u << line;
        if ((want & bit) != (driven_ & bit)) irq_(line, (want & bit) != 0);
    }
    driven_ = want;
}

void Hpet::tick() {
    std::lock_guard lock(mutex_);
    advance_locked(clock_ns_());
    update_lines_locked();
}

std::optional<uint64_t> Hpet::next_deadline_ns() {
    std::lock_guard lock(mutex_);
    uint64_t now = clock_ns_();
    advance_locked(now);
    update_lines_locked();
    if (!enabled_) return std::nullopt;
    std::optional<uint64_t> best;
    for (const Timer& t : timers_) {
        if (!(t.config & kTnIntEnb)) continue;
        uint64_t mask = (t.config & kTn32Mode) ? 0xffffffffull : ~0ull;
        uint64_t distance = (t.comparator - last_counter_) & mask;
        if (distance == 0) {
            if (mask == ~0ull) continue;  // a 64-bit counter will not come round again
            distance = mask;
        }
        // Round up so the thread wakes at or after the match, never just before it.
        auto ns = (static_cast<unsigned __int128>(distance) * config_.period_fs + kFsPerNs - 1) /
                  kFsPerNs;
        unsigned __int128 at = ns + now;
        // Beyond the clock's range (a 64-bit comparator behind the counter): never, in practice.
        if (at > std::numeric_limits<uint64_t>::max()) continue;
        auto deadline = static_cast<uint64_t>(at);
        if (!best || deadline < *best) best = deadline;
    }
    return best;
}

}  // namespace svm
