# The system registers gdb shows: control registers, EFER, segment bases and descriptor tables.
# svm: {guest}/elf64.elf
# expect: cr3\s+0x91000
# expect: efer\s+0x500
# expect: fs_base\s+0x0
# expect: cr0\s+0x80010033
# expect: cr4\s+0x620
# expect: \$1 = 0x82000
# expect: \$2 = 0x20
# expect: \$3 = 0xa09b
# exit: 137
info registers cr3 efer fs_base
info registers cr0
info registers cr4
p/x $gdtr_base
p/x $tr
p/x $cs_attr
kill
