# The guest's exit becomes gdb's "exited with code" (gdb prints it in octal: 42 is 052) and svm
# exits with the guest's code.
# svm: {guest}/hypercalls.elf
# expect: exited with code 052
# exit: 42
continue
