# 100 single steps: each moves to the next instruction of the kernel (none lands elsewhere).
# svm: {guest}/elf64.elf
# expect: steps=100 in_kernel=100
# exit: 137
python
import gdb
start = int(gdb.parse_and_eval("&_start").cast(gdb.lookup_type("long")))
end = int(gdb.parse_and_eval("&__kernel_end").cast(gdb.lookup_type("long"))) if gdb.lookup_global_symbol("__kernel_end") else start + 0x100000
inside = 0
for i in range(100):
    gdb.execute("stepi", to_string=True)
    pc = int(gdb.parse_and_eval("$pc").cast(gdb.lookup_type("long")))
    if start <= pc < end:
        inside += 1
print("steps=100 in_kernel=%d" % inside)
end
kill
