#!/usr/bin/env python3
"""Times process start -> the first byte a VMM writes on its stdout (the guest's COM1 with
`-serial stdio` / `--serial stdio`), over several fresh runs of the same command.

    first_byte.py --label NAME --runs N --expect S --exit-code 33 [--timeout SECONDS] -- COMMAND...

Each run: the clock (time.monotonic, CLOCK_MONOTONIC) is read just before the process is spawned,
then the first byte is read from the stdout pipe with os.read (unbuffered) and the clock is read
again. The byte must be --expect; the rest of the output is drained and the process must end by
itself with --exit-code. A run that misses either is reported and counts as failed. A process
still running after --timeout seconds is killed by its PID.

Prints one line per run on stderr and, on stdout, one summary line:
    NAME: runs=N ok=K median_ms=M min_ms=m max_ms=x
(median_ms and min_ms are "n/a" when no run succeeded). Exit status 0 if every run succeeded.
Used by bench/bios/run.sh (docs/benchmarks.md "Boot sectors (BIOS)").
"""
import argparse
import os
import select
import statistics
import subprocess
import sys
import tempfile
import time


def one_run(command, expect, exit_code, timeout):
    """Returns (milliseconds to the first byte or None, a sentence describing a failure or "")."""
    with tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=err, bufsize=0)
        fd = proc.stdout.fileno()
        deadline = start + timeout
        first = None
        first_at = None
        rest = b""
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None, f"still running after {timeout:g} s"
                ready, _, _ = select.select([fd], [], [], left)
                if not ready:
                    continue
                chunk = os.read(fd, 1 if first is None else 65536)
                if first is None:
                    first_at = time.monotonic()
                    if not chunk:
                        break
                    first = chunk
                    continue
                if not chunk:
                    break
                rest += chunk
            left = max(0.0, deadline - time.monotonic())
            try:
                status = proc.wait(timeout=left)
            except subprocess.TimeoutExpired:
                return None, f"still running after {timeout:g} s"
        finally:
            if proc.poll() is None:
                proc.kill()          # Popen.kill signals proc.pid only.
                proc.wait()
            proc.stdout.close()
        output = (first or b"") + rest
        if first is None:
            why = "no output"
        elif first != expect:
            why = f"first byte {first!r}, expected {expect!r}"
        elif status != exit_code:
            why = f"exit status {status}, expected {exit_code}"
        else:
            return (first_at - start) * 1000.0, ""
        err.seek(0)
        detail = (output[:200] + b" | stderr: " + err.read()[:300]).decode(errors="replace")
        return None, f"{why} (output: {detail.strip()!r})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--expect", default="S", help="the first byte expected (one character)")
    parser.add_argument("--exit-code", type=int, default=33)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command or len(args.expect.encode()) != 1:
        parser.error("need one --expect byte and a command after --")

    return summarise(args.label, args.runs,
                     lambda: one_run(command, args.expect.encode(), args.exit_code, args.timeout))


def summarise(label, runs, measure, digits=2):
    """Calls measure() `runs` times; each returns (milliseconds or None, why it failed). Prints
    each run on stderr and the summary line on stdout; returns 0 if every run succeeded, else 1.
    Shared with bench/os/boot_to_prompt.py."""
    times = []
    for run in range(1, runs + 1):
        ms, why = measure()
        if ms is None:
            print(f"  {label} run {run}: failed: {why}", file=sys.stderr)
        else:
            print(f"  {label} run {run}: {ms:.{digits}f} ms", file=sys.stderr)
            times.append(ms)
    if times:
        figures = (f"median_ms={statistics.median(times):.{digits}f} "
                   f"min_ms={min(times):.{digits}f} max_ms={max(times):.{digits}f}")
    else:
        figures = "median_ms=n/a min_ms=n/a max_ms=n/a"
    print(f"{label}: runs={runs} ok={len(times)} {figures}")
    return 0 if len(times) == runs else 1


if __name__ == "__main__":
    sys.exit(main())
