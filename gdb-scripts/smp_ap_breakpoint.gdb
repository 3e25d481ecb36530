# A breakpoint in a function only application processors run reports that AP's thread; every
# other vCPU is stopped meanwhile, and `thread apply all bt` shows each one's stack.
# svm: --cpus 4 {guest}/smp_start.elf
# expect: Thread [234] "vCPU [123]" hit Breakpoint 1, ap_only_function \(cpu=(cpu@entry=)?[123]\)
# expect: current_thread_is_ap=1
# expect: Thread 4 \(Thread 1\.4 "vCPU 3"
# expect: #0\s+ap_only_function \(cpu=
# expect: #1 .* in ap_main
# expect: Thread 1 \(Thread 1\.1 "vCPU 0" \(vCPU 0, long mode, CPL 0, stopped\)\)
# exit: 137
break ap_only_function
continue
python print("current_thread_is_ap=%d" % (gdb.selected_thread().num > 1))
thread apply all bt 3
kill
