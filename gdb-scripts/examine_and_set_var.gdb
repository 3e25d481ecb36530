# x/ reads guest memory through the page tables; `set var` changes what the guest prints later.
# svm: {guest}/debugme.elf
# expect: Breakpoint 1, checkpoint
# expect: 0x103000 <magic>:\s+0x00000001
# expect: 0x103000 <magic>:\s+0x0000002a
# expect: exited normally
# svm-expect: magic: 42
# reject: magic: 1
# exit: 0
break checkpoint
continue
continue
continue
x/1xw &magic
set var magic = 42
x/1xw &magic
delete
continue
