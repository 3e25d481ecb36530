#!/usr/bin/env bash
# Drives svm's sample OS (guest/os/, docs/guests.md "The sample OS") on QEMU-TCG through its COM1
# shell: types commands into the serial port and checks what each one prints. No /dev/kvm.
#
#   os_shell.sh --kernel OS.ELF --work DIR --case shell|crash|shutdown|devices|smp [--qemu QEMU]
#               [--timeout S] [--disk OS-DISK.IMG --disk-dir guest/os/disk] [--smp N]
#
#   shell     (no virtio devices) help, ticks, ps, mem, uptime, ticks again (it must have grown),
#             ls/cat/ifconfig/ping/random saying the device is missing; alarm 3, then "tic"
#             typed without Enter: the alarm's line must be a line of its own, with the prompt
#             and "tic" written again below it, and "ks" + Enter must then run `ticks`; exit 3:
#             QEMU's isa-debug-exit status must be (3 << 1) | 1 = 7
#   crash     crash: the page-fault line with CR2 = 0xdead0000000, the thread and the CPU, and
#             "halted"; then QEMU is killed
#   shutdown  shutdown: ACPI S5 must power QEMU off (status 0)
#   devices   with virtio-blk (--disk, read-only), virtio-net (user networking) and virtio-rng:
#             waits for the DHCP address, then ls (every file of --disk-dir with its size), cat
#             README.txt (its first line), random twice (32 hex digits, different), ifconfig
#             (10.0.2.15), ping 10.0.2.2 (4 replies), exit 0 (status 1)
#   smp       with --smp N (N > 1, QEMU -smp N): the boot line says N CPUs are online; after 2 s,
#             `cpus` lists N online CPUs, each of which has run threads other than its idle
#             thread and counted timer ticks; `ps` shows non-idle threads on more than one CPU;
#             exit 0 (status 1)
#
# QEMU reads COM1 input from a FIFO the script writes to, and writes COM1 output to a log the
# script polls; every wait has a deadline, and QEMU is only ever killed by its own PID.
set -euo pipefail

qemu=qemu-system-x86_64 kernel="" work="" case="" timeout_s=30 disk="" disk_dir="" smp=1
while [ $# -gt 0 ]; do
    case "$1" in
        --smp) smp=$2; shift 2 ;;
        --disk) disk=$2; shift 2 ;;
        --disk-dir) disk_dir=$2; shift 2 ;;
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
devices=()
if [ "$case" = devices ]; then
    if [ -z "$disk" ] || [ -z "$disk_dir" ]; then
        echo "os_shell.sh: --case devices needs --disk and --disk-dir" >&2
        exit 2
    fi
    [ -f "$disk" ] || { echo "os_shell.sh: $disk is missing (build the guests)" >&2; exit 1; }
    devices=(-device virtio-blk-pci,drive=d,disable-legacy=on
             -drive "if=none,id=d,file=$disk,format=raw,readonly=on"
             -device virtio-net-pci,netdev=n,disable-legacy=on,romfile= -netdev user,id=n
             -device virtio-rng-pci,disable-legacy=on)
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
    -device isa-debug-exit,iobase=0xf4,iosize=4 -serial stdio -kernel "$kernel" -smp "$smp" \
    "${devices[@]}" \
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

# at_prompt: waits until the shell waits for a command: COM1's output ends with the prompt.
# (A message from another thread, such as the network thread's DHCP lines, is written on a line of
# its own and the prompt is written again after it, so prompts are counted only here.)
at_prompt() {
    while [ "$(tail -c 8 "$log")" != 'svm-os> ' ]; do
        kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU ended while waiting for the prompt"
        [ "$(date +%s)" -lt "$deadline" ] || fail "no prompt within $timeout_s s"
        sleep 0.05
    done
}

# type_line TEXT: types TEXT and Enter at the prompt.
type_line() {
    at_prompt
    printf '%s\n' "$1" >&3
}

# run CMD: types CMD at the prompt and waits for the prompt after it; the output of the command
# (the echoed line first) is then in $out.
run() {
    at_prompt
    local before
    before=$(prompts)
    printf '%s\n' "$1" >&3
    wait_prompts $((before + 1))
    out=$(awk -v RS='svm-os> ' -v n="$before" 'NR == n + 1 { printf "%s", $0 }' "$log")
    printf '%s\n' "$out" | sed "s/^/[$case] /"
}

# has REGEX: the last command's output has a line matching the extended regular expression.
# (grep reads a here-string, not a pipe from printf: with `grep -q` and pipefail, printf could
# die of SIGPIPE once grep had its match, and fail the check at random.)
has() {
    grep -E -- "$1" >/dev/null <<<"$out" || fail "no line matching '$1' in the output of the last command"
}

# has_text TEXT: the last command's output has a line that is exactly TEXT.
has_text() {
    grep -Fx -- "$1" >/dev/null <<<"$out" || fail "no line '$1' in the output of the last command"
}

# wait_log REGEX: waits until COM1 has shown a line matching the extended regular expression.
wait_log() {
    while ! grep -Eq -- "$1" "$log"; do
        kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU ended while waiting for '$1'"
        [ "$(date +%s)" -lt "$deadline" ] || fail "no line matching '$1' within $timeout_s s"
        sleep 0.05
    done
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
        for c in help mem ps ticks uptime cpus random ls cat ifconfig ping alarm crash exit shutdown reboot; do
            has "^  $c "
        done
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
        # Phase 2's devices are optional: without them the shell says so and goes on.
        grep -q '^svm-os: no disk$' "$log" || fail "no 'svm-os: no disk' line at boot"
        run ls
        has '^ls: no disk$'
        run 'cat README.txt'
        has '^cat: no disk$'
        run ifconfig
        has '^ifconfig: no network card$'
        run 'ping 10.0.2.2'
        has '^ping: no network card$'
        run random
        has '^random: no entropy device$'
        # Another thread's line while a command is half typed (guest/os/console.c).
        run 'alarm 3'
        has '^alarm: set for 3 s$'
        at_prompt
        printf 'tic' >&3
        while [ "$(tail -c 11 "$log")" != 'svm-os> tic' ]; do
            grep -q '^alarm: 3 s passed' "$log" && fail "the alarm rang before 'tic' was echoed"
            [ "$(date +%s)" -lt "$deadline" ] || fail "'tic' was not echoed within $timeout_s s"
            sleep 0.05
        done
        before=$(prompts)
        wait_log '^alarm: 3 s passed$'
        wait_prompts $((before + 1))
        [ "$(tail -c 11 "$log")" = 'svm-os> tic' ] || fail "the prompt and 'tic' were not written again after the alarm"
        grep -qx 'svm-os> tic' "$log" || fail "the alarm's line did not start a line of its own"
        printf 'ks\n' >&3
        wait_prompts $((before + 2))
        out=$(awk -v RS='svm-os> ' -v n="$before" 'NR == n + 2 { printf "%s", $0 }' "$log")
        printf '%s\n' "$out" | sed "s/^/[$case] /"
        has_text ticks
        has '^ticks: [0-9]+ \(100 Hz\)$'
        type_line 'exit 3'
        wait_exit
        grep -q '^exit: code 3' "$log" || fail "no 'exit: code 3' line"
        [ "$status" = 7 ] || fail "QEMU exit status $status, want 7 ((3 << 1) | 1)"
        ;;
    crash)
        type_line crash
        while ! grep -q '^\*\*\* svm-os halted' "$log"; do
            kill -0 "$qemu_pid" 2>/dev/null || fail "QEMU ended before the crash report"
            [ "$(date +%s)" -lt "$deadline" ] || fail "no crash report within $timeout_s s"
            sleep 0.05
        done
        sed "s/^/[$case] /" "$log"
        grep -Eq '^\*\*\* page fault: cr2 0x00000dead0000000 rip 0x[0-9a-f]{16} error 0x2 \(write, not present\) in thread "shell" on cpu [0-9]+$' "$log" ||
            fail "no page-fault line with cr2 0x00000dead0000000"
        ;;
    shutdown)
        type_line shutdown
        wait_exit
        sed "s/^/[$case] /" "$log"
        grep -q '^shutdown: ACPI S5' "$log" || fail "no 'shutdown: ACPI S5' line"
        [ "$status" = 0 ] || fail "QEMU exit status $status, want 0 (powered off)"
        ;;
    devices)
        wait_log '^svm-os: type help'
        grep -Eq '^svm-os: entropy: virtio-pci [0-9a-f:.]+:( [0-9a-f]{2}){16}$' "$log" ||
            fail "no 16 bytes of entropy at boot"
        grep -q '^svm-os: disk: virtio-pci .*, read-only$' "$log" || fail "no disk at boot"
        files=$(find "$disk_dir" -maxdepth 1 -type f | wc -l)
        grep -q "^svm-os: ustar archive with $files files\$" "$log" || fail "not $files files at boot"
        # The network thread prints its lease once DHCP is done; wait for it before typing, so
        # that its lines do not land in a command's output.
        wait_log '^net: address 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2 '
        run ls
        total=0
        for f in "$disk_dir"/*; do
            name=$(basename "$f")
            size=$(stat -c %s "$f")
            total=$((total + size))
            has "^  ${name//./\\.} +$size\$"
        done
        has "^$files files, $total bytes\$"
        run 'cat README.txt'
        has_text "$(head -n 1 "$disk_dir/README.txt")"
        has_text "$(tail -n 1 "$disk_dir/README.txt")"
        run 'cat nosuchfile'
        has '^cat: nosuchfile: no such file$'
        run random
        has '^[0-9a-f]{32}$'
        r1=$(printf '%s\n' "$out" | grep -E '^[0-9a-f]{32}$')
        run random
        has '^[0-9a-f]{32}$'
        r2=$(printf '%s\n' "$out" | grep -E '^[0-9a-f]{32}$')
        [ "$r1" != "$r2" ] || fail "random printed $r1 twice"
        run ifconfig
        has '^  mac 52:54:00:[0-9a-f:]{8}, link up$'
        has '^  inet 10\.0\.2\.15 netmask 255\.255\.255\.0 gateway 10\.0\.2\.2 dns 10\.0\.2\.3 '
        has '^  rx [1-9][0-9]* frames, tx [1-9][0-9]* frames$'
        run 'ping 10.0.2.2'
        for i in 1 2 3 4; do has "^reply from 10\.0\.2\.2: seq $i ttl [0-9]+ time [0-9]+\.[0-9]{3} ms\$"; done
        has '^--- 10\.0\.2\.2: 4 sent, 4 received, 0% loss, time min/avg/max [0-9.]+/[0-9.]+/[0-9.]+ ms$'
        run ps
        has '^ +[0-9]+  net +(sleeping|ready|running|blocked) '
        type_line 'exit 0'
        wait_exit
        [ "$status" = 1 ] || fail "QEMU exit status $status, want 1 ((0 << 1) | 1)"
        ;;
    smp)
        [ "$smp" -gt 1 ] || fail "--case smp needs --smp N with N > 1"
        wait_prompts 1
        ids=$(seq -s ' ' 0 $((smp - 1)))
        grep -q "^svm-os: $smp CPUs online (APIC IDs $ids)\$" "$log" ||
            fail "no 'svm-os: $smp CPUs online (APIC IDs $ids)' line at boot"
        sleep 2 # every CPU's load and run count are worth looking at after a while
        run cpus
        has "^$smp of $smp cpus online\$"
        # cpu I: apic A online|offline thread NAME load P% ran R ticks T (os/kernel.h)
        line_re='^cpu ([0-9]+): apic ([0-9]+) (online|offline) thread ([^ ]+) load ([0-9]+)% ran ([0-9]+) ticks ([0-9]+)$'
        lines=$(grep -E -- "$line_re" <<<"$out" || true)
        [ "$(grep -c . <<<"$lines")" = "$smp" ] || fail "not $smp cpu lines in the output of cpus"
        while read -r line; do
            [[ $line =~ $line_re ]] || fail "cannot parse '$line'"
            cpu=${BASH_REMATCH[1]} state=${BASH_REMATCH[3]} ran=${BASH_REMATCH[6]} cpu_ticks=${BASH_REMATCH[7]}
            [ "$state" = online ] || fail "cpu $cpu is $state"
            [ "$ran" -gt 0 ] || fail "cpu $cpu has run no thread but its idle thread (ran $ran)"
            [ "$cpu_ticks" -gt 0 ] || fail "cpu $cpu has no timer ticks"
        done <<<"$lines"
        run ps
        has '^  id  name      state     cpu  ticks$'
        has '^ +[0-9]+  worker0 '
        # The CPU column of every thread but the idle ones: more than one CPU must appear.
        used=$(awk '$1 ~ /^[0-9]+$/ && $2 != "idle" && $4 ~ /^[0-9]+$/ { print $4 }' <<<"$out" | sort -u | wc -l)
        [ "$used" -gt 1 ] || fail "ps shows threads (other than idle) on $used CPU(s), want more than 1"
        echo "os_shell.sh: threads ran on $used of $smp CPUs"
        type_line 'exit 0'
        wait_exit
        [ "$status" = 1 ] || fail "QEMU exit status $status, want 1 ((0 << 1) | 1)"
        ;;
    *) fail "unknown case" ;;
esac
end=$(date +%s.%N)
echo "os_shell.sh: $case: passed in $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }') s"
