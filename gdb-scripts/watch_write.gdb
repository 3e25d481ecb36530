# A write watchpoint reports every change with its old and new value (svm traps the writes by
# mapping the page read-only, so it works where debug-register watchpoints do not).
# svm: {guest}/debugme.elf
# expect: Hardware watchpoint 1: watched
# expect: Old value = 0
# expect: New value = 1
# expect: Old value = 1
# expect: New value = 2
# expect: Old value = 2
# expect: New value = 3
# expect: exited normally
# svm-expect: watched: 3
# svm-expect: debugme: done
# exit: 0
watch watched
continue
continue
continue
delete
continue
