# A hostile client (garbage, bad checksums, a 300 KB packet, a disconnect mid-packet) gets NAKs and
# error replies; its disconnect counts as a detach, and svm then serves the next gdb normally.
# svm: {guest}/spin.elf
# garbage-first: yes
# expect: garbage client answered: [0-9]+ bytes
# expect: kmain \(.*\) at .*spin.c
# expect: spin_count_positive=1
# exit: 137
python print("spin_count_positive=%d" % (int(gdb.parse_and_eval("spin_count")) > 0))
kill
