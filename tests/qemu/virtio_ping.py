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


def main() -> int:
    addr, count = sys.argv[1], int(sys.argv[2])
    ident = os.getpid() & 0xFFFF
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    answered = 0
    for seq in range(1, count + 1):
        payload = b"svm virtio ping %d" % seq
        header = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
        packet = struct.pack("!BBHHH", 8, 0, checksum(header + payload), ident, seq) + payload
        start = time.monotonic()
        sock.sendto(packet, (addr, 0))
        while time.monotonic() - start < 2:
            ready, _, _ = select.select([sock], [], [], 0.2)
            if not ready:
                continue
            data, _ = sock.recvfrom(2048)
            ihl = (data[0] & 0xF) * 4
            kind, _, _, rid, rseq = struct.unpack("!BBHHH", data[ihl:ihl + 8])
            if kind == 0 and rid == ident and rseq == seq and data[ihl + 8:] == payload:
                print(f"reply from {addr}: seq {seq} time {1000 * (time.monotonic() - start):.1f} ms")
                answered += 1
                break
        else:
            print(f"no reply from {addr}: seq {seq}")
        time.sleep(0.3)
    return 0 if answered == count else 1


if __name__ == "__main__":
    sys.exit(main())
