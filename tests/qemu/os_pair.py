#!/usr/bin/env python3
"""Two copies of the sample OS on one Ethernet wire, on QEMU-TCG (docs/guests.md, "The sample
OS"; the svm side of the same test is SampleOs.TwoVmsOnASwitchPingEachOther in tests/kvm). No
/dev/kvm.

    os_pair.py --qemu QEMU --kernel OS.ELF --work DIR [--timeout S]

QEMU A serves a `-netdev stream` on a Unix socket in DIR and QEMU B connects to it, so the two
virtio-net cards share one wire and nothing else. Each OS gets a static address from the kernel
command line (`-append ip=10.0.3.1` and `ip=10.0.3.2`, the ip= parameter as Linux reads it) and
must say so at boot; then A pings B and B pings A over the wire (4 replies each, which needs ARP
both ways), `ifconfig` shows the static address, and `exit 0` ends each QEMU with isa-debug-exit
status 1. COM1 of each goes to a log; every wait has a deadline; each QEMU is only ever killed by
its own PID.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import time

PROMPT = "svm-os> "


class Failure(Exception):
    pass


class Os:
    """One QEMU running the sample OS, COM1 on a pipe (input) and a log file (output)."""

    def __init__(self, args, name, address, mac, netdev, deadline):
        self.name = name
        self.args = args
        self.deadline = deadline
        self.log_path = os.path.join(args.work, f"{name}.log")
        self.log = open(self.log_path, "wb")
        self.err_path = os.path.join(args.work, f"{name}.err")
        self.err = open(self.err_path, "wb")
        self.qemu = subprocess.Popen(
            [args.qemu, "-accel", "tcg", "-M", "pc", "-m", "128", "-display", "none",
             "-vga", "none", "-monitor", "none", "-no-reboot",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-serial", "stdio",
             "-kernel", args.kernel, "-append", f"ip={address}",
             "-device", f"virtio-net-pci,netdev=n,mac={mac},disable-legacy=on,romfile=",
             "-netdev", netdev],
            stdin=subprocess.PIPE, stdout=self.log, stderr=self.err)

    def com1(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("latin-1")

    def check_time(self, what):
        if self.qemu.poll() is not None:
            raise Failure(f"{self.name}: QEMU ended (status {self.qemu.returncode}) while "
                          f"waiting for {what}")
        if time.monotonic() > self.deadline:
            raise Failure(f"{self.name}: no {what} within {self.args.timeout} s")

    def wait_log(self, regex):
        while not re.search(regex, self.com1(), re.M):
            self.check_time(f"a COM1 line matching {regex!r}")
            time.sleep(0.05)

    def at_prompt(self):
        while not self.com1().endswith(PROMPT):
            self.check_time("the prompt")
            time.sleep(0.05)

    def run(self, command):
        """Types command at the prompt; returns its output (the lines up to the next prompt)."""
        self.at_prompt()
        before = self.com1().count(PROMPT)
        self.qemu.stdin.write(command.encode() + b"\n")
        self.qemu.stdin.flush()
        while self.com1().count(PROMPT) < before + 1:
            self.check_time(f"the prompt after {command!r}")
            time.sleep(0.05)
        out = self.com1().split(PROMPT)[before]
        for line in out.splitlines():
            print(f"[{self.name}] {line}")
        return out

    def exit_status(self, code):
        self.at_prompt()
        self.qemu.stdin.write(f"exit {code}\n".encode())
        self.qemu.stdin.flush()
        try:
            return self.qemu.wait(timeout=max(self.deadline - time.monotonic(), 1))
        except subprocess.TimeoutExpired:
            raise Failure(f"{self.name}: QEMU did not end after `exit {code}`")

    def stop(self):
        if self.qemu.poll() is None:
            self.qemu.kill()
            self.qemu.wait()

    def dump(self):
        sys.stderr.write(f"---- {self.name}: COM1 ----\n{self.com1()}\n")
        with open(self.err_path, "rb") as f:
            sys.stderr.write(f"---- {self.name}: QEMU stderr ----\n{f.read().decode('latin-1')}\n")


def has(output, regex, what):
    if not re.search(regex, output, re.M):
        raise Failure(f"no line matching {regex!r} in {what}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--work", required=True)
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    if not os.path.isfile(args.kernel):
        print(f"os_pair.py: {args.kernel} is missing (build the guests)", file=sys.stderr)
        return 1
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    wire = os.path.join(args.work, "wire.sock")
    deadline = time.monotonic() + args.timeout
    start = time.monotonic()
    machines = []
    try:
        a = Os(args, "a", "10.0.3.1", "52:54:00:00:03:01",
               f"stream,id=n,server=on,addr.type=unix,addr.path={wire}", deadline)
        machines.append(a)
        while not os.path.exists(wire):
            a.check_time("the wire's socket")
            time.sleep(0.05)
        b = Os(args, "b", "10.0.3.2", "52:54:00:00:03:02",
               f"stream,id=n,server=off,addr.type=unix,addr.path={wire}", deadline)
        machines.append(b)
        for os_, ip in ((a, "10.0.3.1"), (b, "10.0.3.2")):
            os_.wait_log(rf"^net: address {re.escape(ip)} netmask 255\.255\.255\.0 gateway - "
                         r"dns - \(static, ip=\)$")
        for os_, peer in ((a, "10.0.3.2"), (b, "10.0.3.1")):
            out = os_.run(f"ping {peer}")
            for seq in range(1, 5):
                has(out, rf"^reply from {re.escape(peer)}: seq {seq} ttl [0-9]+ time "
                         r"[0-9]+\.[0-9]{3} ms$", f"{os_.name}'s ping")
            has(out, rf"^--- {re.escape(peer)}: 4 sent, 4 received, 0% loss", f"{os_.name}'s ping")
        out = a.run("ifconfig")
        has(out, r"^  mac 52:54:00:00:03:01", "a's ifconfig")
        has(out, r"^  inet 10\.0\.3\.1 netmask 255\.255\.255\.0 gateway - dns - \(static, ip=\)$",
            "a's ifconfig")
        for os_ in (a, b):
            status = os_.exit_status(0)
            if status != 1:
                raise Failure(f"{os_.name}: QEMU exit status {status}, want 1 ((0 << 1) | 1)")
    except Failure as e:
        print(f"os_pair.py: FAILED: {e}", file=sys.stderr)
        for os_ in machines:
            os_.dump()
        return 1
    finally:
        for os_ in machines:
            os_.stop()
    print(f"os_pair.py: passed in {time.monotonic() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
