#!/usr/bin/env python3
"""Times process start -> the sample OS's shell prompt ("svm-os> ") on a VMM's stdout (the guest's
COM1), over several fresh runs of the same command.

    boot_to_prompt.py --label NAME --runs N --exit-code C [--timeout SECONDS] -- COMMAND...

Each run: the clock (time.monotonic) is read just before the process is spawned and again when
the prompt has arrived on the stdout pipe (read unbuffered). Then `exit 0` is typed into the
process's standard input (COM1) and the process must end by itself with --exit-code (svm: 0, the
guest's exit code; QEMU with isa-debug-exit: (0 << 1) | 1 = 1). A run that misses either counts as
failed and says why. A process still running after --timeout seconds is killed by its PID.

Prints one line per run on stderr and, on stdout, one summary line:
    NAME: runs=N ok=K median_ms=M min_ms=m max_ms=x
(n/a when no run succeeded). Exit status 0 if every run succeeded. Used by bench/os/run.sh
(docs/benchmarks.md "Sample OS: boot to the shell prompt").
"""
import argparse
import os
import select
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "bios"))
from first_byte import summarise  # noqa: E402  (the runs loop and the summary line)

PROMPT = b"svm-os> "


def one_run(command, exit_code, timeout):
    """Returns (milliseconds to the prompt or None, a sentence describing a failure or "")."""
    with tempfile.TemporaryFile() as err:
        start = time.monotonic()
        proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=err, bufsize=0)
        fd = proc.stdout.fileno()
        deadline = start + timeout
        output = b""
        prompt_at = None
        status = None
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                ready, _, _ = select.select([fd], [], [], left)
                if not ready:
                    continue
                chunk = os.read(fd, 65536)
                if not chunk:
                    break
                output += chunk
                if prompt_at is None and PROMPT in output:
                    prompt_at = time.monotonic()
                    proc.stdin.write(b"exit 0\n")
                    proc.stdin.flush()
            left = max(0.0, deadline - time.monotonic())
            try:
                status = proc.wait(timeout=left)
            except subprocess.TimeoutExpired:
                status = None
        finally:
            if proc.poll() is None:
                proc.kill()          # Popen.kill signals proc.pid only.
                proc.wait()
            proc.stdout.close()
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass
        if prompt_at is None:
            why = "no prompt"
        elif status is None:
            why = f"still running after {timeout:g} s"
        elif status != exit_code:
            why = f"exit status {status}, expected {exit_code}"
        else:
            return (prompt_at - start) * 1000.0, ""
        err.seek(0)
        detail = (output[-300:] + b" | stderr: " + err.read()[:300]).decode(errors="replace")
        return None, f"{why} (output: {detail.strip()!r})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--exit-code", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("need a command after --")

    return summarise(args.label, args.runs,
                     lambda: one_run(command, args.exit_code, args.timeout), digits=1)


if __name__ == "__main__":
    sys.exit(main())
