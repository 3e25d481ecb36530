#!/usr/bin/env python3
"""The sample OS's framebuffer console and PS/2 keyboard on QEMU-TCG (docs/guests.md, "The sample
OS"). No /dev/kvm.

    os_screen.py --qemu QEMU --kernel OS.ELF --font OS-FONT.PSF --work DIR --case screen|no-display
                 [--timeout S]

  screen      QEMU with -vga std (the Bochs VBE adapter) and its HMP monitor on a Unix socket.
              Every command is typed with the monitor's `sendkey`, so it reaches the OS through
              the i8042 and IRQ 1. `tickz`, Backspace, `s`, Enter: COM1 shows `ticks: N (100 Hz)`;
              then `Echo-Test_1 "x"` (Shift, symbols) gives `unknown command ...`. A `screendump`
              read back as text (tests/tools/screen_text.py, the same font) must show the prompt,
              both typed commands and their output as COM1 has them. `draw 5`: while the demo is
              up, the box in the middle of the screen has many colours and the caption reads back;
              once the next prompt is there, the text console is back. `help` three times: the
              screen has scrolled (fbcon.c pans over a ring of text rows) and shows exactly the
              last 48 lines of COM1. `exit 3` (typed) ends QEMU with isa-debug-exit status 7.
  no-display  QEMU with -vga none: the OS says at boot that the console is on COM1 only, `draw`
              (typed on COM1) says there is no framebuffer, `exit 3` ends it.

COM1 goes to a log (and, for no-display, reads a pipe); every wait has a deadline; QEMU is only
ever killed by its own PID.
"""
import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import screen_text  # noqa: E402

PROMPT = "svm-os> "

# QEMU's `sendkey` key names (qapi/ui.json QKeyCode) for the characters the test types.
KEYS = {" ": "spc", "-": "minus", "_": "shift-minus", ".": "dot", "/": "slash",
        '"': "shift-apostrophe", "\n": "ret", "\b": "backspace"}


def key_name(c):
    if c in KEYS:
        return KEYS[c]
    if c.isdigit() or ("a" <= c <= "z"):
        return c
    if "A" <= c <= "Z":
        return "shift-" + c.lower()
    raise ValueError(f"no key for {c!r}")


class Failure(Exception):
    pass


class Run:
    def __init__(self, args, vga):
        self.args = args
        self.work = args.work
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.log_path = os.path.join(self.work, "com1.log")
        self.monitor_path = os.path.join(self.work, "monitor.sock")
        self.deadline = time.monotonic() + args.timeout
        self.log = open(self.log_path, "wb")
        self.err = open(os.path.join(self.work, "qemu.err"), "wb")
        self.qemu = subprocess.Popen(
            [args.qemu, "-accel", "tcg", "-M", "pc", "-m", "128", "-display", "none", "-vga", vga,
             "-monitor", f"unix:{self.monitor_path},server=on,wait=off", "-no-reboot",
             "-device", "isa-debug-exit,iobase=0xf4,iosize=4", "-serial", "stdio",
             "-kernel", args.kernel],
            stdin=subprocess.PIPE, stdout=self.log, stderr=self.err)
        self.monitor = None
        self.shots = 0

    def com1(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("latin-1")

    def check_time(self, what):
        if self.qemu.poll() is not None:
            raise Failure(f"QEMU ended (status {self.qemu.returncode}) while waiting for {what}")
        if time.monotonic() > self.deadline:
            raise Failure(f"no {what} within {self.args.timeout} s")

    def wait_prompts(self, n):
        while self.com1().count(PROMPT) < n:
            self.check_time(f"prompt {n}")
            time.sleep(0.05)

    def wait_log(self, regex):
        while not re.search(regex, self.com1(), re.M):
            self.check_time(f"a COM1 line matching {regex!r}")
            time.sleep(0.05)
        return re.search(regex, self.com1(), re.M)

    def connect_monitor(self):
        while not os.path.exists(self.monitor_path):
            self.check_time("QEMU's monitor socket")
            time.sleep(0.05)
        self.monitor = socket.socket(socket.AF_UNIX)
        self.monitor.connect(self.monitor_path)
        self.monitor.settimeout(max(self.deadline - time.monotonic(), 1))
        self.hmp_reply()  # the banner and the first prompt

    def hmp_reply(self):
        reply = b""
        while not reply.endswith(b"(qemu) "):
            chunk = self.monitor.recv(65536)
            if not chunk:
                raise Failure("QEMU closed the monitor")
            reply += chunk
        return reply

    def hmp(self, command):
        self.monitor.sendall(command.encode() + b"\n")
        return self.hmp_reply()

    def type_keys(self, text):
        for c in text:
            self.hmp("sendkey " + key_name(c))
            time.sleep(0.02)

    def screen(self, name):
        """Takes a screendump; returns (image, text lines). Keeps a PNG and the text beside the
        PPM, for people."""
        self.shots += 1
        ppm = os.path.join(self.work, f"{self.shots}-{name}.ppm")
        self.hmp("screendump " + ppm)
        image = screen_text.read_image(ppm)
        screen_text.write_png(ppm[:-4] + ".png", image)
        lines = screen_text.screen_text(image, self.font)
        with open(ppm[:-4] + ".txt", "w") as f:
            f.write("\n".join(lines) + "\n")
        return image, lines

    def wait_exit(self):
        while self.qemu.poll() is None:
            if time.monotonic() > self.deadline:
                raise Failure(f"QEMU still running after {self.args.timeout} s")
            time.sleep(0.05)
        return self.qemu.returncode

    def finish(self):
        if self.qemu.poll() is None:
            self.qemu.kill()
            self.qemu.wait()
        if self.monitor:
            self.monitor.close()
        self.log.close()
        self.err.close()


def expect_lines(lines, wanted, where):
    for line in wanted:
        if line not in lines:
            raise Failure(f"the {where} has no line {line!r}")


def case_screen(run):
    run.font = screen_text.load_font(run.args.font)
    run.connect_monitor()
    run.wait_prompts(1)
    if not re.search(r"^svm-os: framebuffer console 1024x768x32 at 0x[0-9a-f]+ ", run.com1(), re.M):
        raise Failure("no 'svm-os: framebuffer console 1024x768x32' line at boot")
    if not re.search(r"^svm-os: PS/2 keyboard on I/O APIC pin [0-9]+$", run.com1(), re.M):
        raise Failure("no 'svm-os: PS/2 keyboard' line at boot")

    # A typo fixed with Backspace: the shell must get "ticks".
    run.type_keys("tickz\bs\n")
    run.wait_prompts(2)
    ticks = re.search(r"^ticks: [0-9]+ \(100 Hz\)$", run.com1(), re.M)
    if not ticks:
        raise Failure("typing 'ticks' on the keyboard gave no 'ticks: N (100 Hz)' line on COM1")
    typed = 'Echo-Test_1 "x"'
    run.type_keys(typed + "\n")
    run.wait_prompts(3)
    unknown = 'unknown command "Echo-Test_1" (try help)'
    if unknown not in run.com1().splitlines():
        raise Failure(f"no line {unknown!r} on COM1 (Shift and the symbols through the keyboard)")
    _, lines = run.screen("shell")
    print("[screen] the screen read back:")
    for line in lines:
        if line:
            print("[screen] |" + line)
    expect_lines(lines, [PROMPT + "ticks", ticks.group(0), PROMPT + typed, unknown,
                         PROMPT.rstrip()], "screen")
    if lines.index(PROMPT + "ticks") > lines.index(PROMPT + typed):
        raise Failure("the screen shows the commands out of order")

    # draw: the demo while it is up, then the text console again.
    run.type_keys("draw 5\n")
    run.wait_log(r"^draw: 1024x768 gradient, Mandelbrot set at \([0-9]+,[0-9]+\) [0-9]+x[0-9]+; ")
    image, lines = run.screen("draw")
    box = re.search(r"^draw: .* at \(([0-9]+),([0-9]+)\) ([0-9]+)x([0-9]+);", run.com1(), re.M)
    x, y, w, h = (int(v) for v in box.groups())
    colours = len(image.colours(x, y, w, h))
    print(f"[screen] draw: {colours} distinct colours in the {w}x{h} box at ({x},{y})")
    if colours < 16:
        raise Failure(f"only {colours} colours in the demo's box, want at least 16 (one per iteration count)")
    everywhere = len(image.colours(0, 0, image.width, image.height))
    print(f"[screen] draw: {everywhere} distinct colours on the whole screen")
    if everywhere < 10000:
        raise Failure(f"only {everywhere} colours on the screen during draw, want at least 10000")
    if lines[0] != "svm-os draw: a colour gradient and the Mandelbrot set":
        raise Failure(f"the demo's caption reads {lines[0]!r}")
    run.wait_prompts(4)
    _, lines = run.screen("after-draw")
    expect_lines(lines, [PROMPT + "draw 5", PROMPT + typed, PROMPT.rstrip()], "screen after draw")
    if not any(line.startswith("draw: 1024x768 gradient") for line in lines):
        raise Failure("the screen after draw does not show draw's line")

    # Scrolling (fbcon.c pans the adapter over a ring of text rows): after more lines than the
    # screen has, it shows exactly the last 48 lines COM1 has.
    for n in range(3):
        run.type_keys("help\n")
        run.wait_prompts(5 + n)
    _, lines = run.screen("scrolled")
    com1 = [line.rstrip() for line in run.com1().replace("\r", "").split("\n")]
    if len(com1) <= len(lines):
        raise Failure(f"COM1 has only {len(com1)} lines: the screen did not need to scroll")
    if [line.rstrip() for line in lines] != com1[-len(lines):]:
        raise Failure("after scrolling, the screen is not the last lines of COM1:\n" +
                      "\n".join(f"  screen |{a}|   COM1 |{b}|"
                                 for a, b in zip(lines, com1[-len(lines):]) if a.rstrip() != b))
    print(f"[screen] scrolled: the {len(lines)} screen rows are COM1's last {len(lines)} lines")

    run.type_keys("exit 3\n")
    status = run.wait_exit()
    if status != 7:
        raise Failure(f"QEMU exit status {status}, want 7 ((3 << 1) | 1)")


def case_no_display(run):
    run.wait_prompts(1)
    no_fb = r"^svm-os: no framebuffer \(.*\): the console is on COM1 only$"
    if not re.search(no_fb, run.com1(), re.M):
        raise Failure("no 'svm-os: no framebuffer (...): the console is on COM1 only' line at boot")
    run.qemu.stdin.write(b"draw\n")
    run.qemu.stdin.flush()
    run.wait_prompts(2)
    if "draw: no framebuffer (the console is on COM1 only)" not in run.com1().splitlines():
        raise Failure("draw did not say there is no framebuffer")
    run.qemu.stdin.write(b"exit 3\n")
    run.qemu.stdin.flush()
    status = run.wait_exit()
    if status != 7:
        raise Failure(f"QEMU exit status {status}, want 7 ((3 << 1) | 1)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--qemu", default="qemu-system-x86_64")
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--font", help="the OS's font (guest/os-font.psf); for --case screen")
    parser.add_argument("--work", required=True)
    parser.add_argument("--case", required=True, choices=["screen", "no-display"])
    parser.add_argument("--timeout", type=float, default=60)
    args = parser.parse_args()
    for path in [args.kernel] + ([args.font] if args.case == "screen" else []):
        if not path or not os.path.isfile(path):
            print(f"os_screen.py: {path} is missing (build the guests: cmake --build BUILD "
                  "--target guests)", file=sys.stderr)
            return 1
    start = time.monotonic()
    run = Run(args, "std" if args.case == "screen" else "none")
    try:
        (case_screen if args.case == "screen" else case_no_display)(run)
    except (Failure, OSError, ValueError) as e:
        run.finish()
        print(f"os_screen.py: {args.case}: FAILED: {e}", file=sys.stderr)
        print("---- COM1 ----\n" + run.com1(), file=sys.stderr)
        with open(os.path.join(args.work, "qemu.err")) as f:
            print("---- QEMU stderr ----\n" + f.read(), file=sys.stderr)
        return 1
    run.finish()
    for line in run.com1().splitlines():
        print(f"[{args.case}] {line}")
    print(f"os_screen.py: {args.case}: passed in {time.monotonic() - start:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
