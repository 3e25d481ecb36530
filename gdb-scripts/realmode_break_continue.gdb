# `break` + `continue` in real mode: the breakpoint fires and the guest is intact afterwards. On
# nested KVM-PVM hosts svm writes ICEBP (0xF1) rather than int3, which KVM-PVM would hand to the
# guest's interrupt vector table (the guest then ran into vector 3's garbage).
# svm: {guest}/realmode.bin
# expect: Breakpoint 1, 0x0+10 in
# expect: \$1 = 0x10
# expect: 0x10:\s+0x
# exit: 137
break *0x10
continue
p/x $pc
x/1xb 0x10
kill
