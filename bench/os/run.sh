#!/usr/bin/env bash
# The sample OS benchmark (docs/benchmarks.md "Sample OS: boot to the shell prompt", issue 14
# "Speed"): process start -> the `svm-os> ` prompt on COM1, median over 20 fresh runs, under svm
# and under QEMU-TCG booting the same files with the same devices:
#   svm       build/svm with no kernel: the embedded sample OS, its disk read-only, a user-mode
#             network card and the entropy device (svm's default set-up)
#   qemu-tcg  -kernel build/guest/os.elf (Multiboot), build/guest/os-disk.img read-only on
#             virtio-blk-pci, virtio-net-pci on user networking, virtio-rng-pci
# Each run is timed by bench/os/boot_to_prompt.py, which then types `exit 0` and requires the VMM
# to end with the guest's status. Prints each VMM's median, minimum and maximum and, when both
# were measured, how many times faster svm is. Without /dev/kvm the svm row says it was not
# measured and QEMU's row is still measured; that is not an error.
#
#   bench/os/run.sh                      build into build/ (or $SVM_BUILD_DIR) if needed, run
#   SVM_BENCH_QUICK=1 bench/os/run.sh    5 runs each instead of 20
#   SVM_BENCH_NO_QEMU=1 bench/os/run.sh  svm only
#   SVM_BENCH_RUNS=N bench/os/run.sh     N runs each
#
# Every process is started and ended (by its PID, on a timeout) by boot_to_prompt.py. Exit status
# 0 unless a measurement that was attempted failed (1) or the build failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${SVM_BUILD_DIR:-build}"
qemu="${SVM_BENCH_QEMU:-qemu-system-x86_64}"

runs="${SVM_BENCH_RUNS:-20}"
if [[ -n "${SVM_BENCH_QUICK:-}" && -z "${SVM_BENCH_RUNS:-}" ]]; then runs=5; fi

have_kvm=0
if [[ -r /dev/kvm && -w /dev/kvm ]]; then have_kvm=1; fi
have_qemu=0
if [[ -z "${SVM_BENCH_NO_QEMU:-}" ]] && command -v "$qemu" >/dev/null; then have_qemu=1; fi

if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S . -B "$build" -G Ninja ${SVM_CMAKE_ARGS:-} >/dev/null
fi
targets=(guests)
if ((have_kvm)); then targets+=(svm); fi
cmake --build "$build" --target "${targets[@]}" >/dev/null

timer=(python3 bench/os/boot_to_prompt.py --runs "$runs" --timeout 120)
failed=0
svm_line=""
qemu_line=""
if ((have_kvm)); then
    echo "svm: $runs runs" >&2
    svm_line="$("${timer[@]}" --label svm --exit-code 0 -- "$build/svm" --serial stdio --timeout 100)" ||
        failed=1
fi
if ((have_qemu)); then
    echo "qemu-tcg: $runs runs" >&2
    # -nodefaults: no default NIC or monitor, COM1 (-serial stdio) is the only thing on stdout;
    # -vga std: the display adapter svm always has (the OS draws its console there too).
    qemu_line="$("${timer[@]}" --label qemu-tcg --exit-code 1 -- "$qemu" -accel tcg -M pc -m 128 \
        -nodefaults -vga std -display none -no-reboot -serial stdio -kernel "$build/guest/os.elf" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04 \
        -device virtio-blk-pci,drive=d,disable-legacy=on \
        -drive "if=none,id=d,file=$build/guest/os-disk.img,format=raw,readonly=on" \
        -device virtio-net-pci,netdev=n,disable-legacy=on,romfile= -netdev user,id=n \
        -device virtio-rng-pci,disable-legacy=on)" || failed=1
fi

# shellcheck source=bench/first_byte_lib.sh
source bench/first_byte_lib.sh
row() { printf 'os %-9s %6s %6s %12s %12s %12s\n' "$@"; }

echo
echo "Sample OS: process start -> shell prompt on COM1 ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg))"
row vmm runs ok "median ms" "min ms" "max ms"
if ((have_kvm)); then
    row svm "$runs" "$(value ok "$svm_line")" "$(value median_ms "$svm_line")" "$(value min_ms "$svm_line")" \
        "$(value max_ms "$svm_line")"
else
    echo "os svm       not measured: no /dev/kvm (run bench/os/run.sh on a KVM host)"
fi
if ((have_qemu)); then
    row qemu-tcg "$runs" "$(value ok "$qemu_line")" "$(value median_ms "$qemu_line")" \
        "$(value min_ms "$qemu_line")" "$(value max_ms "$qemu_line")"
else
    why="$qemu is not on PATH"
    if [[ -n "${SVM_BENCH_NO_QEMU:-}" ]]; then why="SVM_BENCH_NO_QEMU is set"; fi
    echo "os qemu-tcg  not measured: $why"
fi

# qemu / svm: how many times sooner svm shows the prompt (the issue sets no target).
if ((have_kvm && have_qemu)); then
    echo "os ratio qemu/svm: median $(ratio "$(value median_ms "$qemu_line")" "$(value median_ms "$svm_line")")x," \
        "min $(ratio "$(value min_ms "$qemu_line")" "$(value min_ms "$svm_line")")x"
else
    echo "os ratio qemu/svm: n/a (both VMMs must be measured)"
fi
exit "$failed"
