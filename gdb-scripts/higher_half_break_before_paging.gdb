# A 32-bit higher-half Multiboot kernel: gdb attaches at _start (paging off, kmain's address
# 0xc0101040 not mapped), `break kmain` is placed where the kernel's ELF segments say kmain will run,
# and hits once the kernel has enabled paging and jumped to the higher half.
# svm: {guest}/hh32.elf
# expect: _start \(\) at .*boot.S
# expect: Breakpoint 1 at 0xc0101040
# expect: Breakpoint 1, kmain
# expect: \$1 = 0xc0101040
# reject: Cannot insert breakpoint
# exit: 137
break kmain
continue
p/x $pc
kill
