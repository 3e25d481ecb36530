# A hardware breakpoint (debug registers) and `finish` with the returned value.
# svm: {guest}/debugme.elf
# expect: Hardware assisted breakpoint 1 at 0x[0-9a-f]+: file .*debugme.c
# expect: Breakpoint 1, add \(a=2, b=3\)
# expect: Value returned is \$1 = 5
# expect: exited normally
# exit: 0
hbreak add
continue
finish
delete
continue
