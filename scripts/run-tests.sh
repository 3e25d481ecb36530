#!/usr/bin/env bash
# Builds everything and runs the whole test suite: unit tests, kvm integration tests and gdb tests.
# KVM tests need /dev/kvm; set SVM_SKIP_KVM_TESTS=1 to skip them explicitly on a machine without it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
build="${SVM_BUILD_DIR:-build}"
ctest --test-dir "$build" --output-on-failure --timeout 300 -j2 -LE soak
