# Stepping a two-stage loader across its far jump into protected mode (guest/bios/longmode.asm):
# the boot sector reads stage 2 with int 0x13 AH=0x42, sets CR0.PE and jumps to 0x08:0x7E00; one
# `stepi` on the jump lands on stage 2's first instruction with CS = 0x08 and CR0.PE set.
# svm: {guest}/bios_longmode.img
# expect: Breakpoint 1, 0x0+7c37 in
# expect: \$1 = 0x7e00
# expect: \$2 = 0x8
# expect: \$3 = 0x1
# exit: 137
break *0x7c37
continue
stepi
p/x $pc
p/x $cs
p/x $cr0 & 1
kill
