// A child svm for the soak tests (label `soak`): runs in the background while the test drives it,
// and is watched from outside through /proc (resident memory, open file descriptors, CPU time).
#pragma once

#include <sys/types.h>

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace svm::test {

class MonitoredProcess {
public:
    enum class Stdout {
        Drained,  // read and thrown away by a thread of the test
        Stalled,  // a pipe nobody reads (a paused pager): it fills up and stays full
        DevNull,  // /dev/null
    };
    struct Options {
        Stdout out = Stdout::DevNull;
        std::optional<uint64_t> max_open_files;  // RLIMIT_NOFILE of the child
    };

    // Starts `argv` (argv[0] a path) with stdin from /dev/null and stderr kept for err().
    // Aborts the test binary if the process cannot be started.
    MonitoredProcess(const std::vector<std::string>& argv, Options options);
    // Kills the child (SIGKILL, by PID) if it still runs, and reaps it.
    ~MonitoredProcess();
    MonitoredProcess(const MonitoredProcess&) = delete;
    MonitoredProcess& operator=(const MonitoredProcess&) = delete;

    pid_t pid() const { return pid_; }
    // Resident set size in KiB (VmRSS of /proc/PID/status), 0 once the child has ended.
    uint64_t rss_kib() const;
    // Open file descriptors of the child (entries of /proc/PID/fd), -1 once it has ended.
    int open_fds() const;
    // User + system CPU seconds the child has used so far (/proc/PID/stat).
    double cpu_seconds() const;
    // Sends `signal` to the child.
    void signal(int signal) const;
    // Waits at most `seconds` for the child to end. Returns its exit code (128 + signal if a
    // signal ended it), or nothing if it still runs.
    std::optional<int> wait_exit(double seconds);
    // What the child wrote to standard error (complete once it has ended).
    std::string err() const;

private:
    pid_t pid_ = -1;
    bool reaped_ = false;
    int exit_code_ = -1;
    int stalled_pipe_ = -1;  // the read end of a Stalled stdout, kept open and never read
    std::string err_path_;
    std::atomic<bool> stop_drain_{false};
    std::thread drain_;
};

// Samples a child's resident memory and file descriptors during a soak test.
struct ResourceWatch {
    uint64_t first_rss_kib = 0, peak_rss_kib = 0;
    int first_fds = -1, last_fds = -1;
    void sample(const MonitoredProcess& p);
};

// A free TCP port on 127.0.0.1 at the moment of the call (bound to port 0, then closed).
int free_local_port();

}  // namespace svm::test
