# stepi on one thread: with scheduler-locking on the other vCPUs stay stopped; with it off they
# run while the stepping vCPU steps (vCont;s:2;c).
# svm: --cpus 2 {guest}/smp_spin.elf
# interrupt-after: cpus spinning
# expect: received signal SIGINT
# expect: locked_other_unchanged=1 stepped_self_moved=1
# expect: unlocked_other_moved=1
# exit: 137
continue
python
import gdb
def count(i):
    return int(gdb.parse_and_eval("spin_counts[%d]" % i))
gdb.execute("set scheduler-locking on")
gdb.execute("thread 2", to_string=True)
other, pc = count(0), int(gdb.parse_and_eval("$pc"))
pcs = set()
for i in range(30):
    gdb.execute("stepi", to_string=True)
    pcs.add(int(gdb.parse_and_eval("$pc")))
print("locked_other_unchanged=%d stepped_self_moved=%d" % (count(0) == other, len(pcs) > 1))
gdb.execute("set scheduler-locking off")
other = count(0)
for i in range(300):
    gdb.execute("stepi", to_string=True)
    if count(0) > other:
        break
print("unlocked_other_moved=%d" % (count(0) > other))
end
kill
