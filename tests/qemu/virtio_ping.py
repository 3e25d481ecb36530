#!/usr/bin/env python3
"""ICMP echo to a guest (tests/qemu/virtio_guest.sh tap): `virtio_ping.py ADDR COUNT`.

Sends COUNT echo requests (RFC 792) over a raw socket, one every 0.3 s, and waits up to 2 s for
each reply. Prints one line per reply; exits 0 if every request was answered. Needs CAP_NET_RAW
(the test runs it as root inside its own network namespace), so no `ping` binary is needed.
"""
import os
import select
import socket
import struct
import sys
import time


def checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo(sock, addr: str, ident: int, seq: int, payload: bytes, timeout: float) -> float | None:
    """Sends one echo request on raw ICMP socket `sock`; returns the round trip in seconds, or None
    if no matching reply came within `timeout` seconds. Also used by bench/virtio/rtt.py."""
    header = struct.pack("!BBHHH", 8, 0, 0, ident, seq & 0xFFFF)
    packet = struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, seq & 0xFFFF) + payload
    start = time.perf_counter()
    sock.sendto(packet, (addr, 0))
    while time.perf_counter() - start < timeout:
        ready, _, _ = select.select([sock], [], [], 0.2)
        if not ready:
            continue
        data, _ = sock.recvfrom(2048)
        ihl = (data[0] & 0xF) * 4
        kind, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
        if kind == 0 and rid == ident and rseq == seq & 0xFFFF and data[ihl + 8:] == payload:
            return time.perf_counter() - start
    return None


def main() -> int:
    addr, count = sys.argv[1], int(sys.argv[2])
    ident = os.getpid() & 0xFFFF
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    answered = 0
    for seq in range(1, count + 1):
        rtt = echo(sock, addr, ident, seq, b"svm virtio ping %d" % seq, 2)
        if rtt is None:
            print(f"no reply from {addr}: seq {seq}")
        else:
            print(f"reply from {addr}: seq {seq} time {1000 * rtt:.1f} ms")
            answered += 1
        time.sleep(0.3)
    return 0 if answered == count else 1


if __name__ == "__main__":
    sys.exit(main())
