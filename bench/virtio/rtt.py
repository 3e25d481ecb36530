#!/usr/bin/env python3
"""Round-trip times to guest/virtio's virtio_net.elf (bench/virtio/run.sh, docs/benchmarks.md
"Virtio").

    rtt.py tcp HOST PORT ROUNDS   connect to the guest's TCP echo (through a hostfwd), then ROUNDS
                                  times: send one byte, wait for it to come back
    rtt.py icmp ADDR ROUNDS       ROUNDS ICMP echo requests (RFC 792) over a raw socket, each sent
                                  when the previous reply arrived (needs CAP_NET_RAW)

Each round trip is timed with time.perf_counter(). The first 5 rounds are a warm-up and not
counted. Prints one line: `rtt KIND n=N median_us=.. p99_us=.. min_us=.. max_us=..`, or
`rtt KIND failed: WHY` and exits 1 if a round got no answer within 5 s.
"""
import os
import socket
import statistics
import sys
import time

# The ICMP echo of the QEMU tests' pinger (tests/qemu/virtio_ping.py).
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                                "tests", "qemu"))
import virtio_ping  # noqa: E402

WARMUP = 5


def summary(kind, samples):
    samples.sort()
    p99 = samples[min(len(samples) - 1, max(0, -(-99 * len(samples) // 100) - 1))]
    print(f"rtt {kind} n={len(samples)} median_us={statistics.median(samples):.1f} "
          f"p99_us={p99:.1f} min_us={samples[0]:.1f} max_us={samples[-1]:.1f}")


def tcp(host, port, rounds):
    samples = []
    with socket.create_connection((host, port), timeout=15) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.settimeout(5)
        for i in range(rounds + WARMUP):
            byte = bytes([0x41 + i % 26])
            start = time.perf_counter()
            s.sendall(byte)
            got = s.recv(1)
            elapsed = time.perf_counter() - start
            if got != byte:
                print(f"rtt tcp failed: round {i}: sent {byte!r}, got {got!r}")
                return 1
            if i >= WARMUP:
                samples.append(elapsed * 1e6)
    summary("tcp", samples)
    return 0


def icmp(addr, rounds):
    ident = os.getpid() & 0xFFFF
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    samples = []
    for seq in range(1, rounds + WARMUP + 1):
        elapsed = virtio_ping.echo(sock, addr, ident, seq, b"svm virtio rtt %d" % seq, 5)
        if elapsed is None:
            print(f"rtt icmp failed: no reply to seq {seq}")
            return 1
        if seq > WARMUP:
            samples.append(elapsed * 1e6)
    summary("icmp", samples)
    return 0


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "tcp":
        return tcp(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    if len(sys.argv) == 4 and sys.argv[1] == "icmp":
        return icmp(sys.argv[2], int(sys.argv[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
