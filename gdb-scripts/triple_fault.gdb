# A triple fault stops the guest with SIGSEGV and the state at the fault (svm does not reset).
# svm: {guest}/triplefault.elf
# expect: Program received signal SIGSEGV
# expect: => 0x[0-9a-f]+ <kmain\+[0-9]+>:\s+ud2
# expect: idtr_limit_zero=1
# exit: 137
continue
x/i $pc
python print("idtr_limit_zero=%d" % (int(gdb.parse_and_eval("$idtr_limit")) == 0))
kill
