// A minimal KVM VMM with no svm code in it: the baseline of the exit round-trip benchmark.
//
// It creates a VM with one memory slot and one vCPU, copies a real-mode flat image to
// guest-physical 0, sets the registers svm sets for a flat `--mode real` start (docs/machine.md,
// "Entry state"), and loops on KVM_RUN. The only exit it understands is an `out dx, eax` to the svm
// hypercall port: SVM_HC_PUTCHAR records a timestamp (the benchmark's markers), SVM_HC_EXIT ends
// the run, every other function is answered by doing nothing at all. That is the cheapest correct
// VMM for the benchmark guest, so svm's per-exit cost is measured against the floor KVM allows.
#pragma once

#include <linux/kvm.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/result.h"
#include "core/unique_fd.h"

namespace svm::bench {

class RawKvmRunner {
public:
    struct Options {
        size_t memory_size = size_t{128} << 20;  // svm's default -m
        // Also return each hypercall's result (0) in RAX through KVM_SYNC_X86_REGS, as svm does
        // (api.rst 5. "The kvm_run structure", kvm_valid_regs/kvm_dirty_regs).
        bool write_back_result = false;
        double timeout_s = 60;  // give up on a guest that never calls SVM_HC_EXIT
    };

    struct Times {
        std::vector<double> markers;  // seconds from run() start to each SVM_HC_PUTCHAR exit
        uint64_t exits = 0;           // KVM_RUN calls that returned to the runner
        uint64_t hypercalls = 0;      // of which were hypercalls
        int exit_code = -1;           // the guest's SVM_HC_EXIT code
    };

    // Creates the VM and loads `image` at guest-physical 0 in real mode (CS:IP = 0000:0000,
    // SS:SP = 7000:FFF0, ES = 8000, CR0 = ET, RFLAGS = 2). Returns the runner on success, an
    // error naming the failing ioctl otherwise.
    static Result<std::unique_ptr<RawKvmRunner>> create(std::span<const uint8_t> image,
                                                        Options options);

    ~RawKvmRunner();
    RawKvmRunner(const RawKvmRunner&) = delete;
    RawKvmRunner& operator=(const RawKvmRunner&) = delete;

    // Runs the guest until SVM_HC_EXIT. Returns the marker times and counts on success, an error
    // naming the unexpected exit (or the timeout) otherwise.
    Result<Times> run();

private:
    RawKvmRunner() = default;
    Result<void> set_real_mode_registers();

    Options options_;
    UniqueFd kvm_fd_;
    UniqueFd vm_fd_;
    UniqueFd vcpu_fd_;
    void* memory_ = nullptr;
    kvm_run* run_ = nullptr;
    size_t run_size_ = 0;
};

}  // namespace svm::bench
