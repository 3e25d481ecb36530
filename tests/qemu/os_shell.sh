#!/usr/bin/env bash
# Drives svm's sample OS (guest/os/, docs/guests.md "The sample OS") on QEMU-TCG through its COM1
# shell: types commands into the serial port and checks what each one prints. No /dev/kvm.
#
#   os_shell.sh --kernel OS.ELF --work DIR --case shell|crash|shutdown [--qemu QEMU] [--timeout S]
#
#   shell     help, ticks, ps, mem, uptime, ticks again (it must have grown), exit 3: QEMU's
#             isa-debug-exit status must be (3 << 1) | 1 = 7
#   crash     crash: the page-fault line with CR2 = 0xdead0000000 and "halted"; then QEMU is killed
#   shutdown  shutdown: ACPI S5 must power QEMU off (status 0)
#
# QEMU reads COM1 input from a FIFO the script writes to, and writes COM1 output to a log the
# script polls; every wait has a deadline, and QEMU is only ever killed by its own PID.
set -euo pipefail

qemu=qemu-system-x86_64 kernel="" work="" case="" timeout_s=30
while [ $# -gt 0 ]; do
    case "$1" in
        --qemu) qemu=$2; shift 2 ;;
        --kernel) kernel=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --case) case=$2; shift 2 ;;
        --timeout) timeout_s=$2; shift 2 ;;
        *) echo "os_shell.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ -z "$kernel" ] || [ -z "$work" ] || [ -z "$case" ]; then
    echo "os_shell.sh: --kernel, --work and --case are required" >&2
    exit 2
fi
if [ ! -f "$kernel" ]; then
    echo "os_shell.sh: $kernel is missing (build the guests: cmake --build BUILD --target guests)" >&2
    exit 1
fi
rm -rf "$work"
mkdir -p "$work"
log="$work/console.log"
qemu_pid=""

finish() {
    if [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; then kill "$qemu_pid" 2>/dev/null || true; fi
    exec 3>&-
}
trap finish EXIT

fail() {
    echo "os_shell.sh: $case: FAILED: $*" >&2
    echo "---- COM1 ----" >&2
    cat "$log" >&2 || true
    echo "---- QEMU stderr ----" >&2
    cat "$work/qemu.err" >&2 || true
    exit 1
}

# Starts QEMU with COM1 on stdin (the FIFO) and stdout (the log).
start=$(date +%s.%N)
mkfifo "$work/in"
: >"$log"
"$qemu" -accel tcg -M pc -m 128 -display none -monitor none -no-reboot \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -kernel "$kernel" \
    <"$work/in" >"$log" 2>"$work/qemu.err" &
qemu_pid=$!
exec 3>"$work/in"
deadline=$(($(date +%s) + timeout_s))

# prompts: how many prompts COM1 has shown so far.
prompts() {
    grep -o 'svm-os> ' "$log" | wc -l
}

# wait_prompts N: waits until at least N prompts have appeared.
wait_prompts() {
    while [ "$(prompts)" -lt "$1" ]; do
        kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU ended while waiting for prompt $1"
        [ "$(date +%s)" -lt "$deadline" ] || fail "no prompt $1 within $timeout_s s"
        sleep 0.05
    done
}

# run CMD: types CMD at the next prompt and waits for the prompt after it; the output of the
# command (the echoed line first) is then in $out.
n=0
run() {
    n=$((n + 1))
    wait_prompts "$n"
    printf '%s\n' "$1" >&3
    wait_prompts $((n + 1))
    out=$(awk -v RS='svm-os> ' -v n="$n" 'NR == n + 1 { printf "%s", $0 }' "$log")
    printf '%s\n' "$out" | sed "s/^/[$case] /"
}

# has REGEX: the last command's output has a line matching the extended regular expression.
has() {
    printf '%s\n' "$out" | grep -Eq -- "$1" || fail "no line matching '$1' in the output of the last command"
}

# wait_exit: waits for QEMU to end on its own; sets $status.
wait_exit() {
    while kill -0 "$qemu_pid" 2>/dev/null; do
        [ "$(date +%s)" -lt "$deadline" ] || fail "QEMU still running after $timeout_s s"
        sleep 0.05
    done
    status=0
    wait "$qemu_pid" || status=$?
    qemu_pid=""
}

case "$case" in
    shell)
        run help
        for c in help mem ps ticks uptime cpus crash exit shutdown reboot; do has "^  $c "; done
        run ticks
        has '^ticks: [0-9]+ \(100 Hz\)$'
        first=$(printf '%s\n' "$out" | sed -n 's/^ticks: \([0-9]*\).*/\1/p')
        run ps
        has '^ +0  idle ' && has '^ +1  shell +running ' && has '^ +2  counter '
        has '^counter: [0-9]+$'
        run mem
        has '^memory map \((Multiboot|svm machine table)\):$'
        has '^  0x0*100000-0x[0-9a-f]+ +[0-9]+ KiB  available$'
        usable=$(printf '%s\n' "$out" | sed -n 's/^usable RAM: \([0-9]*\) KiB$/\1/p')
        [ -n "$usable" ] && [ "$usable" -gt 100000 ] || fail "usable RAM '$usable' KiB, want > 100000 (-m 128)"
        has '^frames: [1-9][0-9]* free of [0-9]+'
        sleep 0.3
        run uptime
        has '^uptime: [0-9]+\.[0-9]{2} s \([0-9]+ ticks\)$'
        run ticks
        second=$(printf '%s\n' "$out" | sed -n 's/^ticks: \([0-9]*\).*/\1/p')
        [ -n "$second" ] && [ "$second" -gt "$first" ] || fail "ticks did not increase: $first, then $second"
        echo "os_shell.sh: ticks $first -> $second"
        n=$((n + 1))
        wait_prompts "$n"
        printf 'exit 3\n' >&3
        wait_exit
        grep -q '^exit: code 3' "$log" || fail "no 'exit: code 3' line"
        [ "$status" = 7 ] || fail "QEMU exit status $status, want 7 ((3 << 1) | 1)"
        ;;
    crash)
        n=1
        wait_prompts 1
        printf 'crash\n' >&3
        while ! grep -q '^\*\*\* svm-os halted' "$log"; do
            kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU ended before the crash report"
            [ "$(date +%s)" -lt "$deadline" ] || fail "no crash report within $timeout_s s"
            sleep 0.05
        done
        sed "s/^/[$case] /" "$log"
        grep -Eq '^\*\*\* page fault: cr2 0x00000dead0000000 rip 0x[0-9a-f]{16} error 0x2 \(write, not present\) in thread "shell"$' "$log" ||
            fail "no page-fault line with cr2 0x00000dead0000000"
        ;;
    shutdown)
        wait_prompts 1
        printf 'shutdown\n' >&3
        wait_exit
        sed "s/^/[$case] /" "$log"
        grep -q '^shutdown: ACPI S5' "$log" || fail "no 'shutdown: ACPI S5' line"
        [ "$status" = 0 ] || fail "QEMU exit status $status, want 0 (powered off)"
        ;;
    *) fail "unknown case" ;;
esac
end=$(date +%s.%N)
echo "os_shell.sh: $case: passed in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s"
