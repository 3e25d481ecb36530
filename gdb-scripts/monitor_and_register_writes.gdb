# Register writes reach the vCPU; monitor commands walk the page tables and switch to physical
# addresses.
# svm: {guest}/elf64.elf
# expect: \$1 = 0x1234
# expect: PML4E\[0x0\]
# expect: PDE\[0x0\]
# expect: 2 MiB page, linear 0x100000 -> physical 0x100000
# expect: memory addresses are now guest-physical
# expect: 0x80000:\s+0x53\s+0x56\s+0x4d\s+0x4d
# expect: svm monitor commands
# exit: 137
set $rbx = 0x1234
stepi
p/x $rbx
monitor translate 0x100000
monitor phys on
x/4xb 0x80000
monitor phys off
monitor help
kill
