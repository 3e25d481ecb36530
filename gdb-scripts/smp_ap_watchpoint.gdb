# A watchpoint hit by an application processor reports the AP's thread with old and new value.
# svm: --cpus 2 {guest}/smp_start.elf
# expect: Hardware watchpoint 1: ap_written
# expect: Thread 2 "vCPU 1" hit Hardware watchpoint 1: ap_written
# expect: Old value = 0
# expect: New value = 1
# exit: 137
watch ap_written
continue
kill
