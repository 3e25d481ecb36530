#!/bin/sh
# Builds svm's libFuzzer targets (tests/fuzz/libfuzzer/, clang++ with libFuzzer, ASan and UBSan)
# and runs one or all of them.
#   tests/fuzz/run.sh TARGET SECONDS BUILD_DIR   run TARGET (e.g. port_storm) for SECONDS
#   tests/fuzz/run.sh all SECONDS BUILD_DIR      run every target for SECONDS each, in turn
#   tests/fuzz/run.sh list BUILD_DIR             print the target names
#   tests/fuzz/run.sh seeds BUILD_DIR            regenerate tests/fuzz/corpus/*/seed-*
#   tests/fuzz/run.sh SECONDS BUILD_DIR          the gdb_session target (the old usage)
# BUILD_DIR is a CMake build directory of tests/fuzz/libfuzzer (configured here if it is not
# yet). Each target reads its checked-in seeds from tests/fuzz/corpus/TARGET and keeps what it
# finds in BUILD_DIR/corpus/TARGET. A crash leaves BUILD_DIR/TARGET-crash-*: add it to
# tests/fuzz/corpus/TARGET/ as a regression seed, write a unit test, fix the bug.
# Environment: SVM_FUZZ_NO_BUILD=1 runs what is built (CTest: the main build built it);
# SVM_FUZZ_JOBS=N builds with N jobs; extra libFuzzer flags go in SVM_FUZZ_FLAGS.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
usage="usage: run.sh TARGET|all SECONDS BUILD_DIR, or run.sh list|seeds BUILD_DIR"

case "${1:-}" in
    "") echo "$usage" >&2; exit 64 ;;
    list | seeds) target=$1; build=${2:?$usage} ;;
    *[!0-9]*) target=$1; seconds=${2:?$usage}; build=${3:?$usage} ;;
    *) target=gdb_session; seconds=$1; build=${2:?$usage} ;;
esac
mkdir -p "$build"
build=$(cd "$build" && pwd)

targets=$(sed -n 's/^svm_fuzz_target(\([a-z0-9_]*\) .*/\1/p' "$root/tests/fuzz/libfuzzer/CMakeLists.txt")
if [ "$target" = list ]; then
    echo "$targets"
    exit 0
fi
if [ "$target" != all ] && [ "$target" != seeds ] && ! echo "$targets" | grep -qx "$target"; then
    echo "run.sh: no fuzz target '$target'; targets:" $targets >&2
    exit 64
fi

if [ "${SVM_FUZZ_NO_BUILD:-}" != 1 ]; then
    if [ ! -f "$build/CMakeCache.txt" ]; then
        launcher=""
        if command -v ccache >/dev/null 2>&1; then launcher="-DCMAKE_CXX_COMPILER_LAUNCHER=ccache"; fi
        generator=""
        if command -v ninja >/dev/null 2>&1; then generator="-GNinja"; fi
        cmake -S "$root/tests/fuzz/libfuzzer" -B "$build" $generator \
            -DCMAKE_CXX_COMPILER=clang++ $launcher >/dev/null
    fi
    if [ "$target" = all ]; then
        cmake --build "$build" --parallel "${SVM_FUZZ_JOBS:-2}"
    elif [ "$target" = seeds ]; then
        cmake --build "$build" --parallel "${SVM_FUZZ_JOBS:-2}" --target make_seeds
    else
        cmake --build "$build" --parallel "${SVM_FUZZ_JOBS:-2}" --target "${target}_fuzzer"
    fi
fi

if [ "$target" = seeds ]; then
    exec "$build/make_seeds" "$root/tests/fuzz/corpus" "$root"
fi

# Options per target: the longest input worth trying. Kernel images need room; the targets that
# read operation lists run far more inputs per second with short ones, and one operation can
# still flood a device (uart16550's op 4).
max_len() {
    case "$1" in
        kernel_loader) echo 65536 ;;
        gdb_session) echo 8192 ;;
        *) echo 1024 ;;
    esac
}

run_one() {
    name=$1
    binary="$build/${name}_fuzzer"
    if [ ! -x "$binary" ]; then
        echo "run.sh: $binary is not built" >&2
        exit 1
    fi
    mkdir -p "$build/corpus/$name"
    seeds="$root/tests/fuzz/corpus/$name"
    extra=""
    # The gdb session also replays the inputs that once crashed it (replay_test.cpp's).
    if [ "$name" = gdb_session ]; then extra="$root/tests/unit/gdbstub/data/regressions"; fi
    echo "== fuzz $name for ${seconds}s"
    "$binary" -max_total_time="$seconds" -max_len="$(max_len "$name")" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$build/$name-" \
        ${SVM_FUZZ_FLAGS:-} "$build/corpus/$name" "$seeds" $extra
}

if [ "$target" = all ]; then
    # Every target runs, even after one crashed; the exit status says whether any did.
    failed=""
    for t in $targets; do run_one "$t" || failed="$failed $t"; done
    if [ -n "$failed" ]; then
        echo "run.sh: crashed:$failed (inputs in $build/*-crash-*)" >&2
        exit 1
    fi
else
    run_one "$target"
fi
