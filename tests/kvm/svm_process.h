// Runs the svm binary as a child process for integration tests and collects what it printed.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace svm::test {

struct ProcessResult {
    int exit_code = -1;  // the exit status, or 128 + signal number if it was killed
    bool timed_out = false;
    std::string out;  // standard output (the guest console)
    std::string err;  // standard error (svm's messages and reports)
};

// Runs `argv` (argv[0] is the program path) with `input` on standard input; kills the child (and
// only it) after `timeout_seconds`.
ProcessResult run_process(const std::vector<std::string>& argv, const std::string& input = "",
                          double timeout_seconds = 60);

// Runs svm (SVM_BINARY) with `args`.
ProcessResult run_svm(const std::vector<std::string>& args, const std::string& input = "",
                      double timeout_seconds = 60);

// A running svm whose standard output the test reads itself: slowly, not at all (a stalled
// pager), or by closing it (`svm k | head`). Standard error is collected by wait().
class SvmChild {
public:
    // Starts svm (SVM_BINARY) with `args`. Standard input is `stdin_fd` if >= 0 (a pty, say),
    // else /dev/null. Returns null if it cannot be started.
    static std::unique_ptr<SvmChild> start(const std::vector<std::string>& args, int stdin_fd = -1);
    ~SvmChild();

    int pid() const { return pid_; }
    // The read end of svm's standard output (-1 once closed).
    int out_fd() const { return out_; }
    // Reads up to `max` bytes of standard output (waits for some). Returns "" at end of file.
    std::string read_out(size_t max);
    // Closes the read end of standard output: the reader goes away.
    void close_out();
    // Waits until svm ends, reading standard error (and discarding standard output that is still
    // open, unless `keep_out_stalled`); kills svm after `timeout_seconds`. `out` is left empty.
    ProcessResult wait(double timeout_seconds, bool keep_out_stalled = false);

private:
    SvmChild() = default;
    int pid_ = -1;
    int out_ = -1;
    int err_ = -1;
    bool waited_ = false;
};

// Reads `child`'s standard output into `out` until it contains `text`, the output ends or
// `seconds` pass. Returns whether `text` arrived.
bool read_until(SvmChild& child, std::string& out, const std::string& text, int seconds);

// The path of a built guest (GUEST_DIR/name).
std::string guest(const std::string& name);

// A fixture base for tests that need /dev/kvm: fails with a clear message when it is missing,
// unless SVM_SKIP_KVM_TESTS=1 is set, which skips the test (and says so).
void require_kvm();

// True if `line` appears in `text` as a whole line.
bool has_line(const std::string& text, const std::string& line);

// Asserts (gtest) that every line in `lines` appears in r.out as a whole line, in any order.
void expect_lines(const ProcessResult& r, const std::vector<std::string>& lines);

// Asserts (gtest) that every line in `lines` appears in `text` as a whole line, in this order.
void expect_lines_in_order(const std::string& text, const std::vector<std::string>& lines);

}  // namespace svm::test
