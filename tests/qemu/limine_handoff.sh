#!/usr/bin/env bash
# Runs a Limine test guest (guest/limine/) in svm's exact handoff on QEMU-TCG, where /dev/kvm is
# not needed (docs/loaders.md "Checked on QEMU without KVM"): svm_boot_image_dump writes svm's
# guest memory and entry state, tests/qemu/limine_handoff_stub.S is built around them, and QEMU
# boots the stub as a Multiboot kernel. Passes iff the guest exits with 0 through isa-debug-exit
# (QEMU status 1), its COM1 log has "ok" lines and no "FAIL".
#
#   limine_handoff.sh --dump TOOL --kernel ELF --work DIR [--qemu QEMU] [--cc CC] [--ld LD]
#                     [--timeout SECONDS] [--cpus N] [--cmdline S] [--modules] [--la57]
#
# --modules passes the two modules of guest/limine/limine_modules.h (as tests/kvm/limine_test.cpp
# does: --module DIR/NAME,STRING). --cpus N is svm's --cpus and QEMU's -smp. --la57 loads as svm
# does on a host with 5-level paging (svm_boot_image_dump --la57) and requires that the executable
# got it (its paging mode request must prefer 5-level); QEMU's `-cpu max` has LA57 under TCG.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
dump="" kernel="" work="" qemu=qemu-system-x86_64 cc=cc ld=ld timeout_s=30 cpus=1 modules=0 la57=0
dump_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --dump) dump=$2; shift 2 ;;
        --kernel) kernel=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --qemu) qemu=$2; shift 2 ;;
        --cc) cc=$2; shift 2 ;;
        --ld) ld=$2; shift 2 ;;
        --timeout) timeout_s=$2; shift 2 ;;
        --cpus) cpus=$2; dump_args+=(--cpus "$2"); shift 2 ;;
        --cmdline) dump_args+=(--cmdline "$2"); shift 2 ;;
        --modules) modules=1; shift ;;
        --la57) la57=1; dump_args+=(--la57); shift ;;
        *) echo "limine_handoff.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done
if [ -z "$dump" ] || [ -z "$kernel" ] || [ -z "$work" ]; then
    echo "limine_handoff.sh: --dump, --kernel and --work are required" >&2
    exit 2
fi
if [ ! -f "$kernel" ]; then
    echo "limine_handoff.sh: $kernel is missing (build the guests: ninja guests)" >&2
    exit 1
fi

rm -rf "$work"
mkdir -p "$work"
if [ "$modules" = 1 ]; then
    # The module files the guest expects, from the header it is built with.
    header="$here/../../guest/limine/limine_modules.h"
    define() { sed -n "s/^#define $1 \"\(.*\)\"$/\1/p" "$header"; }
    for i in 0 1; do
        name=$(define "LIMINE_MODULE${i}_NAME")
        printf '%b' "$(define "LIMINE_MODULE${i}_CONTENTS")" >"$work/$name"
        dump_args+=(--module "$work/$name,$(define "LIMINE_MODULE${i}_STRING")")
    done
fi

# 1. svm's handoff for a machine of QEMU's RAM size; 2. the stub around it, linked high above
# svm's image (which uses the first few MiB) and below the end of RAM.
ram_mib=128
stub_base=0x6000000
"$dump" "$kernel" "$work" -m "${ram_mib}M" "${dump_args[@]}"
levels=$(sed -n 's/^#define SVM_PAGING_LEVELS 0x\([0-9a-f]*\)$/\1/p' "$work/state.h")
if [ "$la57" = 1 ] && [ "$levels" != 5 ]; then
    echo "limine_handoff.sh: FAILED: --la57, but svm's loader built ${levels:-?}-level paging" >&2
    exit 1
fi
(cd "$work" && "$cc" -m32 -c -I. -DSTUB_BASE=$stub_base "$here/limine_handoff_stub.S" -o stub.o &&
    "$ld" -m elf_i386 -z max-page-size=0x1000 --defsym=STUB_BASE=$stub_base \
        -T "$here/limine_handoff_stub.ld" -o stub.elf stub.o)

# 3. QEMU-TCG. isa-debug-exit ends QEMU with status (code << 1) | 1: 1 for the guest's 0.
status=0
timeout "$timeout_s" "$qemu" -accel tcg -cpu max -m "$ram_mib" -smp "$cpus" -kernel "$work/stub.elf" \
    -serial "file:$work/serial.log" -display none -vga std -nic none -monitor none \
    -device isa-debug-exit,iobase=0xf4,iosize=4 -no-reboot 2>"$work/qemu.err" || status=$?
cat "$work/serial.log"
if [ -s "$work/qemu.err" ]; then
    sed 's/^/qemu: /' "$work/qemu.err"
fi

fail() {
    echo "limine_handoff.sh: FAILED: $*" >&2
    exit 1
}
[ "$status" != 124 ] || fail "QEMU did not finish within $timeout_s s"
grep -q '^FAIL' "$work/serial.log" && fail "the guest reported failed checks (FAIL lines above)"
grep -q '^ok ' "$work/serial.log" || fail "the guest reported no checks"
[ "$status" = 1 ] || fail "QEMU exit status $status, want 1 (the guest's exit code 0)"
echo "limine_handoff.sh: passed ($(grep -c '^ok ' "$work/serial.log") checks)"
