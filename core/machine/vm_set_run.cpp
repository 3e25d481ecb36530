#include "core/machine/vm_set_run.h"

#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <mutex>
#include <optional>
#include <thread>

#include "core/unique_fd.h"

namespace svm {

bool is_crash(RunOutcome::Kind kind) {
    using Kind = RunOutcome::Kind;
    return kind == Kind::TripleFault || kind == Kind::Halted || kind == Kind::EmulationFailure ||
           kind == Kind::EntryFailure || kind == Kind::InternalError;
}

RunOutcome stopped_by_set(const std::string& crashed) {
    return {RunOutcome::Kind::StoppedBySet, exit_code::kInterrupted,
            fmt::format("stopped because VM {} crashed (--crash-ends-all)", crashed), ""};
}

int combined_exit_code(const std::vector<VmEnd>& vms) {
    std::optional<int> stopped_code;
    for (const VmEnd& vm : vms) {
        if (vm.outcome.code == 0) continue;
        if (vm.outcome.kind != RunOutcome::Kind::StoppedBySet) return vm.outcome.code;
        if (!stopped_code) stopped_code = vm.outcome.code;
    }
    return stopped_code.value_or(0);
}

std::string format_vm_end(const std::string& name, const RunOutcome& outcome) {
    std::string text;
    if (!outcome.report.empty()) text += fmt::format("\nsvm: {}: {}\n", name, outcome.report);
    if (!outcome.note.empty()) text += fmt::format("svm: {}: {}\n", name, outcome.note);
    text += fmt::format("svm: {}: {} (exit code {})", name, outcome.summary, outcome.code);
    return text;
}

std::string format_set_summary(const VmSetOutcome& outcome) {
    std::string text = fmt::format("svm: {} VMs:", outcome.vms.size());
    const char* separator = " ";
    for (const VmEnd& vm : outcome.vms) {
        text += fmt::format("{}{} {} ({})", separator, vm.name, vm.outcome.summary,
                            vm.outcome.code);
        separator = ", ";
    }
    return text + fmt::format("; exit code {}", outcome.code);
}

namespace {

void print_vm_end(const std::string& name, const RunOutcome& outcome) {
    std::fprintf(stderr, "%s\n", format_vm_end(name, outcome).c_str());
}

}  // namespace

VmSetOutcome run_vm_set(std::vector<NamedMember> members, const VmSetRunOptions& options,
                        int stop_fd, std::function<RunOutcome()> stop_outcome) {
    const auto on_end = options.on_end ? options.on_end : print_vm_end;
    const sigset_t signals = stop_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    UniqueFd signal_fd(signalfd(-1, &signals, SFD_CLOEXEC));
    UniqueFd ended_fd(eventfd(0, EFD_CLOEXEC));  // a member's thread returned

    const size_t n = members.size();
    std::mutex mutex;  // guards results and reported below
    std::vector<std::optional<RunOutcome>> results(n);
    std::vector<bool> reported(n, false);
    std::vector<std::thread> threads;
    threads.reserve(n);
    for (size_t i = 0; i < n; ++i)
        threads.emplace_back([&, i] {
            RunOutcome outcome = members[i].member->run();
            {
                std::lock_guard lock(mutex);
                results[i] = std::move(outcome);
            }
            uint64_t one = 1;
            [[maybe_unused]] ssize_t w = ::write(ended_fd.get(), &one, sizeof one);
        });

    auto stop_all = [&](const RunOutcome& outcome) {
        for (size_t i = 0; i < n; ++i) members[i].member->request_stop(outcome);
    };
    bool stopping_all = false;
    for (size_t ended = 0; ended < n;) {
        pollfd fds[3] = {{ended_fd.get(), POLLIN, 0},
                         {signal_fd.get(), POLLIN, 0},
                         {stop_fd, POLLIN, 0}};
        const nfds_t count = stop_fd >= 0 && !stopping_all ? 3 : 2;
        if (poll(fds, count, -1) < 0) {
            if (errno == EINTR) continue;
            // Cannot happen with valid descriptors: end every VM rather than wait blind.
            stop_all({RunOutcome::Kind::InternalError, exit_code::kInternal,
                      fmt::format("svm could not wait for its VMs: {}", strerror(errno)), ""});
            break;
        }
        if (fds[1].revents & POLLIN) {
            signalfd_siginfo info{};
            [[maybe_unused]] ssize_t r = ::read(signal_fd.get(), &info, sizeof info);
            stop_all({RunOutcome::Kind::Interrupted, exit_code::kInterrupted,
                      fmt::format("stopped by signal {} ({})", info.ssi_signo,
                                  strsignal(static_cast<int>(info.ssi_signo))),
                      ""});
        }
        if (count == 3 && (fds[2].revents & POLLIN)) {
            stopping_all = true;
            if (stop_outcome) stop_all(stop_outcome());
        }
        if (fds[0].revents & POLLIN) {
            uint64_t count_ended = 0;
            [[maybe_unused]] ssize_t r = ::read(ended_fd.get(), &count_ended, sizeof count_ended);
            // Report every VM that ended since the last look, in set order.
            std::vector<std::pair<size_t, RunOutcome>> fresh;
            {
                std::lock_guard lock(mutex);
                for (size_t i = 0; i < n; ++i)
                    if (results[i] && !reported[i]) {
                        reported[i] = true;
                        fresh.emplace_back(i, *results[i]);
                    }
            }
            for (auto& [i, outcome] : fresh) {
                ++ended;
                on_end(members[i].name, outcome);
                if (options.crash_ends_all && is_crash(outcome.kind))
                    stop_all(stopped_by_set(members[i].name));
            }
        }
    }
    for (std::thread& thread : threads) thread.join();

    VmSetOutcome outcome;
    for (size_t i = 0; i < n; ++i) {
        RunOutcome result = results[i].value_or(RunOutcome{});
        if (!reported[i]) on_end(members[i].name, result);
        outcome.vms.push_back({members[i].name, std::move(result)});
    }
    outcome.code = combined_exit_code(outcome.vms);
    return outcome;
}

}  // namespace svm
