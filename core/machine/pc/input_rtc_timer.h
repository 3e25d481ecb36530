// The host thread behind the RTC's interrupts: it calls CmosRtc::tick() when the device's next
// periodic, alarm or update-ended event comes due, and otherwise sleeps (never polls). The device
// logic stays clock-injected and unit-testable (devices/legacy/cmos_rtc.h); this is the only part
// that needs real time.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "devices/legacy/cmos_rtc.h"

namespace svm {

class RtcTimer {
public:
    RtcTimer() = default;
    // Stops and joins the thread.
    ~RtcTimer();
    RtcTimer(const RtcTimer&) = delete;
    RtcTimer& operator=(const RtcTimer&) = delete;

    // Starts the thread for `rtc`, whose events are in `clock`'s time scale (the RTC's Clock).
    // Call once.
    void start(std::shared_ptr<CmosRtc> rtc, CmosRtc::Clock clock);
    // Wakes the thread to re-read CmosRtc::next_event() (the guest changed a rate, an enable
    // bit, or read status C). Thread-safe; wire it as the RTC's schedule_changed callback.
    void reschedule();

private:
    void run();

    std::shared_ptr<CmosRtc> rtc_;
    CmosRtc::Clock clock_;
    // Lock order: mutex_ is taken after the RTC's lock (reschedule is called from the RTC's
    // callback, which runs without the RTC's lock) and never held while calling the RTC.
    std::mutex mutex_;
    std::condition_variable wake_;
    bool changed_ = false;
    bool stopping_ = false;
    std::thread thread_;
};

}  // namespace svm
