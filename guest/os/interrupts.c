/*
 * Interrupts and the clock.
 *
 * - The IDT (lib/idt.c, lib/idt_stubs.S: 256 64-bit interrupt gates, Intel SDM Vol. 3A, 6.14)
 *   with a handler for each CPU exception (SDM Vol. 3A, 6.15) that prints a crash line and
 *   halts. A page fault's line carries CR2, the faulting address (SDM Vol. 3A, 4.7).
 * - The two 8259 PICs remapped away from the exception vectors and fully masked (8259A
 *   datasheet; OSDev wiki "8259 PIC"): device interrupts come through the I/O APIC instead
 *   (82093AA datasheet, 3.2.4 redirection table; OSDev wiki "IOAPIC").
 * - The local APIC timer as the clock (SDM Vol. 3A, 11.5.4): periodic at TIMER_HZ, its rate
 *   measured against PIT channel 2 (8254 datasheet, mode 2) by reading the PIT's counter. Every
 *   CPU runs its own timer at the count the BSP measured (clock_start_ap); each tick runs that
 *   CPU's scheduler, and the BSP's also advances `ticks`, the system clock.
 * - A crash stops every CPU: the crashing one prints its report and then sends the others an
 *   NMI (SDM Vol. 3A, 11.6.1: delivery mode NMI, shorthand "all excluding self"), which gets
 *   through even to a CPU spinning on a lock with interrupts off; their NMI handler halts.
 *
 * Everything runs in 64-bit mode: on nested KVM-PVM hosts a 32-bit `iret` cannot be emulated.
 */
#include "lib/apic.h"
#include "lib/cpu.h"
#include "lib/idt.h"
#include "lib/io.h"
#include "os/kernel.h"

/* 10 ms of the PIT's 1.193182 MHz input clock. */
#define PIT_HZ_10MS (1193182u / 100u)

/* ICR: delivery mode NMI, shorthand "all excluding self" (SDM Vol. 3A, figure 11-12). */
#define ICR_NMI (4u << 8)
#define ICR_ALL_BUT_SELF (3u << 18)
#define VECTOR_NMI 2u

volatile uint64_t ticks;

/* 1 once some CPU has crashed: the others' NMI handler then halts quietly. */
static volatile int panicking;

static const char* const exception_names[32] = {
    "#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow",
    "#BR bound range", "#UD invalid opcode", "#NM device not available", "#DF double fault",
    "coprocessor overrun", "#TS invalid TSS", "#NP segment not present", "#SS stack fault",
    "#GP general protection", "#PF page fault", "reserved", "#MF x87 error",
    "#AC alignment check", "#MC machine check", "#XM SIMD error", "#VE virtualization",
    "#CP control protection",
};

static uint64_t read_cr2(void) {
    uint64_t v;
    __asm__ volatile("mov %%cr2, %0" : "=r"(v));
    return v;
}

/* Every exception is fatal in phase 1: print what happened, where and on which CPU, then stop
 * every CPU, so that svm (or QEMU's monitor, or gdb) can show the state. */
static void exception_handler(struct int_frame* f) {
    if (__atomic_exchange_n(&panicking, 1, __ATOMIC_ACQ_REL)) halt_forever(); /* one report */
    struct thread* t = thread_current();
    const char* who = t ? t->name : "boot";
    int cpu = this_cpu()->index;
    if (f->vector == 14) {
        /* Page-fault error code, SDM Vol. 3A, 4.7 figure 4-12: bit 0 present, bit 1 write. */
        kprintf("\n*** page fault: cr2 0x%016llx rip 0x%016llx error 0x%llx (%s, %s) in thread "
                "\"%s\" on cpu %d\n",
                (unsigned long long)read_cr2(), (unsigned long long)f->rip,
                (unsigned long long)f->error_code, (f->error_code & 2) ? "write" : "read",
                (f->error_code & 1) ? "protection" : "not present", who, cpu);
    } else {
        const char* name = f->vector < 32 && exception_names[f->vector] ? exception_names[f->vector]
                                                                        : "reserved";
        kprintf("\n*** exception %llu (%s): rip 0x%016llx error 0x%llx in thread \"%s\" on cpu "
                "%d\n",
                (unsigned long long)f->vector, name, (unsigned long long)f->rip,
                (unsigned long long)f->error_code, who, cpu);
    }
    kputs("*** svm-os halted\n");
    /* After the report, not before: a CPU stopped while it held the console lock would leave
     * the report unprinted. With one CPU nobody receives the NMI. */
    lapic_send_ipi(0, ICR_NMI | LAPIC_ICR_LEVEL_ASSERT | ICR_ALL_BUT_SELF);
    halt_forever();
}

/* An NMI: the stop request of a crashing CPU, or else (nothing else here sends NMIs) a crash. */
static void nmi_handler(struct int_frame* f) {
    if (panicking) halt_forever();
    exception_handler(f);
}

void interrupts_init(void) {
    idt_install(0x08); /* guest/virtio/entry.S's 64-bit code selector */
    for (unsigned v = 0; v < 32; v++) idt_set_handler((uint8_t)v, exception_handler);
    idt_set_handler(VECTOR_NMI, nmi_handler);
    pic_disable();
    lapic_enable();
}

void interrupts_init_ap(void) {
    idt_load(); /* the one IDT, shared: every gate uses selector 0x08, which ap_boot.S's GDT has */
    lapic_enable();
}

void irq_route(uint32_t gsi, uint8_t vector, void (*handler)(struct int_frame*)) {
    idt_set_handler(vector, handler);
    /* ISA interrupts are edge-triggered, active high, unless an override says otherwise. */
    ioapic_route(platform.ioapic_address, gsi, vector, platform.bsp_apic_id, 0);
}

static void timer_handler(struct int_frame* f) {
    (void)f;
    if (this_cpu()->index == 0) ticks++; /* the system clock is the BSP's timer */
    lapic_eoi(); /* before sched_tick(): it may switch to a thread that runs for a while */
    sched_tick();
}

/* PIT channel 2's current count (8254 counter latch command, then low and high byte). */
static uint16_t pit2_count(void) {
    outb(0x43, 0x80);
    uint8_t lo = inb(0x42);
    uint8_t hi = inb(0x42);
    return (uint16_t)(lo | hi << 8);
}

/* LAPIC timer counts (divide by 16) in 10 ms of PIT time, or 0 if the PIT does not count; the
 * TSC cycles of the same 10 ms in *tsc (0 likewise). */
static uint32_t lapic_counts_per_10ms(uint64_t* tsc) {
    uint16_t prev = pit2_count();
    uint32_t elapsed = 0;
    lapic_write(LAPIC_TIMER_INITIAL, 0xFFFFFFFFu);
    uint64_t t0 = rdtsc(), t1 = t0;
    for (unsigned i = 0; i < 1000000 && elapsed < PIT_HZ_10MS; i++) {
        uint16_t c = pit2_count();
        t1 = rdtsc();
        elapsed += prev >= c ? (uint32_t)(prev - c) : (uint32_t)prev + (0xFFFFu - c);
        prev = c;
    }
    uint32_t counted = 0xFFFFFFFFu - lapic_read(LAPIC_TIMER_CURRENT);
    if (elapsed < PIT_HZ_10MS) {
        *tsc = 0;
        return 0;
    }
    *tsc = (t1 - t0) * PIT_HZ_10MS / elapsed;
    return (uint32_t)((uint64_t)counted * PIT_HZ_10MS / elapsed);
}

/* The median of three: one sample may be long if the host descheduled us. */
static uint64_t median3(const uint64_t s[3]) {
    uint64_t lo = s[0] < s[1] ? s[0] : s[1], hi = s[0] < s[1] ? s[1] : s[0];
    return s[2] < lo ? lo : (s[2] > hi ? hi : s[2]);
}

/* TSC cycles per second (a 1 GHz guess until clock_init() has measured it) and the TSC at
 * clock_init(): now_us() counts from there. */
static uint64_t tsc_hz = 1000000000ull;
static uint64_t tsc_start;

/* The LAPIC timer's initial count for TIMER_HZ (divide by 16), measured by clock_init(). */
static uint32_t timer_count;

uint64_t now_us(void) {
    uint64_t d = rdtsc() - tsc_start;
    /* Split so that d * 1000000 cannot overflow however long the OS runs. */
    return d / tsc_hz * 1000000u + d % tsc_hz * 1000000u / tsc_hz;
}

uint64_t clock_init(void) {
    uint8_t gate = inb(0x61);
    outb(0x61, (uint8_t)((gate & ~0x02u) | 0x01u)); /* channel 2 gate on, speaker off */
    outb(0x43, 0xB4);                               /* channel 2, lo/hi byte, mode 2 */
    outb(0x42, 0xFF);
    outb(0x42, 0xFF);
    lapic_write(LAPIC_LVT_TIMER, LAPIC_LVT_MASKED);
    lapic_write(LAPIC_TIMER_DIVIDE, LAPIC_DIVIDE_16);
    uint64_t s[3], tsc[3];
    for (int i = 0; i < 3; i++) s[i] = lapic_counts_per_10ms(&tsc[i]);
    outb(0x61, gate);
    uint32_t per_10ms = (uint32_t)median3(s);
    if (per_10ms == 0) per_10ms = 62500; /* no PIT: guess a 100 MHz bus clock / 16 */
    uint64_t tsc_per_10ms = median3(tsc);
    if (tsc_per_10ms >= 1000000u) tsc_hz = tsc_per_10ms * 100; /* else keep the guess */
    tsc_start = rdtsc();
    uint64_t hz = (uint64_t)per_10ms * 100;
    timer_count = (uint32_t)(hz / TIMER_HZ);
    idt_set_handler(VECTOR_TIMER, timer_handler);
    lapic_timer_start(VECTOR_TIMER, LAPIC_TIMER_PERIODIC, LAPIC_DIVIDE_16, timer_count);
    return hz;
}

void clock_start_ap(void) {
    lapic_timer_start(VECTOR_TIMER, LAPIC_TIMER_PERIODIC, LAPIC_DIVIDE_16, timer_count);
}
