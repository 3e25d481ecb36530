#!/bin/sh
# Builds tests/fuzz/gdb_session_fuzzer.cpp with clang++ (libFuzzer, ASan, UBSan) and runs it.
#   tests/fuzz/run.sh SECONDS BUILD_DIR
# The corpus lives in BUILD_DIR/corpus (seeded from tests/unit/gdbstub/data). A crash leaves
# BUILD_DIR/crash-*: copy it to tests/unit/gdbstub/data/regressions/ and fix the bug.
set -eu
seconds=${1:?usage: run.sh SECONDS BUILD_DIR}
build=${2:?usage: run.sh SECONDS BUILD_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$build/corpus"

sources="$root/tests/fuzz/gdb_session_fuzzer.cpp"
for f in "$root"/gdbstub/*.cpp "$root"/gdbstub/protocol/*.cpp "$root"/gdbstub/x86_64/*.cpp; do
    case "$f" in
        */server.cpp|*/connection.cpp) ;;  # the Asio transport is not fuzzed here
        *) sources="$sources $f" ;;
    esac
done
binary="$build/gdb_session_fuzzer"
# Rebuild when a source is newer than the binary.
if [ ! -x "$binary" ] || [ -n "$(find $sources -newer "$binary" 2>/dev/null)" ]; then
    clang++ -std=c++2b -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -I"$root/tests/fuzz/compat" -I"$root" $sources -lfmt -o "$binary"
fi

# Seed: the recorded gdb conversation as framed packets, and the regression inputs.
seed="$build/corpus/seed-gdb13"
if [ ! -f "$seed" ]; then
    grep -v '^#' "$root/tests/unit/gdbstub/data/gdb13_session.txt" | while IFS= read -r p; do
        sum=$(printf '%s' "$p" | od -An -v -tu1 | tr -s ' ' '\n' | awk '{s+=$1} END {printf "%02x", s%256}')
        printf '$%s#%s' "$p" "$sum"
    done >"$seed"
fi
cp "$root"/tests/unit/gdbstub/data/regressions/* "$build/corpus/" 2>/dev/null || true
rm -f "$build/corpus/README.md"

cd "$build"
exec "$binary" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
    -print_final_stats=1 corpus
