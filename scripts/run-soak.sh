#!/usr/bin/env bash
# Builds svm and runs the soak and chaos tests (label `soak`, docs/reliability.md): a chaos guest
# on every vCPU for SVM_SOAK_SECONDS (default 600), 1,000 gdb attach/detach cycles, a gdb client
# that never reads, a stalled stdout and exhausted file descriptors. About 15 minutes; needs
# /dev/kvm. Not part of scripts/run-tests.sh.
#   SVM_SOAK_SECONDS=60 bash scripts/run-soak.sh     a shorter chaos run
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh
build="${SVM_BUILD_DIR:-build}"
ctest --test-dir "$build" --output-on-failure -L soak
