/*
 * Kernel threads and a preemptive round-robin scheduler (OSDev wiki "Scheduling Algorithms",
 * "Kernel Multitasking"; xv6 book, chapter "Scheduling").
 *
 * Each thread has its own 16 KiB stack. A switch happens only inside schedule(), with
 * interrupts off, through context_switch() (switch.S). The timer interrupt calls sched_tick(),
 * which calls schedule(): the interrupted thread's registers are on its own stack (pushed by
 * lib/idt_stubs.S), so when it is picked again, schedule() returns into the interrupt handler,
 * which returns with `iretq` to where the thread was interrupted. That is preemption.
 *
 * The run queue is a FIFO of READY threads. The idle thread (thread 0: the boot flow, see
 * kmain.c) never waits in it: it runs only when the queue is empty.
 */
#include "os/kernel.h"

#define MAX_THREADS 16
#define STACK_SIZE (16u * 1024u)

static struct thread* threads[MAX_THREADS];
static int thread_count;
static struct thread* current;
static struct thread* idle;
static struct thread *queue_head, *queue_tail;

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

/* Saves RFLAGS and disables interrupts; irq_restore() puts IF back as it was. */
static unsigned long irq_save(void) {
    unsigned long flags;
    __asm__ volatile("pushf; pop %0; cli" : "=r"(flags) : : "memory");
    return flags;
}
static void irq_restore(unsigned long flags) {
    if (flags & 0x200) __asm__ volatile("sti" : : : "memory");
}

/* Picks the next thread and switches to it. Interrupts must be off. The caller has already set
 * its own state if it is not to run again soon (SLEEPING, BLOCKED, DEAD). */
static void schedule(void) {
    struct thread* prev = current;
    if (prev->state == THREAD_RUNNING) {
        prev->state = THREAD_READY;
        if (prev != idle) enqueue(prev);
    }
    struct thread* next = dequeue();
    if (!next) next = idle;
    next->state = THREAD_RUNNING;
    if (next == prev) return;
    current = next;
    context_switch(&prev->rsp, next->rsp);
    /* We are `prev` again, picked by some later schedule(). */
}

static struct thread* new_thread(const char* name) {
    if (thread_count == MAX_THREADS) return NULL;
    struct thread* t = kmalloc(sizeof(*t));
    if (!t) return NULL;
    t->id = thread_count;
    t->name = name;
    threads[thread_count++] = t;
    return t;
}

void sched_init(void) {
    idle = new_thread("idle");
    idle->state = THREAD_RUNNING;
    current = idle;
}

/* A new thread's first instructions: context_switch() "returns" here (see thread_create). */
static __attribute__((noreturn)) void thread_start(void) {
    __asm__ volatile("sti" : : : "memory"); /* schedule() ran with interrupts off */
    current->entry(current->arg);
    __asm__ volatile("cli" : : : "memory");
    current->state = THREAD_DEAD; /* FIXME: its stack is never reclaimed (bump heap) */
    schedule();
    for (;;) __asm__ volatile("hlt");
}

struct thread* thread_create(const char* name, void (*entry)(void*), void* arg) {
    unsigned long flags = irq_save();
    struct thread* t = new_thread(name);
    uint8_t* stack = t ? kmalloc(STACK_SIZE) : NULL;
    if (!stack) {
        irq_restore(flags);
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
    irq_restore(flags);
    return t;
}

struct thread* thread_current(void) {
    return current;
}

void thread_yield(void) {
    unsigned long flags = irq_save();
    schedule();
    irq_restore(flags);
}

void thread_sleep(uint64_t n) {
    unsigned long flags = irq_save();
    current->wake_tick = ticks + n;
    current->state = THREAD_SLEEPING;
    schedule();
    irq_restore(flags);
}

void thread_block(void) {
    current->state = THREAD_BLOCKED;
    schedule();
}

void thread_wake(struct thread* t) {
    unsigned long flags = irq_save();
    if (t->state == THREAD_BLOCKED) {
        t->state = THREAD_READY;
        enqueue(t);
    }
    irq_restore(flags);
}

void sched_tick(void) {
    current->ticks_run++;
    for (int i = 0; i < thread_count; i++) {
        struct thread* t = threads[i];
        if (t->state == THREAD_SLEEPING && t->wake_tick <= ticks) {
            t->state = THREAD_READY;
            enqueue(t);
        }
    }
    schedule(); /* round robin: every thread gets one tick (10 ms) per turn */
}

struct thread* thread_at(int i) {
    return i >= 0 && i < thread_count ? threads[i] : NULL;
}

const char* thread_state_name(enum thread_state s) {
    static const char* const names[] = {"running", "ready", "sleeping", "blocked", "dead"};
    return s <= THREAD_DEAD ? names[s] : "?";
}

void mutex_lock(struct mutex* m) {
    /* One CPU: the exchange is atomic against the timer interrupt, which may switch threads
     * between any two instructions. */
    while (__atomic_exchange_n(&m->locked, 1, __ATOMIC_ACQUIRE)) thread_yield();
    m->owner = current;
}

int mutex_trylock(struct mutex* m) {
    if (__atomic_exchange_n(&m->locked, 1, __ATOMIC_ACQUIRE)) return 0;
    m->owner = current;
    return 1;
}

void mutex_unlock(struct mutex* m) {
    m->owner = NULL;
    __atomic_store_n(&m->locked, 0, __ATOMIC_RELEASE);
}
