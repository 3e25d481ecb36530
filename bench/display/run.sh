#!/usr/bin/env bash
# The display benchmark (docs/benchmarks.md "Display (VNC)"): guest write -> pixel seen by a VNC
# viewer, under svm --vnc and under QEMU-TCG with -vga std -vnc, on the same guest
# (guest/pc/framebuffer/fb_bench.c, 1024x768x32 through Bochs VBE) and the same viewer
# (bench/display/vnc_probe). For each VMM, four runs, each a fresh VMM:
#   latency   key press sent -> the update that shows the guest's answer: median, p99
#   fps       full-screen updates per second while the guest redraws the whole screen non-stop
#   idle      the VMM's CPU (% of one core) over 10 s, viewer connected, guest halted (sti; hlt)
#   polling   the same with the latency guest waiting for keys (it spins on the i8042 status port,
#             so this is mostly the guest's own busy loop; shown for context)
# Prints a table and the svm/QEMU ratios. Without /dev/kvm the svm row says it was not measured
# and the QEMU row is still measured; that is not an error.
#
#   bench/display/run.sh                      build into build/ (or $SVM_BUILD_DIR) if needed, run
#   SVM_BENCH_QUICK=1 bench/display/run.sh    50 keys, 3 s runs
#   SVM_BENCH_NO_QEMU=1 bench/display/run.sh  svm only
#
# Every process it starts is ended by its PID. Exit status 0 unless a measurement that was
# attempted failed (1) or the build failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${SVM_BUILD_DIR:-build}"
qemu="${SVM_BENCH_QEMU:-qemu-system-x86_64}"

keys=200
seconds=10
if [[ -n "${SVM_BENCH_QUICK:-}" ]]; then
    keys=50
    seconds=3
fi

have_kvm=0
if [[ -r /dev/kvm && -w /dev/kvm ]]; then have_kvm=1; fi
have_qemu=0
if [[ -z "${SVM_BENCH_NO_QEMU:-}" ]] && command -v "$qemu" >/dev/null; then have_qemu=1; fi

if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S . -B "$build" -G Ninja ${SVM_CMAKE_ARGS:-} >/dev/null
fi
targets=(vnc_probe guest_fb_bench)
if ((have_kvm)); then targets+=(svm); fi
cmake --build "$build" --target "${targets[@]}" >/dev/null

probe="$build/bench/display/vnc_probe"
kernel="$build/guest/fb_bench.elf"
svm="$build/svm"

work="$(mktemp -d /tmp/svm-bench-display-XXXXXX)"
vmm_pid=""
stop_vmm() {
    if [[ -n "$vmm_pid" ]]; then
        kill "$vmm_pid" 2>/dev/null || true
        wait "$vmm_pid" 2>/dev/null || true
        vmm_pid=""
    fi
}
trap 'stop_vmm; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

# start_vmm VMM MODE DISPLAY LOG LABEL: starts svm or QEMU on fb_bench.elf in MODE with its VNC
# server on 127.0.0.1:DISPLAY and COM1 in LOG, then waits (up to 30 s) for "fb_bench: MODE ready".
# Runs in this shell, not a subshell, so that the EXIT trap knows vmm_pid.
start_vmm() {
    local vmm="$1" mode="$2" display="$3" log="$4" label="$5"
    if [[ "$vmm" == svm ]]; then
        "$svm" --vnc "127.0.0.1:$display" --timeout 300 --cmdline "$mode" "$kernel" \
            </dev/null >"$log" 2>&1 &
    else
        "$qemu" -accel tcg -vga std -display none -no-reboot -serial "file:$log" \
            -vnc "127.0.0.1:$display" -kernel "$kernel" -append "$mode" </dev/null 2>/dev/null &
    fi
    vmm_pid=$!
    for _ in $(seq 300); do
        if grep -q "fb_bench: $mode ready" "$log" 2>/dev/null; then return 0; fi
        if ! kill -0 "$vmm_pid" 2>/dev/null; then break; fi
        sleep 0.1
    done
    echo "  $label: the guest did not get ready; its console:" >&2
    if [[ -f "$log" ]]; then sed 's/^/    /' "$log" >&2; else echo "    (nothing)" >&2; fi
    stop_vmm
    return 1
}

# measure VMM MODE: one fresh VMM, one probe run; sets result_line to the probe's "result:" line
# (empty on failure) and shows the probe's output on stderr.
measure() {
    local vmm="$1" mode="$2" display log out
    result_line=""
    display="$("$probe" free-display)"
    log="$work/$vmm-$mode.log"
    start_vmm "$vmm" "${mode/polling/latency}" "$display" "$log" "$vmm $mode" || return 0
    case "$mode" in
    latency) out="$("$probe" latency --display "$display" --keys "$keys" 2>&1)" || true ;;
    fps) out="$("$probe" fps --display "$display" --seconds "$seconds" 2>&1)" || true ;;
    idle | polling)
        out="$("$probe" idle --display "$display" --seconds "$seconds" --pid "$vmm_pid" 2>&1)" || true
        ;;
    esac
    stop_vmm
    echo "$out" | sed "s/^/  $vmm $mode: /" >&2
    result_line="$(grep '^result:' <<<"$out" || true)"
}

# value KEY LINE: the value of KEY=... in a "result:" line, or empty.
value() { sed -n "s/.*\b$1=\([^ ]*\).*/\1/p" <<<"$2"; }

failed=0
declare -A result
for vmm in svm qemu-tcg; do
    if [[ "$vmm" == svm && $have_kvm == 0 ]]; then continue; fi
    if [[ "$vmm" == qemu-tcg && $have_qemu == 0 ]]; then continue; fi
    echo "$vmm: measuring (latency: $keys keys; fps, idle, polling: $seconds s each)" >&2
    for mode in latency fps idle polling; do
        measure "${vmm/-tcg/}" "$mode"
        if [[ -z "$result_line" ]]; then failed=1; fi
        result[$vmm-$mode]="$result_line"
    done
done

# cell VMM MODE KEY: the figure, or "failed".
cell() {
    local v
    v="$(value "$3" "${result[$1-$2]:-}")"
    echo "${v:-failed}"
}

row() { printf 'display %-9s %10s %10s %10s %10s %10s %10s %10s\n' "$@"; }
echo
echo "Display over VNC: fb_bench.elf 1024x768x32, bench/display/vnc_probe ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg))"
row vmm "median ms" "p99 ms" "frames/s" "clean/s" "guest f/s" "idle CPU%" "poll CPU%"
for vmm in svm qemu-tcg; do
    if [[ "$vmm" == svm && $have_kvm == 0 ]]; then
        echo "display svm       not measured: no /dev/kvm (run bench/display/run.sh on a KVM host)"
        continue
    fi
    if [[ "$vmm" == qemu-tcg && $have_qemu == 0 ]]; then
        why="$qemu is not on PATH"
        if [[ -n "${SVM_BENCH_NO_QEMU:-}" ]]; then why="SVM_BENCH_NO_QEMU is set"; fi
        echo "display qemu-tcg  not measured: $why"
        continue
    fi
    row "$vmm" "$(cell $vmm latency latency_median_ms)" "$(cell $vmm latency latency_p99_ms)" \
        "$(cell $vmm fps fps)" "$(cell $vmm fps clean_fps)" "$(cell $vmm fps guest_fps)" \
        "$(cell $vmm idle idle_cpu_percent)" "$(cell $vmm polling idle_cpu_percent)"
done

# The ratios and the issue's targets, when both VMMs were measured.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'; }
if [[ $have_kvm == 1 && $have_qemu == 1 ]]; then
    med="$(ratio "$(cell svm latency latency_median_ms)" "$(cell qemu-tcg latency latency_median_ms)")"
    p99="$(ratio "$(cell svm latency latency_p99_ms)" "$(cell qemu-tcg latency latency_p99_ms)")"
    fps="$(ratio "$(cell svm fps fps)" "$(cell qemu-tcg fps fps)")"
    echo "display ratio svm/qemu: latency median ${med}x, p99 ${p99}x (target <= 1); frames/s ${fps}x (target >= 1)"
else
    echo "display ratio svm/qemu: n/a (both VMMs must be measured)"
fi
if [[ $have_kvm == 1 ]]; then
    echo "display svm idle CPU: $(cell svm idle idle_cpu_percent) % of a core (target < 1)"
fi
exit "$failed"
