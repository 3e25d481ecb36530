# A Limine kernel under gdb (guest/limine/, base revision 6): gdb attaches before the kernel's
# first instruction, `break limine_main` is set by symbol before it runs and hits, and the HHDM the
# loader built is readable from gdb: the kernel's first bytes (the requests start marker) read the
# same at its linked address and at HHDM offset + the executable address response's physical_base.
# Then the kernel finishes its checks and exits with 0.
# svm: {guest}/limine_rev6.elf
# expect: Breakpoint 1 at 0xffffffff800
# expect: Breakpoint 1, limine_main \(frame=
# expect: hhdm=0xffff800000000000 phys=0x[0-9a-f]+
# expect: 0xffffffff80000000 <limine_requests_start>:\s+0xf6b8f4b39de7d1ae\s+0xfab91a6940fcb9cf
# expect: 0xffff8000[0-9a-f]+:\s+0xf6b8f4b39de7d1ae\s+0xfab91a6940fcb9cf
# expect: exited normally
# reject: Cannot access memory
# reject: Cannot insert breakpoint
# svm-expect: limine: all [0-9]+ checks passed
# exit: 0
break limine_main
continue
set $hhdm = ((unsigned long *) req_hhdm.response)[1]
set $phys = ((unsigned long *) req_executable_address.response)[1]
printf "hhdm=0x%lx phys=0x%lx\n", $hhdm, $phys
x/2gx 0xffffffff80000000
x/2gx $hhdm + $phys
continue
