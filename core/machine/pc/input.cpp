// The input device family (see core/machine/device_context.h): the i8042 PS/2 controller with a
// keyboard and a mouse at 0x60/0x64 (IRQ 1 and 12), --stdin keyboard, and the CMOS/RTC at
// 0x70/0x71 (IRQ 8) with its timer thread. Register-level behaviour: docs/devices.md, "PS/2
// controller (i8042)" and "CMOS and RTC".
#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <vector>

#include "core/log.h"
#include "core/machine/device_context.h"
#include "core/machine/machine_table.h"
#include "core/machine/pc/input_rtc_timer.h"
#include "core/machine/pc/pc_layout.h"
#include "devices/legacy/cmos_rtc.h"
#include "devices/legacy/hpet.h"
#include "devices/legacy/i8042.h"
#include "devices/legacy/scancode_ascii.h"

namespace svm {
namespace {

// Presents one register of a device at offset 0 of its own bus range: the i8042 decodes offsets
// 0 and 4 (ports 0x60 and 0x64), and svm registers only those two ports, so 0x61-0x63 (port B,
// handled by KVM's in-kernel PIT) stay unclaimed.
class ShiftedRegister final : public BusDevice {
public:
    ShiftedRegister(std::shared_ptr<BusDevice> device, uint64_t offset)
        : device_(std::move(device)), offset_(offset) {}
    void read(uint64_t offset, std::span<uint8_t> data) override {
        device_->read(offset_ + offset, data);
    }
    void write(uint64_t offset, std::span<const uint8_t> data) override {
        device_->write(offset_ + offset, data);
    }

private:
    std::shared_ptr<BusDevice> device_;
    uint64_t offset_;
};

// The RTC's clock: the host's time in nanoseconds since the epoch, in UTC or (with
// --rtc localtime) shifted by the host's current UTC offset, as a PC whose CMOS clock keeps local
// time (Windows' convention) shows it.
CmosRtc::Clock host_clock(bool localtime) {
    return [localtime] {
        using namespace std::chrono;
        int64_t ns = duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
        if (localtime) {
            time_t seconds = static_cast<time_t>(ns / 1'000'000'000);
            struct tm tm {};
            localtime_r(&seconds, &tm);
            ns += static_cast<int64_t>(tm.tm_gmtoff) * 1'000'000'000;
        }
        return ns;
    };
}

Result<void> add_i8042(DeviceContext& ctx, PcDevices& out) {
    auto i8042 = std::make_shared<I8042>(I8042::Callbacks{
        [set_irq = ctx.set_irq](bool level) { set_irq(pc::kIrqKeyboard, level); },
        [set_irq = ctx.set_irq](bool level) { set_irq(pc::kIrqMouse, level); },
        [stop = ctx.stop](uint8_t command) {
            stop(RunOutcome{
                RunOutcome::Kind::Reset, exit_code::kReset,
                fmt::format("guest requested a reset (i8042 command 0x{:02X})", command), ""});
        },
    });
    TRY(ctx.io_bus.add(pc::kI8042Data, 1, i8042, "i8042"));
    TRY(ctx.io_bus.add(pc::kI8042Command, 1,
                       std::make_shared<ShiftedRegister>(i8042, I8042::kCommandOffset), "i8042"));
    // One machine-table entry covers both registers (0x60 and 0x64; the entry has one range).
    ctx.device_entries.push_back(make_device(SVM_DEV_I8042, "i8042", pc::kI8042Data,
                                             pc::kI8042Command - pc::kI8042Data + 1,
                                             pc::kIrqKeyboard));

    if (ctx.config.stdin_keyboard) {
        // Bytes typed on stdin become key presses. The keyboard holds them until the guest has
        // the port and scanning enabled, across controller commands and keyboard resets, so
        // `printf 'hiq' | svm --stdin keyboard k.elf` works however early stdin ends.
        auto decoder = std::make_shared<AsciiKeyDecoder>();
        ctx.stdin_sink = [decoder, i8042, warned = false](std::span<const uint8_t> bytes) mutable {
            std::vector<KeyEvent> events;
            decoder->feed(bytes, events);
            if (i8042->press_keys(events) < events.size() && !warned) {
                warned = true;
                log::info(
                    "--stdin keyboard: the guest is not reading the keyboard; input beyond "
                    "{} held key presses and releases is dropped",
                    Ps2Keyboard::kHeldEventCapacity);
            }
        };
    }
    out.i8042 = i8042;
    return {};
}

// `hpet` (may be null): while it is in legacy replacement mode, its timer 1 owns IRQ 8 and the
// RTC's interrupt output is disconnected, as on a PC chipset (HPET 1.0a, 2.3.5).
Result<void> add_rtc(DeviceContext& ctx, std::shared_ptr<Hpet> hpet) {
    CmosRtc::Clock clock = host_clock(ctx.config.rtc_localtime);
    auto timer = std::make_shared<RtcTimer>();
    auto rtc = std::make_shared<CmosRtc>(CmosRtc::Options{
        clock,
        [set_irq = ctx.set_irq, hpet](bool level) {
            if (hpet && hpet->legacy_replacement()) return;
            set_irq(pc::kIrqRtc, level);
        },
        ctx.config.memory_size,
        [weak = std::weak_ptr<RtcTimer>(timer)] {
            if (auto t = weak.lock()) t->reschedule();
        },
    });
    TRY(ctx.io_bus.add(pc::kCmosIndex, 2, rtc, "cmos-rtc"));
    ctx.device_entries.push_back(make_device(SVM_DEV_RTC, "rtc", pc::kCmosIndex, 2, pc::kIrqRtc));
    timer->start(rtc, clock);
    ctx.owned.push_back(timer);
    return {};
}

}  // namespace

Result<void> add_input_devices(DeviceContext& ctx, PcDevices& out) {
    TRY(add_i8042(ctx, out));
    TRY(add_rtc(ctx, out.hpet));
    return {};
}

}  // namespace svm
