/*
 * Starting the other CPUs (the application processors, APs).
 *
 * At reset only the bootstrap processor (BSP) runs; every AP waits for an INIT and then a
 * Startup IPI (SIPI) from it, sent through the BSP's local APIC's Interrupt Command Register
 * (Intel SDM Vol. 3A, 11.6.1). The sequence, one AP at a time (SDM Vol. 3A, 9.4.4.1 "Typical BSP
 * Initialization Sequence" and the MP specification 1.4, B.4; OSDev wiki "Symmetric
 * Multiprocessing"): INIT, wait 10 ms, SIPI, wait 200 us, SIPI (a second SIPI is ignored by an
 * AP that already started). The SIPI's vector names the 4 KiB page the AP starts at, in real
 * mode: ap_boot.S's trampoline, copied to AP_BOOT_ADDR, takes it to long mode on the BSP's page
 * tables and calls ap_main() below on the stack of the AP's idle thread.
 *
 * Which CPUs exist: platform.c read them from svm's machine table or the ACPI MADT.
 *
 * The APs are started one at a time because they share the one ap_boot_params block: the BSP
 * fills it in for the next AP only after the previous one said it is online.
 */
#include "lib/apic.h"
#include "lib/cpu.h"
#include "lib/format.h"
#include "lib/io.h"
#include "lib/mem.h"
#include "os/kernel.h"

/* Below 1 MiB (a SIPI vector is a real-mode page number), 4 KiB aligned, and free: svm reserves
 * nothing below 0x70000 (docs/machine.md), a PC's BIOS nothing between 0x500 and 0x7FFFF. */
#define AP_BOOT_ADDR 0x8000u
#define AP_START_TIMEOUT_US 2000000u

/* ap_boot.S: the trampoline's bytes and, inside them, its parameter block. */
extern const uint8_t ap_boot_start[], ap_boot_end[], ap_boot_params[];

/* The layout ap_boot.S reads (its PARAM_* offsets). */
struct ap_boot_params {
    uint64_t cr3;   /* the BSP's page tables */
    uint64_t rsp;   /* the top of the AP's idle-thread stack */
    uint64_t entry; /* ap_main */
    uint64_t arg;   /* ap_main's argument: the AP's struct cpu */
};

/* ICR delivery modes and the level bit (SDM Vol. 3A, 11.6.1 figure 11-12; lib/apic.h). */
#define ICR_INIT (LAPIC_ICR_INIT | LAPIC_ICR_LEVEL_ASSERT)
#define ICR_STARTUP(page) (LAPIC_ICR_STARTUP | (page))

static void delay_us(uint64_t us) {
    uint64_t end = now_us() + us;
    while (now_us() < end) cpu_relax();
}

/* Where each AP arrives from ap_boot.S: long mode, interrupts off, on its idle thread's stack.
 * From here on this flow is that idle thread, as kmain's boot flow is the BSP's. */
static __attribute__((noreturn)) void ap_main(struct cpu* c) {
    cpu_enter(c);
    interrupts_init_ap();
    clock_start_ap();
    __atomic_store_n(&c->online, 1, __ATOMIC_RELEASE); /* the BSP may reuse ap_boot_params */
    for (;;) {
        cpu_sti_hlt(); /* until this CPU's next timer tick, which may switch to a thread */
        thread_yield();
    }
}

/* INIT-SIPI-SIPI for one AP, then waits for it to set c->online. Returns 0 once it is online,
 * -1 if the IPIs could not be sent or it did not come up in time. */
static int start_ap(struct cpu* c, volatile struct ap_boot_params* params) {
    params->rsp = c->idle->rsp;
    params->arg = (uint64_t)(uintptr_t)c;
    int sent = lapic_send_ipi(c->apic_id, ICR_INIT) == 0;
    delay_us(10000);
    for (int i = 0; i < 2 && sent; i++) {
        sent = lapic_send_ipi(c->apic_id, ICR_STARTUP(AP_BOOT_ADDR >> 12)) == 0;
        delay_us(200);
    }
    if (!sent) return -1;
    uint64_t deadline = now_us() + AP_START_TIMEOUT_US;
    while (!__atomic_load_n(&c->online, __ATOMIC_ACQUIRE)) {
        if (now_us() > deadline) return -1;
        cpu_relax();
    }
    return 0;
}

int smp_start_aps(void) {
    size_t size = (size_t)(ap_boot_end - ap_boot_start);
    uint8_t* copy = (uint8_t*)(uintptr_t)AP_BOOT_ADDR;
    memcpy(copy, ap_boot_start, size);
    volatile struct ap_boot_params* params =
        (volatile struct ap_boot_params*)(copy + (ap_boot_params - ap_boot_start));
    params->cr3 = read_cr3();
    params->entry = (uint64_t)(uintptr_t)ap_main;

    /* Register every AP first, so that `cpus` lists the ones that do not come up as offline. */
    for (uint32_t i = 0; i < platform.cpu_count; i++)
        if (platform.cpu_apic_ids[i] != platform.bsp_apic_id &&
            cpu_create(platform.cpu_apic_ids[i]) == NULL)
            break;
    struct cpu* c;
    for (int i = 1; (c = cpu_at(i)) != NULL; i++) {
        if (start_ap(c, params) != 0) {
            /* It may still start later and read ap_boot_params: leave them to it. */
            kprintf("svm-os: the CPU with APIC ID %u did not start; not starting the others\n",
                    c->apic_id);
            break;
        }
    }

    int online = 0;
    char ids[4 * MAX_CPUS + 1] = ""; /* " %u" per CPU, APIC IDs below 256 (xAPIC) */
    size_t len = 0;
    for (int i = 0; (c = cpu_at(i)) != NULL; i++) {
        if (!c->online) continue;
        online++;
        if (len < sizeof ids) len += format(ids + len, sizeof ids - len, " %u", c->apic_id);
    }
    kprintf("svm-os: %d CPU%s online (APIC IDs%s)\n", online, online == 1 ? "" : "s", ids);
    return online;
}
