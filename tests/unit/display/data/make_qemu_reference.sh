#!/usr/bin/env bash
# Regenerates qemu_text_pattern.png: QEMU's own rendering of the text screen that text_pattern.asm
# fills, the reference TextRendererQemu.* compares svm's TextRenderer against. Needs nasm and
# qemu-system-x86 (Debian packages `nasm`, `qemu-system-x86`). Run from anywhere:
#   tests/unit/display/data/make_qemu_reference.sh
# QEMU draws mode 3 at 720x400 from the font the VGA BIOS (SeaBIOS's vgabios) loaded into plane 2.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

nasm -f bin -o "$work/boot.img" "$here/text_pattern.asm"
# TCG, no window; the monitor on stdin takes the screenshot once the guest has halted.
{
    sleep 3
    echo "screendump $work/screen.png -f png"
    sleep 1
    echo "quit"
} | qemu-system-x86_64 -accel tcg -display none -m 16 -nodefaults -vga std \
    -drive "file=$work/boot.img,format=raw,if=ide" -monitor stdio -serial none >"$work/monitor.log"

if [ ! -s "$work/screen.png" ]; then
    echo "make_qemu_reference: QEMU wrote no screenshot; monitor output:" >&2
    cat "$work/monitor.log" >&2
    exit 1
fi
cp "$work/screen.png" "$here/qemu_text_pattern.png"
echo "make_qemu_reference: wrote $here/qemu_text_pattern.png"
