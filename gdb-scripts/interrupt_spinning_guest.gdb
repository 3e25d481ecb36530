# Ctrl-C stops a guest that spins with interrupts off; the state is then readable.
# svm: {guest}/spin.elf
# interrupt-after: spinning
# expect: Program received signal SIGINT
# expect: spin_count_positive=1
# exit: 137
continue
python print("spin_count_positive=%d" % (int(gdb.parse_and_eval("spin_count")) > 0))
kill
