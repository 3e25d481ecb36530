#!/usr/bin/env bash
# Installs the Debian 12 packages svm's build, tests and benchmarks need. Idempotent: installs only
# what is missing, runs `apt-get update` only when something is. Run as root (or with sudo).
set -euo pipefail

packages=(
    build-essential cmake ninja-build pkg-config binutils
    libfmt-dev libzydis-dev libcli11-dev libgtest-dev libboost-dev libvncserver-dev libpng-dev
    nasm gdb lldb clang libclang-rt-14-dev novnc chromium
    console-setup-linux
    # --net user (devices/virtio/slirp_backend.cpp).
    libslirp-dev
    # VM files, TOML (core/cli/vm_file.cpp, docs/multi-vm.md).
    libtomlplusplus-dev
    # tests/qemu: svm's Limine handoff and the virtio guests on QEMU-TCG (its 32-bit stub is only assembled, with
    # cc -m32, so gcc-multilib is not needed).
    qemu-system-x86
    # tests/unit/core/acpi_dsdt_test.cpp disassembles svm's DSDT with ACPICA's iasl.
    acpica-tools
    # The screen reader (tests/tools/screen_text.py), the QEMU screen and virtio test drivers and
    # the benchmark timers are Python 3 scripts (standard library only).
    python3
)

missing=()
for p in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages are installed"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
