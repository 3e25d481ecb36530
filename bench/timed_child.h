// A child process whose standard output arrives on a pipe, with the time each chunk arrived
// measured from just before posix_spawn. Used to time a guest's console output from outside the
// VMM (cold start: the first byte; exit round trip: marker bytes).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace svm::bench {

class TimedChild {
public:
    struct Options {
        bool quiet_stderr = false;  // send the child's stderr to /dev/null instead of ours
    };

    // Starts argv (argv[0] is a path, or a name looked up in PATH) with stdin from /dev/null and
    // stdout on a pipe; the clock starts just before posix_spawn. Returns the running child on
    // success, an error naming the program and the reason otherwise.
    static Result<std::unique_ptr<TimedChild>> spawn(const std::vector<std::string>& argv,
                                                     Options options);

    // Kills (SIGKILL, by PID) and reaps the child if it is still running.
    ~TimedChild();
    TimedChild(const TimedChild&) = delete;
    TimedChild& operator=(const TimedChild&) = delete;

    // Reads standard output until `byte` has arrived (any byte if nullopt). Returns the seconds
    // from spawn to the read that returned it, or an error if output ended or `timeout_s`
    // passed first. A later call continues after the byte an earlier call found.
    Result<double> wait_for_byte(std::optional<unsigned char> byte, double timeout_s);

    // Reads standard output to its end and reaps the child. Returns its exit code (128 + signal
    // number if a signal ended it), or an error if it has not ended after `timeout_s` (the child
    // is then killed).
    Result<int> wait_exit(double timeout_s);

    // Returns the seconds from spawn to when wait_exit() saw the child end (0 before that).
    double exit_time() const { return exit_time_; }

    // Returns the user and system CPU seconds the child used, from wait4() (0 before wait_exit()).
    double user_cpu_s() const { return user_cpu_s_; }
    double system_cpu_s() const { return system_cpu_s_; }

    // Kills the child with SIGKILL by its PID and reaps it; does nothing if it already ended.
    void kill();

    // Everything the child has written to stdout so far.
    const std::string& output() const { return output_; }

private:
    TimedChild(pid_t pid, UniqueFd out, std::chrono::steady_clock::time_point start)
        : pid_(pid), out_(std::move(out)), start_(start) {}

    // Reads one chunk into output_, waiting at most until `deadline`. Returns the number of bytes
    // read (0 at end of output), or an error on timeout.
    Result<size_t> read_chunk(std::chrono::steady_clock::time_point deadline);
    double seconds_since_start() const;

    pid_t pid_;
    bool reaped_ = false;
    UniqueFd out_;
    std::chrono::steady_clock::time_point start_;
    std::string output_;
    std::vector<double> arrival_;  // arrival_[i]: seconds from spawn to the read of output_[i]
    size_t scanned_ = 0;           // bytes of output_ that wait_for_byte() has already looked at
    double exit_time_ = 0;
    double user_cpu_s_ = 0;
    double system_cpu_s_ = 0;
};

}  // namespace svm::bench
