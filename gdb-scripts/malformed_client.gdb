# A hostile client (garbage, bad checksums, a 300 KB packet, a disconnect mid-packet) gets NAKs and
# error replies. Its one valid packet made it a debugger (the handshake), so with --gdb its
# disconnect leaves the guest stopped where it was, before the first instruction: the next gdb
# finds a guest that never ran, and svm serves it normally.
# svm: {guest}/spin.elf
# garbage-first: yes
# expect: garbage client answered: [0-9]+ bytes
# expect: spin_count_zero=1
# svm-expect: the debugger disconnected while the guest was stopped; it stays stopped
# exit: 137
python print("spin_count_zero=%d" % (int(gdb.parse_and_eval("spin_count")) == 0))
kill
