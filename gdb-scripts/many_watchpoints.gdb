# Six watchpoints at once, more than the four debug registers could hold.
# svm: {guest}/debugme.elf
# expect: Hardware watchpoint 6: wv\[5\]
# expect: wv\[0\]\s+Old value = 0\s+New value = 10
# expect: wv\[1\]\s+Old value = 0\s+New value = 11
# expect: wv\[2\]\s+Old value = 0\s+New value = 12
# expect: wv\[3\]\s+Old value = 0\s+New value = 13
# expect: wv\[4\]\s+Old value = 0\s+New value = 14
# expect: wv\[5\]\s+Old value = 0\s+New value = 15
# expect: exited normally
# exit: 0
watch wv[0]
watch wv[1]
watch wv[2]
watch wv[3]
watch wv[4]
watch wv[5]
continue
continue
continue
continue
continue
continue
delete
continue
