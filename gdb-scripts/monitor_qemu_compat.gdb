# QEMU's monitor commands, as OS developers' scripts use them, and an unknown command that does not
# end the script (gdb -batch stops at the first error).
# svm: {guest}/elf64.elf
# expect: unknown monitor command 'frobnicate'
# expect: RAX=[0-9a-f]{16} RBX=[0-9a-f]{16}
# expect: RIP=[0-9a-f]{16} RFL=
# expect: CR0=[0-9a-f]{8} CR2=
# expect: \* CPU #0: thread_id=\d+
# expect: 0000000000000000-[0-9a-f]{16} [0-9a-f]{16} [u-]rw
# expect: gpa: 0x100000
# expect: 0000000000080000: 0x4d4d5653
# expect: \$1 = 0x5
# exit: 137
monitor frobnicate
monitor info registers
monitor info cpus
monitor info mem
monitor gva2gpa 0x100000
monitor xp /1xw 0x80000
p/x 5
kill
