#include "lib/smp.h"

#include "lib/cpu.h"

static uint8_t ap_stacks[SMP_MAX_CPUS][SMP_AP_STACK_SIZE] __attribute__((aligned(16)));

static uint32_t xchg32(volatile uint32_t* p, uint32_t v) {
    __asm__ volatile("lock xchgl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
    return v;
}

void spin_lock(struct spinlock* lock) {
    while (xchg32(&lock->locked, 1) != 0) {
        while (lock->locked) cpu_relax();
    }
}

void spin_unlock(struct spinlock* lock) {
    xchg32(&lock->locked, 0);
}

void* smp_ap_stack_top(uint32_t index) {
    return &ap_stacks[index][SMP_AP_STACK_SIZE];
}

void* smp_ap_stack_base(void) {
    return ap_stacks;
}
