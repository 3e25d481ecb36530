# docs/tutorial.md, step 5: the OS's address space as svm reads it from the guest's own page
# tables: `monitor info mem` (merged ranges, as QEMU prints them) and `monitor translate`, one
# mapped address and the unmapped one the `crash` command touches.
# svm: --cpus 2
# expect: Breakpoint 1, shell_main
# expect: 0000000000000000-0000000100000000 0000000100000000 -rw
# expect: => 2 MiB page, linear 0x100020 -> physical 0x100020
# expect: PML4E\[0x1b\] @0x[0-9a-f]+ = 0x0 is not present \(linear 0xdead0000000\)
# exit: 137
break shell_main
continue
monitor info mem
monitor translate 0x100020
monitor translate 0xdead0000000
kill
