# A boot sector under gdb (docs/bios.md): svm stops at its first instruction, 0000:7C00, which
# disassembles as 16-bit code; a software breakpoint at the `int 0x10` of the print loop fires, and
# one `stepi` runs the whole BIOS call (the character is on the screen, AL is kept) and stops at
# the next instruction of the boot sector instead of inside svm's BIOS ROM.
# svm: {guest}/bios_hello.img
# expect: \$1 = 0x7c00
# expect: 0x7c00:\s+xor\s+%ax,%ax
# expect: Breakpoint 1, 0x0+7c11 in
# expect: \$2 = 0x7c13
# expect: \$3 = 0x48
# expect: \$4 = 0x0
# exit: 137
p/x $pc
x/i $pc
break *0x7c11
continue
stepi
p/x $pc
p/x $al
p/x $cs
kill
