#!/usr/bin/env bash
# The Limine boot benchmark (docs/guests.md "Limine guests"): process start -> the first COM1 byte
# of guest/limine/'s base revision 6 kernel (limine_rev6.elf with the command line "bench": it
# prints its first line and exits at once), under svm, which boots the ELF directly with its own
# Limine loader, and under QEMU-TCG booting the same ELF from a Limine BIOS ISO (SeaBIOS ->
# Limine -> the kernel). Each run is a fresh process, timed by bench/bios/first_byte.py; the first
# byte must be "l" and the run must end by itself (svm: exit code 0; QEMU: isa-debug-exit, status
# 1). Prints each VMM's median, minimum and maximum and, when both were measured, how many times
# faster svm is (target >= 50).
#
# The ISO is built only if Limine is available: LIMINE_DIR holding limine-bios.sys and
# limine-bios-cd.bin (a Limine binary release, which also holds the `limine` tool), or a `limine`
# tool on PATH whose ../share/limine holds them; plus xorriso. Otherwise the QEMU row says it was
# not measured and why. Without /dev/kvm the svm row says it was not measured. Neither is an error.
#
#   bench/limine/run.sh                      build into build/ (or $SVM_BUILD_DIR) if needed, run
#   SVM_BENCH_QUICK=1 bench/limine/run.sh    3 runs each instead of 10
#   SVM_BENCH_NO_QEMU=1 bench/limine/run.sh  svm only
#   SVM_BENCH_RUNS=N bench/limine/run.sh     N runs each
#   LIMINE_DIR=/path/to/limine bench/limine/run.sh
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

# Why QEMU + Limine cannot be measured, or empty if it can.
qemu_why=""
limine_tool=""
limine_dir="${LIMINE_DIR:-}"
if [[ -n "${SVM_BENCH_NO_QEMU:-}" ]]; then
    qemu_why="SVM_BENCH_NO_QEMU is set"
elif ! command -v "$qemu" >/dev/null; then
    qemu_why="$qemu is not on PATH (apt-get install qemu-system-x86)"
else
    if [[ -z "$limine_dir" ]] && command -v limine >/dev/null; then
        limine_dir="$(dirname "$(command -v limine)")/../share/limine"
    fi
    if [[ -n "$limine_dir" && -x "$limine_dir/limine" ]]; then
        limine_tool="$limine_dir/limine"
    elif command -v limine >/dev/null; then
        limine_tool="$(command -v limine)"
    fi
    if [[ -z "$limine_dir" ]]; then
        qemu_why="Limine is not available (no \`limine\` on PATH and LIMINE_DIR is not set; Debian 12 does not package it: get a binary release from https://github.com/limine-bootloader/limine and set LIMINE_DIR)"
    elif [[ ! -f "$limine_dir/limine-bios.sys" || ! -f "$limine_dir/limine-bios-cd.bin" ]]; then
        qemu_why="$limine_dir lacks limine-bios.sys or limine-bios-cd.bin"
    elif [[ -z "$limine_tool" ]]; then
        qemu_why="no \`limine\` tool to run bios-install (in LIMINE_DIR or on PATH)"
    elif ! command -v xorriso >/dev/null; then
        qemu_why="xorriso is not on PATH (apt-get install xorriso)"
    fi
fi
have_qemu=0
if [[ -z "$qemu_why" ]]; then have_qemu=1; fi

if [[ ! -f "$build/CMakeCache.txt" ]]; then
    cmake -S . -B "$build" -G Ninja ${SVM_CMAKE_ARGS:-} >/dev/null
fi
targets=(guest_limine_rev6)
if ((have_kvm)); then targets+=(svm); fi
cmake --build "$build" --target "${targets[@]}" >/dev/null

kernel="$build/guest/limine_rev6.elf"
timer=(python3 bench/bios/first_byte.py --runs "$runs" --expect l --timeout 120)

iso=""
if ((have_qemu)); then
    # A hybrid BIOS ISO as the Limine documentation builds one ("Limine BIOS ISO"): the kernel and
    # limine.conf under /boot, El Torito booting limine-bios-cd.bin, then `limine bios-install`.
    work="$(mktemp -d /tmp/svm-limine-bench-XXXXXX)"
    trap 'rm -rf "$work"' EXIT
    mkdir -p "$work/root/boot/limine"
    cp "$kernel" "$work/root/boot/limine_rev6.elf"
    cp "$limine_dir/limine-bios.sys" "$limine_dir/limine-bios-cd.bin" "$work/root/boot/limine/"
    cat >"$work/root/boot/limine/limine.conf" <<'CONF'
timeout: 0

/svm limine benchmark
    protocol: limine
    path: boot():/boot/limine_rev6.elf
    cmdline: bench
CONF
    iso="$work/limine_rev6.iso"
    if ! xorriso -as mkisofs -R -r -J -b boot/limine/limine-bios-cd.bin -no-emul-boot \
            -boot-load-size 4 -boot-info-table -o "$iso" "$work/root" >/dev/null 2>&1 ||
        ! "$limine_tool" bios-install "$iso" >/dev/null 2>&1; then
        have_qemu=0
        qemu_why="building the Limine ISO failed (xorriso or \`$limine_tool bios-install\`)"
    fi
fi

failed=0
svm_line=""
qemu_line=""
if ((have_kvm)); then
    echo "svm: $runs runs" >&2
    svm_line="$("${timer[@]}" --exit-code 0 --label svm -- "$build/svm" --serial stdio --timeout 60 \
        --cmdline bench "$kernel")" || failed=1
fi
if ((have_qemu)); then
    echo "qemu-tcg+limine: $runs runs" >&2
    # -nodefaults: no NIC or default serial/monitor, so COM1 (-serial stdio) is the only thing on
    # stdout; std VGA for Limine's framebuffer. The kernel's exit code 0 on isa-debug-exit makes
    # QEMU exit with status (0 << 1) | 1 = 1.
    qemu_line="$("${timer[@]}" --exit-code 1 --label qemu-tcg -- "$qemu" -accel tcg -nodefaults \
        -vga std -display none -no-reboot -m 256 -serial stdio -cdrom "$iso" \
        -device isa-debug-exit,iobase=0xf4,iosize=0x04)" || failed=1
fi

# shellcheck source=bench/first_byte_lib.sh
source bench/first_byte_lib.sh
row() { printf 'limine %-16s %6s %6s %12s %12s %12s\n' "$@"; }

echo
echo "Limine kernel (base revision 6): process start -> first COM1 byte ($(date -u +%Y-%m-%d), $(nproc) cores, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg))"
row vmm runs ok "median ms" "min ms" "max ms"
if ((have_kvm)); then
    row svm "$runs" "$(value ok "$svm_line")" "$(value median_ms "$svm_line")" \
        "$(value min_ms "$svm_line")" "$(value max_ms "$svm_line")"
else
    echo "limine svm              not measured: no /dev/kvm, svm cannot run a guest here (run bench/limine/run.sh on a KVM host)"
fi
if ((have_qemu)); then
    row qemu-tcg+limine "$runs" "$(value ok "$qemu_line")" "$(value median_ms "$qemu_line")" \
        "$(value min_ms "$qemu_line")" "$(value max_ms "$qemu_line")"
else
    echo "limine qemu-tcg+limine  not measured: $qemu_why"
fi

# qemu / svm: how many times faster svm is, on medians and on minimums.
both=0
if ((have_kvm && have_qemu)); then both=1; fi
print_ratio limine 50 "$both" "$svm_line" "$qemu_line"
exit "$failed"
