# gdb side of bench/gdb_roundtrip (docs/benchmarks.md, "gdb benchmarks"). Sourced by
# `gdb -nx -batch ... -ex "target remote ..." -x gdb_roundtrip.py` once gdb is attached to a VMM
# booting bench/guest/gdb_loop.elf. Before it, the benchmark sets in gdb's Python:
#   bench_steps       number of `stepi` (one `stepi N` command)
#   bench_hits        breakpoint hits (`ignore` N-1, then one `continue`)
#   bench_dump_path   file for `dump binary memory`
#   bench_dump_start, bench_dump_end   the guest-physical range to dump
# Each measurement is the wall time of one gdb command (time.perf_counter around
# gdb.execute), so gdb's start-up and the connection are outside it. Prints one line
#   RESULT stepi_s=... break_s=... dump_s=... calls_stepped=... hits=... dump_bytes=...
# or "BENCH-ERROR: ..." if something did not happen as it should.
import os
import time

import gdb


def timed(command):
    start = time.perf_counter()
    gdb.execute(command, to_string=True)
    return time.perf_counter() - start


def calls():
    # `calls` is a label in .text with no debug type: read its 4 bytes directly.
    address = int(gdb.parse_and_eval("(unsigned long)&calls"))
    return int.from_bytes(gdb.selected_inferior().read_memory(address, 4).tobytes(), "little")


def main():
    # Run into the kernel's loop first: QEMU starts at the reset vector (SeaBIOS loads the kernel),
    # svm at _start. Both then step and break in the same code.
    entry = gdb.Breakpoint("*bench_target")
    gdb.execute("continue", to_string=True)
    entry.delete()

    before = calls()
    stepi_s = timed("stepi %d" % bench_steps)
    calls_stepped = calls() - before

    target = gdb.Breakpoint("*bench_target")
    target.ignore_count = bench_hits - 1
    before = calls()
    break_s = timed("continue")
    hits = target.hit_count
    calls_hit = calls() - before
    target.delete()

    dump_s = timed("dump binary memory %s 0x%x 0x%x" % (bench_dump_path, bench_dump_start,
                                                       bench_dump_end))
    dump_bytes = os.path.getsize(bench_dump_path)
    os.unlink(bench_dump_path)

    # The last stop is before bench_target's `incl`; one more call counts if the steps ended
    # inside bench_target before its `incl`.
    if hits != bench_hits or calls_hit not in (bench_hits - 1, bench_hits):
        print("BENCH-ERROR: breakpoint hit %d times, bench_target ran %d times (expected %d)"
              % (hits, calls_hit, bench_hits))
    if dump_bytes != bench_dump_end - bench_dump_start:
        print("BENCH-ERROR: the dump has %d bytes" % dump_bytes)
    print("RESULT stepi_s=%.6f break_s=%.6f dump_s=%.6f calls_stepped=%d hits=%d dump_bytes=%d"
          % (stepi_s, break_s, dump_s, calls_stepped, hits, dump_bytes))


try:
    main()
except gdb.error as e:
    print("BENCH-ERROR: %s" % e)
