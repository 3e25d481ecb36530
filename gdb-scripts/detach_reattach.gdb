# detach lets the guest run on; a second gdb attaches to the same svm and stops it.
# svm: {guest}/spin.elf
# expect: Inferior 1 \(process 1\) detached
# expect: kmain \(.*\) at .*spin.c
# expect: spin_count_positive=1
# exit: 137
detach
# --- next gdb ---
python print("spin_count_positive=%d" % (int(gdb.parse_and_eval("spin_count")) > 0))
kill
