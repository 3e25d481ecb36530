/*
 * kmain: where the sample OS starts, and the order in which it brings the machine up.
 *
 * The OS reuses guest/virtio/entry.S as its boot code: a Multiboot 1 header with the a.out
 * kludge (Multiboot 0.6.96, 3.1.3), so `qemu-system-x86_64 -kernel os.elf` and `svm os.elf` load
 * the same ELF64 file. entry.S starts in 32-bit protected mode, identity-maps the low 4 GiB,
 * enters long mode (Intel SDM Vol. 3A, 9.8.5) and calls kmain(magic, mbi, esi) below.
 */
#include <svm/machine.h>

#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/format.h"
#include "lib/io.h"
#include "lib/machine_table.h"
#include "os/kernel.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u

const struct svm_machine* boot_machine;
volatile uint64_t counter_value;

/* The demo background thread: counts as fast as it can for 3 ticks (30 ms), then sleeps for 7,
 * so both preemption (it never yields while counting) and sleeping show up in `ps`, and the CPU
 * is about 30% busy however fast it is (KVM's emulator on nested hosts, TCG, hardware). */
static void counter_main(void* unused) {
    (void)unused;
    for (;;) {
        uint64_t until = ticks + 3;
        while (ticks < until) counter_value++;
        thread_sleep(7);
    }
}

/* With several CPUs, one of these per CPU: bounded CPU work (a pseudo-random walk) for 5 ticks,
 * then asleep for 15, so each keeps about a quarter of a CPU busy. They share the one run queue
 * with everyone else, so they run (and move) wherever a CPU is free: `cpus` shows every CPU
 * busy part of the time, `ps` on which CPU each last ran. */
static volatile uint64_t worker_result;
static void worker_main(void* unused) {
    (void)unused;
    uint64_t x = 1;
    for (;;) {
        uint64_t until = ticks + 5;
        while (ticks < until)
            for (int i = 0; i < 1000; i++) x = x * 6364136223846793005ull + 1442695040888963407ull;
        worker_result = x; /* keep the work from being optimised away */
        thread_sleep(15);
    }
}

void kmain(uint32_t magic, uint32_t mbi, uint32_t esi);
void kmain(uint32_t magic, uint32_t mbi, uint32_t esi) {
    console_init();
    kputs("\nsvm-os: hello from the sample OS (phase 2)\n");
    if (magic != MULTIBOOT_BOOTLOADER_MAGIC) {
        kprintf("svm-os: not booted by a Multiboot loader (eax 0x%x); halting\n", magic);
        halt_forever();
    }
    /* svm passes its machine table in ESI to a Multiboot 1 kernel (docs/machine.md); elsewhere
     * ESI is arbitrary, so look only at a plausible RAM address and validate before trusting. */
    if (esi >= 0x1000 && esi < 0xF0000000u &&
        machine_table_validate((const struct svm_machine*)(uintptr_t)esi) == NULL)
        boot_machine = (const struct svm_machine*)(uintptr_t)esi;
    kprintf("svm-os: booted by %s\n", boot_machine ? "svm" : "a Multiboot loader (QEMU?)");
    fbcon_init(); /* from here on the console is on the screen too, if there is one */

    if (memory_init(mbi) != 0) {
        kputs("svm-os: no memory map; halting\n");
        halt_forever();
    }
    platform_init();
    sched_init(); /* before interrupts_init(): a crash report reads this CPU's data through GS */
    console_threads_ready();
    interrupts_init();
    serial_init();
    keyboard_init();
    uint64_t lapic_hz = clock_init();
    kprintf("svm-os: LAPIC timer %llu kHz (divide by 16), ticking at %u Hz\n",
            (unsigned long long)(lapic_hz / 1000), TIMER_HZ);
    int cpus = smp_start_aps();

    /* The virtio devices (phase 2), each optional: the shell says so when one is missing. */
    static uint8_t entropy[16];
    if (rng_init() != 0) {
        kputs("svm-os: no entropy device\n");
    } else if (rng_read(entropy, sizeof entropy) != 0) {
        kprintf("svm-os: entropy: %s did not answer\n", rng_name());
    } else {
        kprintf("svm-os: entropy: %s:", rng_name());
        for (unsigned i = 0; i < sizeof entropy; i++) kprintf(" %02x", entropy[i]);
        kputs("\n");
    }
    if (blk_init() == 0) {
        kprintf("svm-os: disk: %s\n", blk_describe());
        int files = fs_init();
        if (files >= 0) kprintf("svm-os: ustar archive with %d files\n", files);
    } else {
        kputs("svm-os: no disk\n");
    }
    if (net_card_init() == 0)
        kprintf("svm-os: network card: %s\n", net_card_name());
    else
        kputs("svm-os: no network card\n");

    thread_create("shell", shell_main, NULL);
    thread_create("counter", counter_main, NULL);
    net_start();
    if (cpus > 1) {
        static char worker_names[MAX_CPUS][12];
        for (int i = 0; i < cpus; i++) {
            format(worker_names[i], sizeof worker_names[i], "worker%d", i);
            thread_create(worker_names[i], worker_main, NULL);
        }
    }

    /* From here on this flow is thread 0, the BSP's "idle": it halts until the next interrupt,
     * whenever nothing else is ready, then offers the CPU to whoever that interrupt woke (the
     * shell after a keystroke) without waiting for the next timer tick. Each AP has an idle
     * thread of its own (smp.c). */
    for (;;) {
        cpu_sti_hlt();
        thread_yield();
    }
}

