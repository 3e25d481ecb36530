#!/usr/bin/env bash
# Installs missing packages and builds svm, its guests and its tests into build/ (or $SVM_BUILD_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
build="${SVM_BUILD_DIR:-build}"
cmake -S . -B "$build" -G Ninja ${SVM_CMAKE_ARGS:-} >/dev/null
cmake --build "$build"
