# The boot check of docs/ci.md, a script a kernel project copies into its CI: break in a function,
# assert a variable and a register with plain gdb commands (no Python), run on to the guest's exit
# and assert its exit code. A failed assertion prints "FAIL: ...", kills the guest (svm exits
# with 137) and makes gdb exit with 1. Against guest/tests/debugme.c: kmain calls add(2, 3),
# which returns 5; `magic` is 1 until a debugger changes it; the guest exits with 0.
# svm: {guest}/debugme.elf
# expect: Breakpoint 1, add \(a=2, b=3\)
# expect: Run till exit from #0 +add \(a=2, b=3\)
# expect: Value returned is \$1 = 5
# expect: boot check: add\(2, 3\) returned 5, magic is 1
# expect: \[Inferior 1 \(process 1\) exited normally\]
# expect: boot check: passed
# reject: FAIL
# svm-expect: debugme: done
# exit: 0
set pagination off
set confirm off
break add
continue
if a != 2 || b != 3
  echo FAIL: add() was called with other arguments than (2, 3)\n
  kill
  quit 1
end
finish
# finish leaves add's return value in rax (System V AMD64 ABI, 3.2.3 "Returning of Values").
if $rax != 5
  echo FAIL: add(2, 3) did not return 5 in rax\n
  kill
  quit 1
end
if magic != 1
  echo FAIL: magic is not 1\n
  kill
  quit 1
end
echo boot check: add(2, 3) returned 5, magic is 1\n
delete
continue
# gdb sets $_exitcode when the guest exits (svm_exit, isa-debug-exit); it stays void if the
# continue ended otherwise (a crash is a signal: the triple fault's SIGSEGV).
if $_isvoid($_exitcode)
  echo FAIL: the guest did not exit\n
  kill
  quit 1
end
if $_exitcode != 0
  echo FAIL: the guest did not exit with 0\n
  quit 1
end
echo boot check: passed\n
