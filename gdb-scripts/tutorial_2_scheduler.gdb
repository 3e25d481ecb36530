# docs/tutorial.md, step 2: a breakpoint in the scheduler's timer tick, only on the second CPU:
# the condition reads the OS's per-CPU data through the GS base (guest/os/sched.c). Once it hits,
# both vCPUs run the OS in long mode, and the CPU's struct shows what it is running.
# svm: --cpus 2
# expect: Breakpoint 1 at 0x[0-9a-f]+: file .*guest/os/sched.c
# expect: Thread 2 "vCPU 1" hit Breakpoint 1, sched_tick \(\) at .*sched.c
# expect: \$1 = 1
# expect: \$2 = \{self = 0x[0-9a-f]+ <cpus\+[0-9]+>, current = 0x[0-9a-f]+, index = 1, apic_id = 1, online = 1
# expect: \$3 = 0x[0-9a-f]+( <[a-z_]+\+[0-9]+>)? "(idle|shell|counter|net|worker[0-9]+)"
# expect: 1\s+Thread 1\.1 "vCPU 0" \(vCPU 0, long mode, CPL 0, (stopped|halted)\)
# expect: \* 2\s+Thread 1\.2 "vCPU 1" \(vCPU 1, long mode, CPL 0, stopped\)
# expect: #0\s+sched_tick
# reject: Remote failure reply
# exit: 137
break sched_tick if ((struct cpu *)$gs_base)->index == 1
continue
p ((struct cpu *)$gs_base)->index
p *(struct cpu *)$gs_base
p ((struct cpu *)$gs_base)->current->name
info threads
bt
delete
kill
