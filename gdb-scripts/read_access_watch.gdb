# Read and access watchpoints (rwatch, awatch): writes report old and new values, reads the value
# read. svm traps the accesses by unmapping the page, then completes them itself.
# svm: {guest}/debugme.elf
# expect: Hardware read watchpoint 1: readonly_source
# expect: Hardware access \(read/write\) watchpoint 2: watched
# expect: watchpoint 2: watched\s+Old value = 0\s+New value = 1
# expect: watchpoint 2: watched\s+Old value = 1\s+New value = 2
# expect: watchpoint 2: watched\s+Old value = 2\s+New value = 3
# expect: watchpoint 2: watched\s+Value = 3
# expect: Hardware read watchpoint 1: readonly_source\s+Value = 7
# expect: exited normally
# svm-expect: read: 7
# exit: 0
rwatch readonly_source
awatch watched
continue
continue
continue
continue
continue
delete
continue
