#include "core/sched/slice_timer.h"

#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace svm::sched {

Result<std::unique_ptr<SliceTimer>> SliceTimer::create_for_this_thread(int signal) {
    sigevent event{};
    event.sigev_notify = SIGEV_THREAD_ID;
    event.sigev_signo = signal;
    // glibc 2.36 has no sigev_notify_thread_id macro in <signal.h>; the field is _sigev_un._tid.
    event._sigev_un._tid = static_cast<pid_t>(syscall(SYS_gettid));
    timer_t timer;
    if (timer_create(CLOCK_MONOTONIC, &event, &timer) != 0)
        return error("cannot create a time-slice timer (timer_create): {}", std::strerror(errno));
    return std::unique_ptr<SliceTimer>(new SliceTimer(timer));
}

SliceTimer::~SliceTimer() {
    timer_delete(timer_);
}

bool SliceTimer::arm_periodic(int64_t ns) {
    itimerspec spec{};
    spec.it_value.tv_sec = spec.it_interval.tv_sec = ns / 1'000'000'000;
    spec.it_value.tv_nsec = spec.it_interval.tv_nsec = ns % 1'000'000'000;
    if (ns <= 0) spec.it_value.tv_nsec = spec.it_interval.tv_nsec = 1;
    return timer_settime(timer_, 0, &spec, nullptr) == 0;
}

void SliceTimer::disarm() {
    itimerspec spec{};
    timer_settime(timer_, 0, &spec, nullptr);
}

}  // namespace svm::sched
