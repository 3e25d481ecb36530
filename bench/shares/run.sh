#!/usr/bin/env bash
# The CPU-shares benchmark (docs/benchmarks.md "CPU shares", issue 15 "Speed"): two simulated
# CPU-bound VMs at 70:30 under svm's share scheduler (core/sched/), on one host thread and on two,
# for slices of 1, 10 and 100 ms. Prints each VM's share by progress counter and by CPU time, the
# error in percentage points and the scheduling overhead per slice. No KVM needed: it always runs.
# The vCPUs are simulated (host spin loops); see bench/shares/shares.cpp.
#
#   bench/shares/run.sh                    build into build/ (or $SVM_BUILD_DIR), 10 s per config
#   SVM_BENCH_QUICK=1 bench/shares/run.sh  1 s per configuration
#   SVM_BENCH_SHARES_SECONDS=N             N seconds per configuration
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${SVM_BUILD_DIR:-build}"
if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S . -B "$build" -G Ninja ${SVM_CMAKE_ARGS:-} >/dev/null
fi
cmake --build "$build" --target cpu_shares >/dev/null
args=()
if [[ -n "${SVM_BENCH_QUICK:-}" && -z "${SVM_BENCH_SHARES_SECONDS:-}" ]]; then
    args+=(--seconds 1)
fi
"$build/bench/shares/cpu_shares" "${args[@]}"
