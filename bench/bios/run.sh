#!/usr/bin/env bash
# The boot-sector benchmark (docs/benchmarks.md "Boot sectors (BIOS)"): process start -> the first
# COM1 byte of stage 2 of guest/bios/bench_load.asm, a boot sector that reads 1 MiB with int 0x13
# AH=0x42 and enters long mode, under svm (its own BIOS) and under QEMU-TCG (SeaBIOS), the same
# image. Each run is a fresh process, timed by bench/bios/first_byte.py; the first byte must be
# "S" and the run must end through isa-debug-exit with status 33. Prints each VMM's median,
# minimum and maximum and, when both were measured, how many times faster svm is (target >= 10).
# Without /dev/kvm the svm row says it was not measured and the QEMU row is still measured; that
# is not an error.
#
#   bench/bios/run.sh                      build into build/ (or $SVM_BUILD_DIR) if needed, run
#   SVM_BENCH_QUICK=1 bench/bios/run.sh    3 runs each instead of 10
#   SVM_BENCH_NO_QEMU=1 bench/bios/run.sh  svm only
#   SVM_BENCH_RUNS=N bench/bios/run.sh     N runs each
#
# Every process is started and ended (by its PID, on a timeout) by first_byte.py. Exit status 0
# unless a measurement that was attempted failed (1) or the build failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${SVM_BUILD_DIR:-build}"
qemu="${SVM_BENCH_QEMU:-qemu-system-x86_64}"

runs="${SVM_BENCH_RUNS:-10}"
if [[ -n "${SVM_BENCH_QUICK:-}" && -z "${SVM_BENCH_RUNS:-}" ]]; then runs=3; fi

have_kvm=0
if [[ -r /dev/kvm && -w /dev/kvm ]]; then have_kvm=1; fi
have_qemu=0
if [[ -z "${SVM_BENCH_NO_QEMU:-}" ]] && command -v "$qemu" >/dev/null; then have_qemu=1; fi

if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S . -B "$build" -G Ninja ${SVM_CMAKE_ARGS:-} >/dev/null
fi
targets=(guest_bios_images)
if ((have_kvm)); then targets+=(svm); fi
cmake --build "$build" --target "${targets[@]}" >/dev/null

image="$build/guest/bios_bench_load.img"
timer=(python3 bench/bios/first_byte.py --runs "$runs" --expect S --exit-code 33 --timeout 120)

failed=0
svm_line=""
qemu_line=""
if ((have_kvm)); then
    echo "svm: $runs runs" >&2
    svm_line="$("${timer[@]}" --label svm -- "$build/svm" --serial stdio --timeout 60 "$image")" || failed=1
fi
if ((have_qemu)); then
    echo "qemu-tcg: $runs runs" >&2
    # -nodefaults: no VGA, NIC or default serial/monitor, so COM1 (-serial stdio) is the only
    # thing on stdout; the PIIX IDE controller is part of the pc machine and holds the disk.
    qemu_line="$("${timer[@]}" --label qemu-tcg -- "$qemu" -accel tcg -nodefaults -display none \
        -no-reboot -serial stdio -drive "format=raw,file=$image,if=ide" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04)" || failed=1
fi

# shellcheck source=bench/first_byte_lib.sh
source bench/first_byte_lib.sh
row() { printf 'bios %-9s %6s %6s %12s %12s %12s\n' "$@"; }

echo
echo "Boot sector, 1 MiB via int 0x13 AH=0x42 then long mode: process start -> first COM1 byte of stage 2 ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg))"
row vmm runs ok "median ms" "min ms" "max ms"
if ((have_kvm)); then
    row svm "$runs" "$(value ok "$svm_line")" "$(value median_ms "$svm_line")" "$(value min_ms "$svm_line")" \
        "$(value max_ms "$svm_line")"
else
    echo "bios svm       not measured: no /dev/kvm (run bench/bios/run.sh on a KVM host)"
fi
if ((have_qemu)); then
    row qemu-tcg "$runs" "$(value ok "$qemu_line")" "$(value median_ms "$qemu_line")" \
        "$(value min_ms "$qemu_line")" "$(value max_ms "$qemu_line")"
else
    why="$qemu is not on PATH"
    if [[ -n "${SVM_BENCH_NO_QEMU:-}" ]]; then why="SVM_BENCH_NO_QEMU is set"; fi
    echo "bios qemu-tcg  not measured: $why"
fi

# qemu / svm: how many times faster svm is, on medians and on minimums.
both=0
if ((have_kvm && have_qemu)); then both=1; fi
print_ratio bios 10 "$both" "$svm_line" "$qemu_line"
exit "$failed"
