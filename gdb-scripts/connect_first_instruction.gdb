# gdb attaches before the first instruction of a higher-half ELF64 kernel; svm names the kernel in
# qXfer:exec-file and serves it over vFile, so gdb loads its symbols with no `file` command (also
# from another machine).
# svm: {guest}/higherhalf.elf
# expect: Reading symbols from target:.*higherhalf.elf
# expect: _start
# expect: rip\s+0xffffffff80100000\s+0xffffffff80100000 <_start>
# expect: => 0xffffffff80100000 <_start>:
# expect: cs\s+0x8\s+8
# expect: Thread 1\.1 "vCPU 0" \(vCPU 0, long mode, CPL 0, stopped\)
# reject: Remote connection closed
# exit: 137
info registers rip
x/2i $pc
info registers cs
info threads
kill
