/*
 * Kernel threads and a preemptive round-robin scheduler for every CPU (OSDev wiki "Scheduling
 * Algorithms", "Kernel Multitasking"; xv6 book, chapter "Scheduling").
 *
 * Each thread has its own 16 KiB stack. A switch happens only inside schedule(), with
 * interrupts off, through context_switch() (switch.S). Each CPU's timer interrupt calls
 * sched_tick(), which calls schedule(): the interrupted thread's registers are on its own stack
 * (pushed by lib/idt_stubs.S), so when it is picked again, schedule() returns into the interrupt
 * handler, which returns with `iretq` to where the thread was interrupted. That is preemption.
 * The CPU that picks it again need not be the one it was interrupted on: threads migrate.
 *
 * The run queue is one FIFO of READY threads for all CPUs: whichever CPU schedules next takes
 * the thread at its head. Each CPU has its own idle thread (the BSP's is the boot flow, see
 * kmain.c; an AP's is its start-up flow, see smp.c), which never waits in the queue: it runs
 * only when the queue is empty, and only on its own CPU.
 *
 * Per-CPU data. Each CPU has a struct cpu (cpus[] below), and its GS base (the IA32_GS_BASE
 * MSR; Intel SDM Vol. 3A, 3.4.4 "Segment Loading Instructions in IA-32e Mode") points at it, so
 * `mov %gs:8, %rax` reads "the thread running on this CPU" in one instruction. Why GS rather
 * than looking the CPU up by its local APIC ID: a thread can be preempted and moved between any
 * two instructions, so "read the APIC ID, then index cpus[]" could find the struct of a CPU the
 * thread has already left, while one instruction cannot be split; and reading the APIC ID is an
 * MMIO access, a VM exit under KVM. The kernel never loads GS again and has no user mode (no
 * `swapgs`), so the base stays put.
 *
 * Locking. sched_lock protects the run queue, thread_count and threads[], cpu_count, and every
 * thread's state, next, wake_tick and wake_pending. It is a spinlock: its holder runs with
 * interrupts off, and a CPU that wants it spins. The only lock ever taken while it is held is
 * memory.c's (thread_create() allocates under it), which takes no other lock itself; nothing here
 * prints, so the console lock is never nested inside it. The order is sched_lock, then memory.
 *
 * Never on two CPUs at once. A thread that stops running (preempted, yielding, going to sleep,
 * blocking) becomes visible to the other CPUs as soon as its state changes (READY in the queue,
 * or SLEEPING/BLOCKED for a waker to enqueue), but its registers and RSP are saved only inside
 * context_switch(). If another CPU picked it up in between, both would run on one stack. The
 * window is closed as xv6 closes it: schedule() is called with sched_lock held and switches with
 * it held, and the thread that comes out on the other side of context_switch() releases it (its
 * own caller of schedule() unlocks, or thread_start() for a new thread). The lock is handed from
 * the old thread to the new one, so another CPU can dequeue the old thread only after its RSP is
 * stored.
 *
 * Lost wake-ups. With one CPU, "interrupts off, check the condition, block" was enough: no
 * handler could run in between. With several, the waker may run on another CPU, after the
 * waiter's check but before it is BLOCKED, and would find it still RUNNING. So thread_wake() on
 * a thread that is not BLOCKED sets its wake_pending, and thread_block() returns at once when
 * it finds it set (both under sched_lock): a wake-up is never lost, at worst one block returns
 * early and the waiter checks again.
 */
#include <stddef.h>

#include "lib/cpu.h"
#include "os/kernel.h"

#define MAX_THREADS 64
#define STACK_SIZE (16u * 1024u)
#define MSR_GS_BASE 0xC0000101u /* IA32_GS_BASE, SDM Vol. 4, table 2-2 */

static struct spinlock sched_lock;
static struct thread* threads[MAX_THREADS];
static int thread_count;
static struct thread *queue_head, *queue_tail;
static struct cpu cpus[MAX_CPUS];
static int cpu_count;

static void enqueue(struct thread* t) {
    t->next = NULL;
    if (queue_tail)
        queue_tail->next = t;
    else
        queue_head = t;
    queue_tail = t;
}

static struct thread* dequeue(void) {
    struct thread* t = queue_head;
    if (t) {
        queue_head = t->next;
        if (!queue_head) queue_tail = NULL;
    }
    return t;
}

struct cpu* this_cpu(void) {
    struct cpu* c;
    __asm__ volatile("mov %%gs:%c1, %0" : "=r"(c) : "i"(offsetof(struct cpu, self)));
    return c;
}

struct thread* thread_current(void) {
    struct thread* t;
    __asm__ volatile("mov %%gs:%c1, %0" : "=r"(t) : "i"(offsetof(struct cpu, current)));
    return t;
}

/* Picks the next thread for this CPU and switches to it. Called with sched_lock held (so
 * interrupts are off); returns with it held, possibly on another CPU, once the caller is picked
 * again. The caller has already set its own state if it is not to run again soon (SLEEPING,
 * BLOCKED, DEAD). */
static void schedule(void) {
    struct cpu* c = this_cpu();
    struct thread* prev = c->current;
    if (prev->state == THREAD_RUNNING) {
        prev->state = THREAD_READY;
        if (prev != c->idle) enqueue(prev);
    }
    struct thread* next = dequeue();
    if (!next) next = c->idle;
    next->state = THREAD_RUNNING;
    next->cpu = c->index;
    if (next == prev) return;
    if (next != c->idle) c->runs++;
    c->current = next;
    context_switch(&prev->rsp, next->rsp);
    /* We are `prev` again, picked by some later schedule(), on this CPU or another: `c` is
     * stale here, and the lock is ours to give back (see "Never on two CPUs at once"). */
}

/* Called with sched_lock held. */
static struct thread* new_thread(const char* name) {
    if (thread_count == MAX_THREADS) return NULL;
    struct thread* t = kmalloc(sizeof(*t));
    if (!t) return NULL;
    t->id = thread_count;
    t->name = name;
    t->cpu = -1;
    threads[thread_count] = t;
    __atomic_store_n(&thread_count, thread_count + 1, __ATOMIC_RELEASE); /* see thread_at() */
    return t;
}

/* Called with sched_lock held. Registers the next CPU with a READY idle thread. */
static struct cpu* new_cpu(uint32_t apic_id) {
    if (cpu_count == MAX_CPUS) return NULL;
    struct thread* idle = new_thread("idle");
    if (!idle) return NULL;
    struct cpu* c = &cpus[cpu_count];
    c->self = c;
    c->index = cpu_count;
    c->apic_id = apic_id;
    c->idle = idle;
    c->current = idle;
    idle->state = THREAD_READY; /* not in the queue: cpu_enter() makes it run */
    __atomic_store_n(&cpu_count, cpu_count + 1, __ATOMIC_RELEASE); /* see cpu_at() */
    return c;
}

void cpu_enter(struct cpu* c) {
    wrmsr(MSR_GS_BASE, (uint64_t)(uintptr_t)c);
    c->idle->state = THREAD_RUNNING;
    c->idle->cpu = c->index;
}

void sched_init(void) {
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    struct cpu* bsp = new_cpu(platform.bsp_apic_id);
    spin_unlock_irqrestore(&sched_lock, flags);
    cpu_enter(bsp); /* the boot flow (on entry.S's stack) is now the BSP's idle thread */
    bsp->online = 1;
}

struct cpu* cpu_create(uint32_t apic_id) {
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    uint8_t* stack = kmalloc(STACK_SIZE); /* under the lock: kmalloc has none of its own */
    struct cpu* c = stack ? new_cpu(apic_id) : NULL;
    if (c) c->idle->rsp = (uint64_t)(uintptr_t)(stack + STACK_SIZE);
    spin_unlock_irqrestore(&sched_lock, flags);
    return c;
}

/* The count is published (release) after the entry is filled in, so a reader without the lock
 * (the shell) that sees the count (acquire) sees the entry. */
struct cpu* cpu_at(int i) {
    return i >= 0 && i < __atomic_load_n(&cpu_count, __ATOMIC_ACQUIRE) ? &cpus[i] : NULL;
}

/* A new thread's first instructions: context_switch() "returns" here (see thread_create), in
 * the middle of some schedule() that holds sched_lock with interrupts off. */
static __attribute__((noreturn)) void thread_start(void) {
    spin_unlock_irqrestore(&sched_lock, 0x200); /* unlock, then interrupts on (IF is bit 9) */
    struct thread* self = thread_current();
    self->entry(self->arg);
    spin_lock_irqsave(&sched_lock);
    self->state = THREAD_DEAD; /* FIXME: its stack is never reclaimed (bump heap) */
    schedule();
    for (;;) __asm__ volatile("hlt");
}

struct thread* thread_create(const char* name, void (*entry)(void*), void* arg) {
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    struct thread* t = new_thread(name);
    uint8_t* stack = t ? kmalloc(STACK_SIZE) : NULL; /* takes memory.c's lock inside ours */
    if (!stack) {
        spin_unlock_irqrestore(&sched_lock, flags);
        return NULL;
    }
    t->entry = entry;
    t->arg = arg;
    /* Make the stack look as if the thread had called context_switch() from thread_start's
     * first instruction: a return address and six saved registers (all 0). The slot above the
     * return address keeps the ABI's alignment: RSP + 8 is 16-byte aligned at function entry. */
    uint64_t* sp = (uint64_t*)(stack + STACK_SIZE);
    *--sp = 0;
    *--sp = (uint64_t)(uintptr_t)thread_start;
    for (int i = 0; i < 6; i++) *--sp = 0; /* RBP, RBX, R12, R13, R14, R15 */
    t->rsp = (uint64_t)(uintptr_t)sp;
    t->state = THREAD_READY;
    enqueue(t);
    spin_unlock_irqrestore(&sched_lock, flags);
    return t;
}

void thread_yield(void) {
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    schedule();
    spin_unlock_irqrestore(&sched_lock, flags);
}

void thread_sleep(uint64_t n) {
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    struct thread* self = thread_current();
    self->wake_tick = ticks + n;
    self->state = THREAD_SLEEPING;
    schedule();
    spin_unlock_irqrestore(&sched_lock, flags);
}

void thread_block(void) {
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    struct thread* self = thread_current();
    if (self->wake_pending) {
        self->wake_pending = 0; /* woken before it got here: do not block */
    } else {
        self->state = THREAD_BLOCKED;
        schedule();
    }
    spin_unlock_irqrestore(&sched_lock, flags);
}

void thread_wake(struct thread* t) {
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    if (t->state == THREAD_BLOCKED) {
        t->state = THREAD_READY;
        enqueue(t);
    } else if (t->state != THREAD_DEAD) {
        t->wake_pending = 1;
    }
    spin_unlock_irqrestore(&sched_lock, flags);
}

void sched_tick(void) {
    /* In an interrupt handler: interrupts are off, so `c` is this CPU until schedule(). */
    struct cpu* c = this_cpu();
    int busy = c->current != c->idle;
    c->ticks++;
    c->busy_ticks += (uint64_t)busy;
    c->window_busy += (uint64_t)busy;
    if (++c->window_ticks == TIMER_HZ) {
        c->load = (unsigned)(c->window_busy * 100 / TIMER_HZ);
        c->window_ticks = c->window_busy = 0;
    }
    unsigned long flags = spin_lock_irqsave(&sched_lock);
    c->current->ticks_run++;
    for (int i = 0; i < thread_count; i++) {
        struct thread* t = threads[i];
        if (t->state == THREAD_SLEEPING && t->wake_tick <= ticks) {
            t->state = THREAD_READY;
            enqueue(t);
        }
    }
    schedule(); /* round robin: every thread gets one tick (10 ms) per turn */
    spin_unlock_irqrestore(&sched_lock, flags);
}

struct thread* thread_at(int i) {
    return i >= 0 && i < __atomic_load_n(&thread_count, __ATOMIC_ACQUIRE) ? threads[i] : NULL;
}

const char* thread_state_name(enum thread_state s) {
    static const char* const names[] = {"running", "ready", "sleeping", "blocked", "dead"};
    return s <= THREAD_DEAD ? names[s] : "?";
}

void mutex_lock(struct mutex* m) {
    /* The exchange is atomic against the timer interrupt, which may switch threads between any
     * two instructions, and (a locked instruction, SDM Vol. 3A, 9.1.2) against other CPUs. */
    while (__atomic_exchange_n(&m->locked, 1, __ATOMIC_ACQUIRE)) thread_yield();
    m->owner = thread_current();
}

int mutex_trylock(struct mutex* m) {
    if (__atomic_exchange_n(&m->locked, 1, __ATOMIC_ACQUIRE)) return 0;
    m->owner = thread_current();
    return 1;
}

void mutex_unlock(struct mutex* m) {
    m->owner = NULL;
    __atomic_store_n(&m->locked, 0, __ATOMIC_RELEASE);
}
