# `monitor catch PF`: the guest's write to an unmapped address stops every vCPU at the first
# instruction of its #PF handler (the IDT stub for vector 14), with the vector, error code and CR2
# in the stop and in $_siginfo. `continue` steps past the caught handler (the catch stays armed)
# and the handler, which checks CR2 and the error code itself, ends the run with 0.
# svm: {guest}/page_fault.elf
# expect: catch: every vCPU stops at the first instruction of the handler of #PF \(14\)
# expect: svm: vCPU 0 took exception 14, error code 0x2, CR2 0x700000000000
# expect: Program received signal SIGSEGV
# expect: in idt_stub_14
# expect: \$1 = 14
# expect: \$2 = 2
# expect: \$3 = 0x700000000000
# expect: \[Inferior 1 \(process 1\) exited normally\]
# svm-expect: page fault: cr2 0x700000000000, error 0x2
# exit: 0
break idt_ready
continue
monitor catch PF
continue
p $_siginfo.si_errno
p $_siginfo.si_code
p/x $_siginfo._sifields._sigfault.si_addr
continue
