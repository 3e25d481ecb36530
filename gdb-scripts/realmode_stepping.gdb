# Stepping a real-mode flat binary at 0: pc is the linear address CS:IP, advancing by each 16-bit
# instruction's length (2e 66 a3 48 03, 2e 66 89 1e 4c 03, ...), and the breakpoint bytes svm
# inserts never show in memory reads.
# svm: {guest}/realmode.bin
# expect: \$1 = 0x0
# expect: \$2 = 0x5
# expect: \$3 = 0xb
# expect: 0x0:\s+0x2e\s+0x66\s+0xa3\s+0x48\s+0x03
# expect: \$4 = 0x7000
# exit: 137
p/x $pc
stepi
p/x $pc
stepi
p/x $pc
break *0x10
x/5xb 0
p/x $ss
kill
