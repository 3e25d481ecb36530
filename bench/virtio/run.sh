#!/usr/bin/env bash
# The virtio benchmarks (docs/benchmarks.md "Virtio", issue 13 "Speed"):
#   1. bench/virtio/blk_overhead: host CPU per 4 KiB virtio-blk read request against a bare
#      pread, notifications and interrupts per request with EVENT_IDX, the I/O-thread hand-off.
#      No KVM needed: it always runs.
#   2. Guest side, the same guests (guest/virtio/virtio_blk.elf, virtio_net.elf) under svm and
#      under QEMU-TCG (-device virtio-blk-pci / virtio-net-pci, disable-legacy=on):
#      a. virtio_blk: `write` of the whole disk (write + FLUSH + read back), then `verify` (a
#         sequential read of the whole disk in 8 KiB requests, each sector compared with the
#         pattern), then `verify` of 256 sectors; verify(whole) - verify(256 sectors) is the
#         sequential read as the guest sees it (boot and set-up cancel out). svm runs with
#         --trace-exits: MMIO exits per request come from its table.
#      b. Round trips host -> guest: TCP echo through a hostfwd (user networking: slirp under
#         both VMMs; ICMP cannot reach a slirp guest from the host) and, as root with
#         /dev/net/tun, ICMP echo over a TAP device in a network namespace this script creates
#         and deletes.
#   Without /dev/kvm svm's rows say `not measured: no /dev/kvm` and QEMU's are still measured.
#
#   bench/virtio/run.sh                       build into build/ (or $SVM_BUILD_DIR), run all
#   SVM_BENCH_QUICK=1 bench/virtio/run.sh     8 MiB disk, 1 run, 200 round trips, short host runs
#   SVM_BENCH_NO_QEMU=1 bench/virtio/run.sh   svm only
#   SVM_BENCH_RUNS=N bench/virtio/run.sh      N verify runs per VMM (default 3)
#   SVM_BENCH_DISK_MIB=N                      disk size (default 64)
#
# Every VMM runs under `timeout` (it ends by itself, or timeout ends it); background VMMs are
# ended by their PID on exit. Ports are free ports on 127.0.0.1. Exit status 0 unless a
# measurement that was attempted failed (1) or the build failed.
set -euo pipefail
cd "$(dirname "$0")/../.."
build="${SVM_BUILD_DIR:-build}"
qemu="${SVM_BENCH_QEMU:-qemu-system-x86_64}"
runs="${SVM_BENCH_RUNS:-3}"
disk_mib="${SVM_BENCH_DISK_MIB:-64}"
rounds=1000
blk_args=()
if [[ -n "${SVM_BENCH_QUICK:-}" ]]; then
    [[ -n "${SVM_BENCH_RUNS:-}" ]] || runs=1
    [[ -n "${SVM_BENCH_DISK_MIB:-}" ]] || disk_mib=8
    rounds=200
    blk_args+=(--requests 20000 --runs 3)
fi
sectors=$((disk_mib * 2048))
vm_timeout=600

have_kvm=0
if [[ -r /dev/kvm && -w /dev/kvm ]]; then have_kvm=1; fi
qemu_why=""
if [[ -n "${SVM_BENCH_NO_QEMU:-}" ]]; then
    qemu_why="SVM_BENCH_NO_QEMU is set"
elif ! command -v "$qemu" >/dev/null; then
    qemu_why="$qemu is not on PATH (apt-get install qemu-system-x86)"
fi
have_qemu=0
if [[ -z "$qemu_why" ]]; then have_qemu=1; fi
tap_why=""
if [[ "$(id -u)" != 0 ]]; then
    tap_why="needs root (a TAP device in a network namespace)"
elif [[ ! -c /dev/net/tun ]] || ! command -v ip >/dev/null; then
    tap_why="needs /dev/net/tun and ip(8)"
fi
no_kvm="not measured: no /dev/kvm, svm cannot run a guest here (run bench/virtio/run.sh on a KVM host)"

if [[ ! -f "$build/CMakeCache.txt" ]]; then
    # shellcheck disable=SC2086  # SVM_CMAKE_ARGS holds several arguments
    cmake -S . -B "$build" -G Ninja ${SVM_CMAKE_ARGS:-} >/dev/null
fi
targets=(blk_overhead guest_virtio_blk guest_virtio_net)
if ((have_kvm)); then targets+=(svm); fi
cmake --build "$build" --target "${targets[@]}" >/dev/null
guests="$build/guest"
svm="$build/svm"

work="$(mktemp -d /tmp/svm-virtio-bench-XXXXXX)"
pids=()
netns=""
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    if [[ -n "$netns" ]]; then ip netns del "$netns" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
failed=0

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
seconds() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

echo "== virtio-blk host overhead (bench/virtio/blk_overhead) =="
"$build/bench/virtio/blk_overhead" "${blk_args[@]}" || failed=1

# ---- 2a: the block guest ----
# shellcheck disable=SC2054  # the commas belong to QEMU's option values
qemu_common=(-accel tcg -M pc -m 128 -display none -monitor none -no-reboot
    -device isa-debug-exit,iobase=0xf4,iosize=4)

# blk_run VMM NAME ARGS: boots virtio_blk.elf with the command line ARGS on $work/disk.img; prints
# the wall time in seconds (process start to exit) on stdout. Returns 1 if the VMM did not exit
# with the guest's success or the log lacks SUCCESS.
blk_run() {
    local vmm=$1 name=$2 args=$3 log="$work/$2.log" status=0 start end
    start=$(date +%s.%N)
    if [[ $vmm == qemu ]]; then
        timeout -k 5 "$vm_timeout" "$qemu" "${qemu_common[@]}" -nic none \
            -drive "if=none,id=d0,file=$work/disk.img,format=raw" \
            -device virtio-blk-pci,drive=d0,disable-legacy=on \
            -kernel "$guests/virtio_blk.elf" -append "$args" -serial "file:$log" \
            >"$work/$name.out" 2>&1 || status=$?
        end=$(date +%s.%N)
        [[ $status == 1 ]] || { echo "virtio: $name: QEMU exit status $status, want 1" >&2; return 1; }
    else
        timeout -k 5 "$vm_timeout" "$svm" --serial "file:$log" --timeout "$vm_timeout" \
            --trace-exits --disk "$work/disk.img" --cmdline "$args" "$guests/virtio_blk.elf" \
            >"$work/$name.out" 2>&1 || status=$?
        end=$(date +%s.%N)
        [[ $status == 0 ]] || { echo "virtio: $name: svm exit status $status, want 0" >&2; return 1; }
    fi
    grep -q '^SUCCESS$' "$log" || { echo "virtio: $name: no SUCCESS in the guest's log" >&2; return 1; }
    seconds "$start" "$end"
}

# blk_vmm VMM LABEL: the write run, then `runs` pairs of verify runs; prints the result lines
# (progress goes to stderr). Returns 1 if a run failed.
blk_vmm() {
    local vmm=$1 label=$2 t_write t_full t_small full=() small=() i
    rm -f "$work/disk.img"
    truncate -s "${disk_mib}M" "$work/disk.img"
    echo "$label: write + FLUSH + read back of $disk_mib MiB ($sectors sectors)" >&2
    t_write=$(blk_run "$vmm" "$vmm-write" "write seed=7 sectors=$sectors") || return 1
    for ((i = 0; i < runs; i++)); do
        echo "$label: verify $disk_mib MiB, run $((i + 1))/$runs" >&2
        t_full=$(blk_run "$vmm" "$vmm-verify-$i" "verify seed=7 sectors=$sectors") || return 1
        t_small=$(blk_run "$vmm" "$vmm-small-$i" "verify seed=7 sectors=256") || return 1
        full+=("$t_full")
        small+=("$t_small")
    done
    t_full=$(printf '%s\n' "${full[@]}" | median)
    t_small=$(printf '%s\n' "${small[@]}" | median)
    local read_s mib_s
    read_s=$(awk -v a="$t_full" -v b="$t_small" 'BEGIN { printf "%.3f", a - b }')
    mib_s=$(awk -v s="$read_s" -v m="$disk_mib" 'BEGIN { if (s > 0) printf "%.1f", (m - 0.125) / s; else print "n/a" }')
    echo "virtio guest blk $label: write+flush+read $disk_mib MiB ${t_write} s; verify $disk_mib MiB ${t_full} s, verify 128 KiB ${t_small} s (medians of $runs); sequential read as the guest sees it: ${read_s} s, ${mib_s} MiB/s (includes the guest's pattern compare)"
    if [[ $vmm == svm ]]; then
        # svm's exit table of the last full verify run, and the guest's request count.
        local out="$work/svm-verify-$((runs - 1)).out" log="$work/svm-verify-$((runs - 1)).log"
        local mmio reqs
        mmio=$(awk '$1 == "MMIO" { print $2 }' "$out")
        reqs=$(sed -n 's/^blk: \([0-9]*\) requests$/\1/p' "$log")
        echo "virtio guest blk svm exits (verify $disk_mib MiB):" >&2
        sed -n '/^VM exits:/,$p' "$out" >&2
        if [[ -n "$mmio" && -n "$reqs" ]]; then
            echo "virtio guest blk svm: $mmio MMIO exits for $reqs requests: $(awk -v a="$mmio" -v b="$reqs" 'BEGIN { printf "%.3f", a / b }') MMIO exits per request (doorbells through an ioeventfd are not MMIO exits)"
        else
            echo "virtio guest blk svm: no MMIO row or request count found (see the table above)"
        fi
    fi
}

echo
echo "== virtio-blk guest: sequential read of $disk_mib MiB (guest/virtio/virtio_blk.elf) =="
blk_svm="" blk_qemu=""
if ((have_kvm)); then
    if blk_svm=$(blk_vmm svm svm); then echo "$blk_svm"; else failed=1; blk_svm=""; echo "virtio guest blk svm: failed"; fi
else
    echo "virtio guest blk svm $no_kvm"
fi
if ((have_qemu)); then
    if blk_qemu=$(blk_vmm qemu qemu-tcg); then echo "$blk_qemu"; else failed=1; blk_qemu=""; echo "virtio guest blk qemu-tcg: failed"; fi
else
    echo "virtio guest blk qemu-tcg not measured: $qemu_why"
fi
if [[ -n "$blk_svm" && -n "$blk_qemu" ]]; then
    s=$(sed -n 's/.*as the guest sees it: \([0-9.]*\) s.*/\1/p' <<<"$blk_svm" | head -1)
    q=$(sed -n 's/.*as the guest sees it: \([0-9.]*\) s.*/\1/p' <<<"$blk_qemu" | head -1)
    echo "virtio guest blk ratio qemu/svm (sequential read): $(awk -v a="$q" -v b="$s" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "n/a" }')"
fi

# ---- 2b: round trips ----
# net_user VMM: TCP echo RTT through hostfwd (slirp). Prints rtt.py's line.
net_user() {
    local vmm=$1 port log="$work/$1-user.log" pid status=0 client=0 line
    port=$(free_port)
    local args="want_ip=10.0.2.15 echo=7 conns=1 timeout=$((vm_timeout - 10))"
    if [[ $vmm == qemu ]]; then
        timeout -k 5 "$vm_timeout" "$qemu" "${qemu_common[@]}" \
            -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7" \
            -device virtio-net-pci,netdev=n0,disable-legacy=on,romfile= \
            -kernel "$guests/virtio_net.elf" -append "$args" -serial "file:$log" \
            >"$work/$vmm-user.out" 2>&1 &
    else
        timeout -k 5 "$vm_timeout" "$svm" --serial "file:$log" --timeout "$vm_timeout" \
            --net "user,hostfwd=tcp:127.0.0.1:$port-:7" --cmdline "$args" \
            "$guests/virtio_net.elf" >"$work/$vmm-user.out" 2>&1 &
    fi
    pid=$!
    pids+=("$pid")
    for _ in $(seq 1 1200); do
        grep -q '^net: tcp echo listening' "$log" 2>/dev/null && break
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    line=$(python3 bench/virtio/rtt.py tcp 127.0.0.1 "$port" "$rounds") || client=1
    wait "$pid" || status=$?
    echo "$line"
    ((client == 0)) || return 1
    if [[ $vmm == qemu ]]; then [[ $status == 1 ]] || return 1; else [[ $status == 0 ]] || return 1; fi
}

# net_tap: ICMP RTT over a TAP device, inside a network namespace; svm when there is KVM, QEMU
# for reference. Prints one line per VMM.
net_tap() {
    netns="svm-virtio-bench-$$"
    ip netns add "$netns"
    ip netns exec "$netns" ip link set lo up
    ip netns exec "$netns" ip tuntap add dev svmtap0 mode tap
    ip netns exec "$netns" ip addr add 10.0.0.1/24 dev svmtap0
    ip netns exec "$netns" ip link set svmtap0 up
    local vmm log pid status line args="ip=10.0.0.2 pings=$((rounds + 5)) timeout=$((vm_timeout - 10))"
    local vmms=()
    ((have_kvm)) && vmms+=(svm)
    ((have_qemu)) && vmms+=(qemu)
    for vmm in "${vmms[@]}"; do
        log="$work/$vmm-tap.log"
        if [[ $vmm == qemu ]]; then
            ip netns exec "$netns" timeout -k 5 "$vm_timeout" "$qemu" "${qemu_common[@]}" \
                -netdev tap,id=n0,ifname=svmtap0,script=no,downscript=no \
                -device virtio-net-pci,netdev=n0,disable-legacy=on,romfile= \
                -kernel "$guests/virtio_net.elf" -append "$args" -serial "file:$log" \
                >"$work/$vmm-tap.out" 2>&1 &
        else
            ip netns exec "$netns" timeout -k 5 "$vm_timeout" "$svm" --serial "file:$log" \
                --timeout "$vm_timeout" --net tap=svmtap0 --cmdline "$args" \
                "$guests/virtio_net.elf" >"$work/$vmm-tap.out" 2>&1 &
        fi
        pid=$!
        pids+=("$pid")
        for _ in $(seq 1 1200); do
            grep -q '^net: answering ARP' "$log" 2>/dev/null && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        line=$(ip netns exec "$netns" python3 bench/virtio/rtt.py icmp 10.0.0.2 "$rounds") || failed=1
        status=0
        wait "$pid" || status=$?
        local label=$vmm
        if [[ $vmm == qemu ]]; then label="qemu-tcg"; fi
        echo "virtio net tap $label: $line (VMM exit status $status)"
    done
    ip netns del "$netns"
    netns=""
}

echo
echo "== virtio-net round trips host -> guest (guest/virtio/virtio_net.elf), $rounds rounds =="
if ((have_kvm)); then
    if line=$(net_user svm); then echo "virtio net user svm: $line"; else failed=1; echo "virtio net user svm: failed ($line)"; fi
else
    echo "virtio net user svm $no_kvm"
fi
if ((have_qemu)); then
    if line=$(net_user qemu); then echo "virtio net user qemu-tcg: $line"; else failed=1; echo "virtio net user qemu-tcg: failed ($line)"; fi
else
    echo "virtio net user qemu-tcg not measured: $qemu_why"
fi
if [[ -n "$tap_why" ]]; then
    echo "virtio net tap not measured: $tap_why"
elif ((have_kvm || have_qemu)); then
    ((have_kvm)) || echo "virtio net tap svm $no_kvm"
    net_tap
fi
exit "$failed"
