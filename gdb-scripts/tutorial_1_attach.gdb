# docs/tutorial.md, step 1: svm with no kernel boots the built-in sample OS and, with --gdb, waits
# for gdb before its first instruction. gdb loads the OS's symbols from svm (qXfer:exec-file, vFile)
# and sees one thread per vCPU: vCPU 0 at the Multiboot entry in 32-bit protected mode, vCPU 1
# waiting for the SIPI the OS will send it.
# svm: --cpus 2
# expect: Reading symbols from target:/proc/[0-9]+/fd/[0-9]+
# expect: \* 1\s+Thread 1\.1 "vCPU 0" \(vCPU 0, protected mode, CPL 0, stopped\)
# expect: 2\s+Thread 1\.2 "vCPU 1" \(vCPU 1, real mode, CPL 0, waiting for SIPI\)
# expect: => 0x100020 <_start>
# expect: Breakpoint 1 at 0x[0-9a-f]+: file .*guest/os/kmain.c
# expect: Breakpoint 1, kmain \(magic=732803074, mbi=[0-9]+, esi=[0-9]+\) at .*kmain.c
# expect: \$1 = 0x2badb002
# expect: #0\s+kmain
# expect: #1\s+0x[0-9a-f]+ in _start \(\) at .*entry.S
# exit: 137
info threads
x/i $pc
break kmain
continue
p/x magic
bt
kill
