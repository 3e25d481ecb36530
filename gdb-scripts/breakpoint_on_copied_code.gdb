# A breakpoint on code the guest copies into place later: smp_sipi's BSP copies the AP trampoline
# to 0x8000 after `break *0x8000` is set, and the AP that starts there in real mode stops at it.
# svm keeps software breakpoints armed across guest writes (the page is read-only to the guest
# while a breakpoint is in it), and on KVM-PVM hosts writes ICEBP, since int3 would go through the
# real-mode interrupt vector table.
# svm: --cpus 2 {guest}/smp_sipi.elf
# expect: Thread 2 "vCPU 1" hit Breakpoint 1, 0x0+8000 in
# expect: \$1 = 0x8000
# expect: \[Inferior 1 \(process 1\) exited normally\]
# exit: 0
break *0x8000
continue
p/x $pc
delete
continue
