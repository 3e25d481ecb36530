# Every vCPU is a gdb thread: at the first instruction vCPU 0 runs the kernel in long mode and the
# application processors wait for a SIPI; each can be inspected without error and shows the
# state INIT leaves (F000:FFF0, $pc 0xfffffff0), however far its thread has got.
# svm: --cpus 4 {guest}/smp_start.elf
# expect: \* 1\s+Thread 1\.1 "vCPU 0" \(vCPU 0, long mode, CPL 0, stopped\)
# expect: 2\s+Thread 1\.2 "vCPU 1" \(vCPU 1, real mode, CPL 0, waiting for SIPI\)
# expect: 3\s+Thread 1\.3 "vCPU 2" \(vCPU 2, real mode, CPL 0, waiting for SIPI\)
# expect: 4\s+Thread 1\.4 "vCPU 3" \(vCPU 3, real mode, CPL 0, waiting for SIPI\)
# expect: Switching to thread 4
# expect: cs\s+0xf000
# expect: \$1 = 0xfffffff0
# reject: Remote failure reply
# exit: 137
info threads
thread 4
info registers cs
p/x $pc
kill
