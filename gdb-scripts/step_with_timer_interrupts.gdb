# 100 stepi in code that runs with a 1 ms LAPIC timer: interrupts are blocked while stepping, so no
# step lands in the interrupt handler and no tick happens during the steps; after `continue` the
# timer works again and the guest finishes.
# svm: {guest}/timer_step.elf
# expect: Breakpoint 1, .*busy_loop
# expect: steps=100 outside_loop=0 ticks_during_steps=0
# expect: exited normally
# svm-expect: timer_step: ticks [1-9]
# exit: 0
break busy_loop
continue
python
import gdb
ticks = int(gdb.parse_and_eval("ticks"))
outside = 0
for i in range(100):
    gdb.execute("stepi", to_string=True)
    # The ELF symbol of pc (inlined helpers such as rdtsc still belong to busy_loop).
    if not gdb.execute("info symbol $pc", to_string=True).startswith("busy_loop"):
        outside += 1
print("steps=100 outside_loop=%d ticks_during_steps=%d" % (outside, int(gdb.parse_and_eval("ticks")) - ticks))
end
delete
continue
