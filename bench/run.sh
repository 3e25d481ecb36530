#!/usr/bin/env bash
# Builds (if needed) and runs svm's benchmarks, then prints a summary. See docs/benchmarks.md.
# Benchmarks print figures; they never fail on a threshold. Takes about a minute and a half on a
# 2-core nested-KVM machine (most of it QEMU's comparison runs, skipped when QEMU is not
# installed; the gdb round trips need gdb and are skipped without it), plus about a minute for the
# display benchmark (bench/display/run.sh, 50 s of it QEMU's rows), plus a minute for the CPU
# shares (bench/shares/run.sh, six configurations of 10 s; 1 s each with SVM_BENCH_QUICK).
#
#   bench/run.sh                 build into build/ (or $SVM_BUILD_DIR) and run everything
#   SVM_BENCH_QUICK=1 bench/run.sh   fewer runs and iterations, a few seconds
#   SVM_BENCH_NO_QEMU=1 bench/run.sh skip the QEMU comparison
set -euo pipefail
cd "$(dirname "$0")/.."
build="${SVM_BUILD_DIR:-build}"

if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S . -B "$build" -G Ninja ${SVM_CMAKE_ARGS:-} >/dev/null
fi
cmake --build "$build" --target exit_roundtrip cold_start gdb_roundtrip gdb_target_side stop_latency timer_accuracy \
    >/dev/null

exit_args=()
cold_args=()
gdb_args=()
stop_args=()
timer_args=()
if [[ -n "${SVM_BENCH_QUICK:-}" ]]; then
    exit_args+=(--iterations 1024 --runs 3)
    cold_args+=(--runs 5)
    gdb_args+=(--runs 1 --steps 200 --hits 200 --dump-mib 4)
    stop_args+=(--hits 100)
    timer_args+=(--ticks 200 --period-ms 1)
fi
if [[ -n "${SVM_BENCH_NO_QEMU:-}" ]]; then
    cold_args+=(--no-qemu)
    gdb_args+=(--no-qemu)
fi

log="$(mktemp /tmp/svm-bench-XXXXXX.log)"
trap 'rm -f "$log"' EXIT
echo "== exit round trip (bench/exit_roundtrip) =="
"$build/bench/exit_roundtrip" "${exit_args[@]}" | tee -a "$log"
echo
echo "== cold start (bench/cold_start) =="
"$build/bench/cold_start" "${cold_args[@]}" | tee -a "$log"
echo
echo "== gdb round trips (bench/gdb_roundtrip) =="
"$build/bench/gdb_roundtrip" "${gdb_args[@]}" | tee -a "$log"
echo
echo "== target-side conditions and the stepi floor (bench/gdb_target_side) =="
"$build/bench/gdb_target_side" | tee -a "$log"
echo
echo "== stop-all latency (bench/stop_latency) =="
"$build/bench/stop_latency" "${stop_args[@]}" | tee -a "$log"
echo
echo "== LAPIC timer accuracy (bench/timer_accuracy) =="
"$build/bench/timer_accuracy" "${timer_args[@]}" | tee -a "$log"
echo
echo "== display over VNC (bench/display/run.sh) =="
# Its own script: it starts svm and QEMU with VNC servers and times them with bench/display/vnc_probe.
bench/display/run.sh | tee -a "$log" || echo "display: a measurement failed (see above)" | tee -a "$log"
echo
echo "== boot sector, 1 MiB int 0x13 load (bench/bios/run.sh) =="
bench/bios/run.sh | tee -a "$log" || echo "bios: a measurement failed (see above)" | tee -a "$log"
echo
echo "== sample OS, process start to the shell prompt (bench/os/run.sh) =="
bench/os/run.sh | tee -a "$log" || echo "os: a measurement failed (see above)" | tee -a "$log"
echo
echo "== CPU shares, simulated vCPUs at 70:30 (bench/shares/run.sh) =="
# No KVM: spinning host threads under core/sched's scheduler; 60 s (6 s with SVM_BENCH_QUICK).
bench/shares/run.sh | tee -a "$log" || echo "shares: a measurement failed (see above)" | tee -a "$log"

echo
echo "== summary ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r)) =="
grep -E '^(shares threads|median us/exit|median user-space|ratio svm/raw|svm median|qemu -accel|  ratio|gdb |stop-all |timer |display |bios |os |QEMU comparison|[a-z_]+: skipped)' \
    "$log" || true
