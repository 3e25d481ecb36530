/*
 * SMP helpers for svm's test guests: a test-and-set spinlock and per-CPU stacks for application
 * processors.
 */
#ifndef GUEST_LIB_SMP_H
#define GUEST_LIB_SMP_H

#include <stdint.h>

/* Most CPUs the SMP guests handle (and the size of their per-CPU arrays). */
#define SMP_MAX_CPUS 64u

/* Bytes of stack each AP gets from smp_ap_stack_top(). */
#define SMP_AP_STACK_SIZE 8192u

struct spinlock {
    volatile uint32_t locked;
};

#define SPINLOCK_INIT \
    { 0 }

/* Takes the lock: `lock xchg` (implicitly locked, SDM Vol. 2B, XCHG) until the old value was 0,
 * reading without writing while it is held. Returns with the lock held. */
void spin_lock(struct spinlock* lock);

/* Releases the lock (an `xchg` too, which orders every earlier store before the release). */
void spin_unlock(struct spinlock* lock);

/* Returns the 16-byte aligned top of CPU `index`'s stack (index < SMP_MAX_CPUS). */
void* smp_ap_stack_top(uint32_t index);

/* Returns the base of the stack area: SMP_MAX_CPUS stacks of SMP_AP_STACK_SIZE bytes, stack i at
 * [base + i * SMP_AP_STACK_SIZE, base + (i + 1) * SMP_AP_STACK_SIZE). */
void* smp_ap_stack_base(void);

#endif /* GUEST_LIB_SMP_H */
