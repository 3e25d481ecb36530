#!/usr/bin/env bash
# Runs one case of the virtio test guests (guest/virtio/, docs/guests.md "virtio guests") on
# QEMU-TCG, the reference svm's virtio devices (devices/virtio/) are checked against. No /dev/kvm.
#
#   virtio_guest.sh --guests DIR --work DIR --case CASE [--qemu QEMU] [--timeout SECONDS]
#
# The guests are ELF64 files with a Multiboot 1 header that carries load addresses (the a.out
# kludge), which QEMU's `-kernel` Multiboot loader accepts (it refuses plain ELF64); SeaBIOS
# assigns the PCI BARs. Cases (PCI on `-M pc` with disable-legacy=on, i.e. device 0x1040 + type;
# MMIO on `-M microvm` with virtio-mmio version 2, force-legacy=false):
#   rng, rng-mmio          two 64-byte reads from virtio-rng
#   blk, blk-mmio          write a seeded pattern to sectors 0-255, FLUSH, read back; GET_ID
#   blk-persist            blk, then a second QEMU run in `verify` mode on the same image
#   blk-ro                 blk, then a run with readonly=on: reads verify, one write gets IOERR
#   blk-wrong-seed         blk, then verify with another seed: the guest must FAIL (exit 1)
#   net, net-mmio          DHCP (10.0.2.15 from QEMU's user network), ping 10.0.2.2
#   net-echo               net, then TCP echo on guest port 7 through hostfwd from 127.0.0.1
#   net-tap                static ip=10.0.0.2 on a TAP device in a private network namespace;
#                          the host side pings it (needs root and /dev/net/tun, else skipped: 77)
# Passes iff every QEMU run exits with the expected status (isa-debug-exit: (code << 1) | 1, so
# 1 for the guest's 0), its COM1 log has the expected lines, and the host-side checks pass.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
qemu=qemu-system-x86_64 guests="" work="" case="" timeout_s=60
while [ $# -gt 0 ]; do
    case "$1" in
        --qemu) qemu=$2; shift 2 ;;
        --guests) guests=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --case) case=$2; shift 2 ;;
        --timeout) timeout_s=$2; shift 2 ;;
        *) echo "virtio_guest.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ -z "$guests" ] || [ -z "$work" ] || [ -z "$case" ]; then
    echo "virtio_guest.sh: --guests, --work and --case are required" >&2
    exit 2
fi
for g in virtio_blk virtio_net virtio_rng; do
    if [ ! -f "$guests/$g.elf" ]; then
        echo "virtio_guest.sh: $guests/$g.elf is missing (build the guests: cmake --build BUILD --target guests)" >&2
        exit 1
    fi
done
rm -rf "$work"
mkdir -p "$work"

fail() {
    echo "virtio_guest.sh: $case: FAILED: $*" >&2
    exit 1
}

# QEMU's transports. -M pc: SeaBIOS loads the Multiboot image through its option ROM and assigns
# the BARs. -M microvm: qboot does the same; its 8 transports (QEMU 7.2: 24) sit at
# 0xFEB00000 + 0x200 * n and are filled from the last one.
pc=(-accel tcg -M pc -m 128)
microvm=(-accel tcg -M microvm -m 128 -global virtio-mmio.force-legacy=false)
mmio_args="transport=mmio mmio=0xfeb00000 mmio_count=24"
# shellcheck disable=SC2054  # the commas belong to QEMU's option values
common=(-display none -monitor none -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4)

# run NAME WANT_STATUS GUEST APPEND QEMU_ARGS...: one QEMU run in the foreground; prints the
# guest's log and the run time; fails unless QEMU exits with WANT_STATUS.
run() {
    local name=$1 want=$2 guest=$3 append=$4
    shift 4
    local log="$work/$name.log" status=0 start end
    start=$(date +%s.%N)
    timeout "$timeout_s" "$qemu" "${common[@]}" "$@" -kernel "$guests/$guest.elf" \
        -append "$append" -serial "file:$log" 2>"$work/$name.qemu.err" || status=$?
    end=$(date +%s.%N)
    sed "s/^/[$name] /" "$log" || true
    if [ -s "$work/$name.qemu.err" ]; then sed "s/^/[$name] qemu: /" "$work/$name.qemu.err"; fi
    echo "virtio_guest.sh: $name: QEMU status $status in $(seconds "$start" "$end") s"
    [ "$status" != 124 ] || fail "$name: QEMU did not finish within $timeout_s s"
    [ "$status" = "$want" ] || fail "$name: QEMU exit status $status, want $want"
}

# expect NAME REGEX...: each extended regular expression must match a line of NAME's log.
expect() {
    local name=$1
    shift
    for re in "$@"; do
        grep -Eq -- "$re" "$work/$name.log" || fail "$name: no line matching '$re' in the guest's log"
    done
}

# seconds START END: the difference, with two decimals.
seconds() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'
}

case "$case" in
    rng)
        run rng 1 virtio_rng "" "${pc[@]}" -nic none -device virtio-rng-pci,disable-legacy=on
        expect rng '^virtio: found device 4 at virtio-pci' '^check the reads differ: ok$' '^SUCCESS$'
        ;;
    rng-mmio)
        run rng-mmio 1 virtio_rng "$mmio_args" "${microvm[@]}" -device virtio-rng-device
        expect rng-mmio '^virtio: found device 4 at virtio-mmio' '^check the reads differ: ok$' '^SUCCESS$'
        ;;
    blk | blk-persist | blk-ro | blk-wrong-seed)
        img="$work/disk.img"
        truncate -s 1M "$img"
        serial=svm-virtio-disk
        dev=(-nic none -device "virtio-blk-pci,drive=d0,disable-legacy=on,serial=$serial")
        drive=(-drive "if=none,id=d0,file=$img,format=raw")
        run write 1 virtio_blk "write seed=4242 serial=$serial" "${pc[@]}" "${drive[@]}" "${dev[@]}"
        expect write '^virtio: found device 2 at virtio-pci' '^blk: serial "svm-virtio-disk"' \
            '^check serial: ok$' '^check writes ok: ok$' '^check flush: ok$' \
            '^check read back: ok$' '^SUCCESS$'
        # The host's view of the image: sector 255 holds the pattern (not zeros), 256 is untouched.
        python3 - "$img" <<'PY' || fail "the image does not hold the guest's pattern"
import struct, sys
def word(seed, sector, j):
    m = 0xFFFFFFFF
    x = ((seed * 0x9E3779B1) ^ (sector * 0x85EBCA6B) ^ (j * 0xC2B2AE35)) & m
    x ^= x >> 15; x = (x * 0x2C1B3C6D) & m; x ^= x >> 12
    return x ^ sector
data = open(sys.argv[1], "rb").read()
for s in (0, 17, 255):
    got = struct.unpack_from("<128I", data, s * 512)
    assert list(got) == [word(4242, s, j) for j in range(128)], f"sector {s}"
assert data[256 * 512:257 * 512] == bytes(512), "sector 256 was written"
print("virtio_guest.sh: the image holds the pattern in sectors 0-255 (checked on the host)")
PY
        case "$case" in
            blk-persist)
                        run verify 1 virtio_blk "verify seed=4242" "${pc[@]}" "${drive[@]}" "${dev[@]}"
                expect verify '^check pattern from the earlier run: ok$' '^SUCCESS$'
                ;;
            blk-ro)
                        run ro 1 virtio_blk "ro seed=4242" "${pc[@]}" -drive "if=none,id=d0,file=$img,format=raw,readonly=on" "${dev[@]}"
                expect ro 'ro yes' '^check pattern from the earlier run: ok$' \
                    '^check read-only offered: ok$' '^check write rejected with IOERR: ok$' \
                    '^check sector 0 unchanged: ok$' '^SUCCESS$'
                ;;
            blk-wrong-seed)
                        run wrong 3 virtio_blk "verify seed=4243" "${pc[@]}" "${drive[@]}" "${dev[@]}"
                expect wrong '^check pattern from the earlier run: FAILED' '^FAILURE$'
                ;;
        esac
        ;;
    blk-mmio)
        img="$work/disk.img"
        truncate -s 1M "$img"
        run blk-mmio 1 virtio_blk "$mmio_args seed=99 serial=mmio-disk" "${microvm[@]}" \
            -drive "if=none,id=d0,file=$img,format=raw" -device virtio-blk-device,drive=d0,serial=mmio-disk
        expect blk-mmio '^virtio: found device 2 at virtio-mmio' '^check serial: ok$' \
            '^check read back: ok$' '^SUCCESS$'
        ;;
    net)
        run net 1 virtio_net "want_ip=10.0.2.15 timeout=30" "${pc[@]}" -netdev user,id=n0 \
            -device virtio-net-pci,netdev=n0,disable-legacy=on,romfile=
        expect net '^net: mac 52:54:00:12:34:56, link up$' \
            '^net: DHCP ACK: address 10.0.2.15, router 10.0.2.2' '^check dhcp address: ok$' \
            '^net: ping 10.0.2.2: reply seq [0-9]+ ttl' '^SUCCESS$'
        ;;
    net-mmio)
        run net-mmio 1 virtio_net "$mmio_args want_ip=10.0.2.15 timeout=30" "${microvm[@]}" \
            -netdev user,id=n0 -device virtio-net-device,netdev=n0
        expect net-mmio '^virtio: found device 1 at virtio-mmio' '^check dhcp address: ok$' \
            '^net: ping 10.0.2.2: reply' '^SUCCESS$'
        ;;
    net-echo)
        # A free port on 127.0.0.1 for hostfwd (only 127.0.0.1: nothing listens on other
        # interfaces). The window between closing the probe socket and QEMU binding is small.
        port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
        log="$work/net-echo.log"
        start=$(date +%s.%N)
        timeout "$timeout_s" "$qemu" "${common[@]}" "${pc[@]}" -kernel "$guests/virtio_net.elf" \
            -append "want_ip=10.0.2.15 echo=7 conns=2 timeout=$((timeout_s - 5))" \
            -serial "file:$log" -netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$port-:7" \
            -device virtio-net-pci,netdev=n0,disable-legacy=on,romfile= \
            2>"$work/net-echo.qemu.err" &
        qemu_pid=$!
        trap 'kill "$qemu_pid" 2>/dev/null || true' EXIT
        # Connect only once the guest listens: before that slirp's SYN would meet a RST.
        for _ in $(seq 1 $((timeout_s * 10))); do
            grep -q '^net: tcp echo listening' "$log" 2>/dev/null && break
            kill -0 "$qemu_pid" 2>/dev/null || break
            sleep 0.1
        done
        client_status=0
        python3 - "$port" <<'PY' || client_status=$?
import socket, sys
port = int(sys.argv[1])
for i, line in enumerate((b"hello from the host through hostfwd\n", b"second connection: 0123456789\n")):
    with socket.create_connection(("127.0.0.1", port), timeout=15) as s:
        s.settimeout(15)
        s.sendall(line)
        got = b""
        while len(got) < len(line):
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
        print(f"virtio_guest.sh: connection {i + 1}: sent {line!r}, got {got!r}")
        if got != line:
            sys.exit(1)
PY
        status=0
        wait "$qemu_pid" || status=$?
        trap - EXIT
        end=$(date +%s.%N)
        sed 's/^/[net-echo] /' "$log"
        if [ -s "$work/net-echo.qemu.err" ]; then sed 's/^/[net-echo] qemu: /' "$work/net-echo.qemu.err"; fi
        echo "virtio_guest.sh: net-echo: QEMU status $status in $(seconds "$start" "$end") s"
        [ "$client_status" = 0 ] || fail "the echo client did not get its lines back"
        [ "$status" = 1 ] || fail "QEMU exit status $status, want 1"
        expect net-echo '^check ping reply: ok$' '^net: tcp echo 36 bytes$' \
            '^check tcp connections closed: ok$' '^SUCCESS$'
        ;;
    net-tap)
        if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ] || ! command -v unshare >/dev/null ||
            ! command -v ip >/dev/null; then
            echo "virtio_guest.sh: net-tap needs root, /dev/net/tun, unshare and ip: skipped"
            exit 77
        fi
        # A private network namespace: the TAP device and its address exist only for this run.
        status=0
        start=$(date +%s.%N)
        # shellcheck disable=SC2016  # expanded by the inner shell, inside the namespace
        unshare -n env QEMU="$qemu" GUEST="$guests/virtio_net.elf" WORK="$work" \
            TIMEOUT="$timeout_s" PING="$here/virtio_ping.py" bash -c '
            set -eu
            ip link set lo up
            ip tuntap add dev svmtap0 mode tap
            ip addr add 10.0.0.1/24 dev svmtap0
            ip link set svmtap0 up
            timeout "$TIMEOUT" "$QEMU" -accel tcg -M pc -m 128 -display none -monitor none \
                -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=4 -kernel "$GUEST" \
                -append "ip=10.0.0.2 pings=3 timeout=$((TIMEOUT - 5))" \
                -serial "file:$WORK/net-tap.log" \
                -netdev tap,id=n0,ifname=svmtap0,script=no,downscript=no \
                -device virtio-net-pci,netdev=n0,disable-legacy=on,romfile= \
                2>"$WORK/net-tap.qemu.err" &
            qemu_pid=$!
            for _ in $(seq 1 $((TIMEOUT * 10))); do
                grep -q "^net: answering ARP" "$WORK/net-tap.log" 2>/dev/null && break
                sleep 0.1
            done
            ping_status=0
            python3 "$PING" 10.0.0.2 3 || ping_status=$?
            status=0
            wait "$qemu_pid" || status=$?
            echo "$ping_status $status" >"$WORK/net-tap.status"
        ' || status=$?
        end=$(date +%s.%N)
        sed 's/^/[net-tap] /' "$work/net-tap.log" 2>/dev/null || true
        if [ -s "$work/net-tap.qemu.err" ]; then sed 's/^/[net-tap] qemu: /' "$work/net-tap.qemu.err"; fi
        [ "$status" = 0 ] || fail "setting up the namespace and TAP device failed ($status)"
        read -r ping_status qemu_status <"$work/net-tap.status"
        echo "virtio_guest.sh: net-tap: QEMU status $qemu_status in $(seconds "$start" "$end") s"
        [ "$ping_status" = 0 ] || fail "the host's pings got no replies"
        [ "$qemu_status" = 1 ] || fail "QEMU exit status $qemu_status, want 1"
        expect net-tap '^net: static address 10.0.0.2$' '^net: echo reply to 10.0.0.1 seq 3$' \
            '^check echo requests answered: ok$' '^SUCCESS$'
        ;;
    *)
        echo "virtio_guest.sh: unknown case $case" >&2
        exit 2
        ;;
esac
echo "virtio_guest.sh: $case: passed"
