# A software breakpoint in a higher-half kernel, a backtrace through three frames, and `finish`.
# svm: {guest}/higherhalf.elf
# expect: Breakpoint 1 at 0xffffffff8010
# expect: Breakpoint 1, (0x[0-9a-f]+ in )?level3
# expect: #0 .*level3
# expect: #1 .*level2
# expect: #2 .*level1
# expect: #3 .*kmain
# expect: level2 \(x=x@entry=2\) at .*higherhalf.c
# expect: Value returned is \$1 = 6
# reject: Cannot insert breakpoint
# exit: 137
break level3
continue
bt
finish
kill
