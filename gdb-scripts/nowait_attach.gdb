# --gdb-nowait: the guest runs at once; gdb attaches later, and attaching stops every vCPU.
# svm: --gdb-nowait --cpus 2 {guest}/smp_spin.elf
# wait-for: cpus spinning
# expect: spin_forever \(cpu=
# expect: both_ran=1
# expect: Thread 1\.1 "vCPU 0" \(vCPU 0, long mode, CPL 0, stopped\)
# expect: Thread 1\.2 "vCPU 1" \(vCPU 1, long mode, CPL 0, stopped\)
# exit: 137
python print("both_ran=%d" % (int(gdb.parse_and_eval("spin_counts[0]")) > 0 and int(gdb.parse_and_eval("spin_counts[1]")) > 0))
info threads
kill
