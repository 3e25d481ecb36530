# docs/tutorial.md, step 3: a watchpoint on the run queue (guest/os/sched.c's queue_head): a CPU
# that changes the queue's head stops the machine, with the old and new value and the code that
# changed it. The condition skips the changes that empty the queue, so queue_head->name is there.
# svm: --cpus 2
# expect: Breakpoint 1, shell_main
# expect: Hardware watchpoint 2: queue_head
# expect: hit Hardware watchpoint 2: queue_head
# expect: Old value = \(struct thread \*\) 0x[0-9a-f]+
# expect: New value = \(struct thread \*\) 0x[1-9a-f][0-9a-f]*
# expect: #0\s+(0x[0-9a-f]+ in )?(enqueue|dequeue)
# expect: #1\s+.*(schedule|sched_tick|thread_wake|thread_create)
# expect: hit Hardware watchpoint 2: queue_head
# expect: \$1 = 0x[0-9a-f]+( <[a-z_]+\+[0-9]+>)? "[a-z0-9]+"
# reject: Cannot access memory
# exit: 137
break shell_main
continue
delete
watch queue_head if queue_head != 0
continue
bt
continue
p queue_head->name
delete
kill
