# docs/tutorial.md, step 4: `monitor catch PF` stops every vCPU at the first instruction of the
# OS's page-fault handler when the shell's `crash` command touches an unmapped address. CR2 holds
# the address; the exception frame on the stack holds the faulting instruction's address, which
# gdb turns into a symbol. Once gdb lets it run, the OS prints its own crash report and halts
# every CPU with interrupts off; under gdb svm reports that as a stop (SIGTRAP) instead of ending.
# svm: --cpus 2
# type-after: svm-os>  => crash
# expect: Breakpoint 1, shell_main
# expect: catch: every vCPU stops at the first instruction of the handler of #PF \(14\)
# expect: received signal SIGSEGV
# expect: in idt_stub_14
# expect: \$1 = 0xdead0000000
# expect: => 0x[0-9a-f]+ <idt_stub_14
# expect: cmd_crash \+ [0-9]+ in section \.text
# expect: received signal SIGTRAP
# svm-expect: \*\*\* page fault: cr2 0x00000dead0000000 rip 0x[0-9a-f]+ error 0x2 \(write, not present\) in thread "shell" on cpu [01]
# svm-expect: halted with interrupts disabled
# exit: 137
break shell_main
continue
delete
monitor catch PF
continue
p/x $cr2
x/i $pc
info symbol *(long *)($sp + 8)
monitor catch off
continue
kill
