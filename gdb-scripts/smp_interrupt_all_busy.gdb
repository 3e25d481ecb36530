# Ctrl-C with every vCPU busy stops all of them; each thread is then in spin_forever.
# svm: --cpus 4 {guest}/smp_spin.elf
# interrupt-after: cpus spinning
# expect: received signal SIGINT
# expect: all_spinning=1
# expect: (spin_forever.*){4}
# exit: 137
continue
python
import gdb
counts = [int(gdb.parse_and_eval("spin_counts[%d]" % i)) for i in range(4)]
print("all_spinning=%d" % all(c > 0 for c in counts))
end
python
import gdb
frames = []
for t in gdb.selected_inferior().threads():
    t.switch()
    frames.append(gdb.selected_frame().name() or "?")
print(" ".join(frames))
end
kill
