/*
 * svm's sample OS: the whole internal API in one header (as Solo5's hvt does), one section per
 * source file. Every function states its contract. Read the files in this order:
 *
 *   kmain.c       boot: Multiboot entry, bring-up order, the first threads
 *   memory.c      the Multiboot memory map, a page-frame allocator and a bump heap
 *   platform.c    svm's machine table or ACPI (RSDP, MADT, FADT, DSDT's \_S5)
 *   interrupts.c  exceptions, the 8259, the I/O APIC, the LAPIC timer as the clock
 *   console.c     the console: each kprintf reaches COM1 and the screen whole, under a spinlock;
 *                 one input queue fed by COM1 and the keyboard, and line editing
 *   font.c        the VGA 8x16 font (a PSF file built in by font.S) and its Unicode table
 *   fbcon.c       the framebuffer console: the Bochs VBE adapter, text drawn with the font
 *   serial.c      COM1 with receive interrupts
 *   keyboard.c    the PS/2 keyboard through the i8042 and IRQ 1
 *   sched.c       kernel threads, one run queue for every CPU, preemption (switch.S)
 *   smp.c         starting the other CPUs: INIT-SIPI-SIPI, ap_boot.S's trampoline
 *   devices.c     finding virtio devices; guest/virtio's driver made to yield while it polls
 *   rng.c         virtio-rng: random bytes
 *   blk.c         virtio-blk: reading sectors
 *   fs.c          a read-only file system: the disk is a USTAR archive
 *   net.c         virtio-net under guest/virtio's IPv4 stack, the `net` thread, ping
 *   shell.c       the `svm-os> ` shell
 *   draw.c        `draw`: a gradient and the Mandelbrot set on the framebuffer
 *   power.c       exit, shutdown, reboot
 *
 * From guest/virtio (shared with svm's virtio test guests): virtio.c, virtio_pci.c and
 * virtio_mmio.c (the polling virtio 1.x driver), net_stack.c and net_dhcp.c (Ethernet, ARP,
 * IPv4, ICMP, the DHCP client). The OS provides what they expect of their host: now_us() here
 * (interrupts.c), virtio_wait() (devices.c), net_output() and net_poll() (net.c).
 *
 * The kernel runs with one identity-mapped address space (guest/virtio/entry.S maps the low
 * 4 GiB with 2 MiB pages), shared by every CPU. Everything above 4 GiB is unmapped.
 */
#ifndef GUEST_OS_KERNEL_H
#define GUEST_OS_KERNEL_H

#include <stddef.h>
#include <stdint.h>
#include <svm/machine.h>

#include "lib/console.h" /* kprintf, kputs: through console.c once console_init() ran */

/* ---- spinlocks (kernel.h only) ------------------------------------------------------------ */

/* A lock between threads, interrupt handlers and CPUs: the holder runs with interrupts off, so
 * it cannot be preempted (or interrupted by a handler that wants the same lock) while holding
 * it. Keep what it protects short. */
struct spinlock {
    volatile int locked;
};

/* Disables interrupts, then takes the lock, spinning (PAUSE) while another CPU holds it.
 * Returns the RFLAGS to give back to spin_unlock_irqrestore(). */
static inline unsigned long spin_lock_irqsave(struct spinlock* l) {
    unsigned long flags;
    __asm__ volatile("pushf; pop %0; cli" : "=r"(flags) : : "memory");
    while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
        while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED)) __asm__ volatile("pause");
    return flags;
}

/* Releases the lock, then re-enables interrupts if they were on at spin_lock_irqsave(). */
static inline void spin_unlock_irqrestore(struct spinlock* l, unsigned long flags) {
    __atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
    if (flags & 0x200) __asm__ volatile("sti" : : : "memory");
}

/* ---- kmain.c ------------------------------------------------------------------------------ */

/* svm's machine table if svm booted us (ESI at entry, validated), else NULL (QEMU, GRUB). */
extern const struct svm_machine* boot_machine;

/* ---- memory.c ----------------------------------------------------------------------------- */

#define PAGE_SIZE 4096u

/* Reads the Multiboot 1 memory map (or svm's table) at `mbi` and puts every usable 4 KiB frame
 * above the kernel image and the boot information on the free list, after carving the kernel
 * heap out of the first ones. Returns 0, or -1 if there is no usable memory map. */
int memory_init(uint32_t mbi);

/* The kernel command line the boot loader passed (Multiboot 0.6.96, 3.3, flags bit 2: svm's
 * --cmdline, QEMU's -append), kept where the loader put it (memory_init() never hands that memory
 * out); "" if there is none. Valid after memory_init(). */
const char* boot_cmdline(void);

/* The value of `key`=VALUE among the command line's space-separated words, copied into buf (at
 * most n - 1 bytes, NUL-terminated). Returns buf, or NULL if no word starts with `key`=. */
char* cmdline_value(const char* key, char* buf, size_t n);

/* Prints the memory map, the free-frame count and heap use (the `mem` command). */
void memory_print(void);

/* Returns a zeroed 4 KiB frame (its identity-mapped address), or NULL when memory is exhausted. */
void* frame_alloc(void);

/* Gives a frame from frame_alloc() back. */
void frame_free(void* frame);

/* Returns n bytes of zeroed, 16-byte-aligned heap memory, or NULL when the heap is full. The heap
 * is a bump allocator: FIXME: memory is never given back (kfree does not exist yet). */
void* kmalloc(size_t n);

/* ---- platform.c --------------------------------------------------------------------------- */

/* The most CPUs the OS brings up (sched.c's per-CPU array); the others are left waiting. */
#define MAX_CPUS 16u

/* What the OS learns about the machine, from svm's machine table or from ACPI. */
struct platform {
    uintptr_t ioapic_address; /* I/O APIC MMIO base (0xFEC00000 if nothing says otherwise) */
    uint32_t com1_gsi;        /* I/O APIC pin of ISA IRQ 4 (after interrupt source overrides) */
    uint32_t keyboard_gsi;    /* I/O APIC pin of ISA IRQ 1, the PS/2 keyboard (likewise) */
    uint32_t bsp_apic_id;
    /* The enabled CPUs, BSP included (svm's table, else the MADT, else just the BSP), and their
     * local APIC IDs in table order. */
    uint32_t cpu_count;
    uint32_t cpu_apic_ids[MAX_CPUS];
    uint16_t pm1a_cnt, pm1b_cnt; /* ACPI PM1 control ports (0: none) */
    uint16_t slp_typ_s5;         /* SLP_TYPa for S5 (soft off), from the DSDT's \_S5 */
    uint16_t smi_cmd;            /* port to write acpi_enable to, if SCI_EN is still clear */
    uint8_t acpi_enable;
    const char* source; /* "svm machine table" or "ACPI" or "defaults" */
};
extern struct platform platform;

/* Fills `platform`: from the machine table when svm booted us, else from the ACPI tables found
 * by scanning the BIOS areas for the RSDP; missing pieces keep their PC defaults. */
void platform_init(void);

/* ---- interrupts.c ------------------------------------------------------------------------- */

#define VECTOR_TIMER 0x20u
#define VECTOR_KEYBOARD 0x21u
#define VECTOR_COM1 0x24u
#define TIMER_HZ 100u

/* Installs the IDT with crash handlers for the CPU exceptions, masks the 8259s and enables the
 * local APIC. Interrupts stay off. A crash prints one report naming the thread and the CPU, then
 * stops every CPU (the others by an NMI). Needs sched_init() first (the report reads GS). */
void interrupts_init(void);

/* On an AP (smp.c): loads the IDT that interrupts_init() built and enables the calling CPU's
 * local APIC. Interrupts stay off. */
void interrupts_init_ap(void);

/* Routes ISA IRQ `gsi` through the I/O APIC to `vector` on the BSP, edge-triggered, active high,
 * and installs `handler` for it. The handler must call lapic_eoi(). */
struct int_frame;
void irq_route(uint32_t gsi, uint8_t vector, void (*handler)(struct int_frame*));

/* Calibrates the LAPIC timer against PIT channel 2 and starts it periodic at TIMER_HZ; each tick
 * calls sched_tick(). Returns the measured LAPIC timer frequency (divide by 16), Hz. */
uint64_t clock_init(void);

/* On an AP (smp.c), after clock_init() ran on the BSP: starts the calling CPU's LAPIC timer,
 * periodic at TIMER_HZ with the count the BSP measured (every local APIC timer of a machine
 * counts the same bus clock; SDM Vol. 3A, 11.5.4). Each tick calls sched_tick(). */
void clock_start_ap(void);

/* The BSP's timer interrupts since clock_init(): the system clock (each CPU also counts its own
 * in struct cpu). */
extern volatile uint64_t ticks;

/* Microseconds since clock_init(), by the TSC (measured against the PIT with the LAPIC timer).
 * Also the clock of guest/virtio's driver and network stack (virtio/runtime.h). */
uint64_t now_us(void);

/* ---- console.c ---------------------------------------------------------------------------- */

/* Routes kprintf/kputs/console_write (lib/console.h) through the OS's console: each call is
 * written whole to COM1 and to the framebuffer console (fbcon.c) under one spinlock, so output
 * from threads preempted mid-line (and, with several CPUs, running at once) never interleaves
 * within a call, and both show the same text. */
void console_init(void);

/* Tells the console that thread_current() works on every CPU from now on (sched_init() set GS),
 * so it can keep a message from another thread off the end of an unfinished line (the shell's
 * prompt): that message goes on a line of its own and the unfinished line is written again after
 * it. */
void console_threads_ready(void);

/* Puts one input byte (ASCII; '\r' or '\n' ends a line, 0x08 or 0x7F erases) into the input
 * queue the shell reads, and wakes the reader. Called by the COM1 and keyboard interrupt
 * handlers; a full queue (256 bytes) drops the byte. */
void console_input(uint8_t c);

/* Reads one line into buf (at most n - 1 bytes, NUL-terminated, no newline) from the input queue
 * (COM1 and the keyboard alike), echoing to every output and handling backspace; blocks the
 * calling thread until Enter. Returns the length. */
size_t console_readline(char* buf, size_t n);

/* The framebuffer while the caller draws on it itself (`draw`): the text console stops drawing
 * (it keeps recording what is written) until console_screen_release(), which redraws the text.
 * Returns NULL if there is no framebuffer or another thread holds it. */
struct framebuffer;
const struct framebuffer* console_screen_take(void);
void console_screen_release(void);

/* ---- font.c / font.S ---------------------------------------------------------------------- */

#define FONT_WIDTH 8u
#define FONT_HEIGHT 16u

/* Parses the PSF font built into the kernel (font.S: a console-setup-linux VGA font, PSF1 or
 * PSF2) and maps each printable ASCII character to its glyph through the font's Unicode table.
 * Returns 0, or -1 (and says why) if it is not an 8x16 font with a Unicode table. */
int font_init(void);

/* The glyph of character c: FONT_HEIGHT bytes, one per row from the top, bit 7 the leftmost
 * pixel. Characters the font lacks (and all of them before font_init()) get a blank glyph. */
const uint8_t* font_glyph(uint8_t c);

/* ---- fbcon.c ------------------------------------------------------------------------------ */

/* A linear 32-bpp framebuffer: pixel (x, y) is pixels[y * pitch + x], 0x00RRGGBB. */
struct framebuffer {
    volatile uint32_t* pixels;
    uint32_t width, height;
    uint32_t pitch; /* pixels from one row to the next */
};

/* Finds the Bochs VBE display adapter (PCI 1234:1111, QEMU's -vga std and svm's display), sets
 * 1024x768x32 and draws the text written so far. Says in one boot line what it found. Returns
 * 0, or -1 without an adapter or font (the console stays on COM1 alone). Call once, at boot,
 * before there are other threads (it draws without the console lock). */
int fbcon_init(void);

/* The framebuffer, or NULL before fbcon_init() or without one. */
const struct framebuffer* fbcon_framebuffer(void);

/* Writes s[0..n) to the text console: printable ASCII, '\n', '\r', '\b' (moves left), '\t';
 * scrolls at the bottom. Records the text even without a framebuffer; draws only the cells that
 * changed. The caller holds the console lock (console.c). */
void fbcon_write(const char* s, size_t n);

/* While paused the console records text without drawing; fbcon_pause(0) redraws the whole screen
 * from the recorded text. The caller holds the console lock. */
void fbcon_pause(int paused);

/* ---- serial.c ----------------------------------------------------------------------------- */

/* Programs COM1 (115200 8N1, FIFO) and enables its receive interrupt on the I/O APIC: received
 * bytes go to console_input(). */
void serial_init(void);

/* ---- keyboard.c --------------------------------------------------------------------------- */

/* Sets up the i8042 PS/2 controller (port 1 only, scan code set 1 by translation, IRQ 1 through
 * the I/O APIC) and feeds typed characters to console_input(). Returns 0, or -1 if there is no
 * controller. */
int keyboard_init(void);

/* ---- sched.c / switch.S ------------------------------------------------------------------- */

enum thread_state { THREAD_RUNNING, THREAD_READY, THREAD_SLEEPING, THREAD_BLOCKED, THREAD_DEAD };

struct thread {
    uint64_t rsp; /* saved stack pointer while not running (switch.S) */
    int id;
    const char* name;
    enum thread_state state;
    uint64_t ticks_run;  /* timer ticks during which this thread was running */
    uint64_t wake_tick;  /* THREAD_SLEEPING: when to become ready */
    void (*entry)(void*);
    void* arg;
    struct thread* next; /* the next thread in the run queue */
    int cpu;             /* index of the CPU it runs or last ran on, -1 before its first turn */
    int wake_pending;    /* thread_wake() came while it was not BLOCKED (see thread_block) */
};

/* One per CPU (sched.c's cpus[]): the CPU's GS base points at it, so code reaches its own CPU's
 * data with one %gs-relative load (sched.c says why GS). Counters are written by their own CPU
 * only; other CPUs (the shell's `cpus`) read them without a lock, a snapshot that may be a tick
 * old. */
struct cpu {
    struct cpu* self;       /* %gs:0, for this_cpu() */
    struct thread* current; /* %gs:8, for thread_current(): the thread running here now */
    int index;              /* 0 = the BSP, then the APs in platform.cpu_apic_ids order */
    uint32_t apic_id;
    volatile int online; /* 1 once the CPU runs its scheduler (smp.c sets it for an AP) */
    struct thread* idle; /* runs here when the run queue is empty; never in the queue */
    uint64_t ticks;      /* this CPU's timer interrupts */
    uint64_t busy_ticks; /* ... of which found a thread other than idle running */
    /* The same two for the second now under way, and the busy % of the last whole second
     * (TIMER_HZ ticks): `cpus`'s load. */
    uint64_t window_ticks, window_busy;
    unsigned load;
    uint64_t runs; /* switches to a thread other than idle: threads this CPU has run */
};

/* Makes the boot flow thread 0, "idle", of CPU 0 (the BSP, APIC ID platform.bsp_apic_id), and
 * points the BSP's GS base at its struct cpu. Call once, interrupts off, before
 * interrupts_init(). */
void sched_init(void);

/* Registers another CPU (offline) with `apic_id`, and its idle thread with a fresh stack: that
 * thread's rsp is where the CPU should start (smp.c gives it to the trampoline). Returns the CPU,
 * or NULL past MAX_CPUS or when memory is exhausted. Call on the BSP. */
struct cpu* cpu_create(uint32_t apic_id);

/* On the CPU `c` itself, first thing in C: points its GS base at c and makes its idle thread the
 * running thread (the caller is now that idle thread). Interrupts off. */
void cpu_enter(struct cpu* c);

/* The calling CPU's struct cpu. Only meaningful while the caller cannot move to another CPU
 * (interrupts off, or a spinlock held): a preempted thread may resume elsewhere. */
struct cpu* this_cpu(void);

/* Returns CPU number i (0 = BSP), or NULL past the last one cpu_create() registered. */
struct cpu* cpu_at(int i);

/* Creates a READY kernel thread running entry(arg) on a 16 KiB heap stack; the first CPU that
 * finds it at the head of the run queue runs it. Returns it or NULL. */
struct thread* thread_create(const char* name, void (*entry)(void*), void* arg);

/* The calling thread (one %gs-relative load: right on whichever CPU the caller is). */
struct thread* thread_current(void);

/* Gives the CPU to the next ready thread (the caller stays READY). */
void thread_yield(void);

/* Puts the caller to sleep for at least `n` timer ticks. */
void thread_sleep(uint64_t n);

/* Blocks the caller until thread_wake(), or returns at once if a thread_wake() came since the
 * caller last blocked (the waker may run on another CPU: sched.c, "Lost wake-ups"). So a waiter
 * publishes itself where the waker looks, then checks its condition, then blocks, in a loop.
 * Call with interrupts off; returns with them still off. */
void thread_block(void);

/* Makes a BLOCKED thread READY, or marks any other thread so that its next thread_block()
 * returns at once (from an interrupt handler or another CPU too). */
void thread_wake(struct thread* t);

/* Called by every CPU's timer interrupt: accounts the tick to the CPU and its running thread,
 * wakes sleepers, preempts the running thread (round robin, one tick per turn). */
void sched_tick(void);

/* Returns thread number i (creation order: 0 = the BSP's idle, then each AP's idle), or NULL
 * past the last one. */
struct thread* thread_at(int i);

/* Returns "running", "ready", "sleeping", "blocked" or "dead". */
const char* thread_state_name(enum thread_state s);

/* A lock between threads on any CPU (not for interrupt handlers): a thread that finds it taken
 * yields until it is free. FIXME: waiters spin through thread_yield() instead of blocking. */
struct mutex {
    int locked;
    struct thread* owner; /* for a reader with a debugger */
};
void mutex_lock(struct mutex* m);
/* Takes the lock if it is free: returns 1, else 0 at once. */
int mutex_trylock(struct mutex* m);
void mutex_unlock(struct mutex* m);

/* switch.S: saves the callee-saved registers on the current stack, stores RSP in *save_rsp,
 * loads next_rsp and pops the next thread's registers; returns in the next thread. */
void context_switch(uint64_t* save_rsp, uint64_t next_rsp);

/* ---- smp.c / ap_boot.S -------------------------------------------------------------------- */

/* Starts every other CPU in platform.cpu_apic_ids (at most MAX_CPUS in all), one at a time, with
 * INIT-SIPI-SIPI and ap_boot.S's trampoline; each loads the IDT, enables its local APIC, starts
 * its timer (clock_start_ap) and runs threads from the one run queue, its own idle thread when
 * there are none. Call on the BSP after clock_init(). Prints
 * `svm-os: N CPUs online (APIC IDs a b ...)` and returns N, the BSP included. A CPU that does not
 * come up within 2 s stays offline (`cpus` says so) and no further CPU is started. */
int smp_start_aps(void);

/* ---- devices.c ---------------------------------------------------------------------------- */

struct virtio_dev;

/* Finds the first virtio device of `device_id` (virtio/virtio.h VIRTIO_ID_*): modern virtio-pci
 * on any bus, else a virtio-mmio window from svm's machine table. Returns 0 and fills *dev, or
 * -1 if there is none. */
int os_virtio_find(uint32_t device_id, struct virtio_dev* dev);

/* ---- rng.c -------------------------------------------------------------------------------- */

/* Finds and sets up the virtio entropy device. Returns 0, or -1 if there is none. */
int rng_init(void);

/* The device's name ("virtio-pci 00:05.0"), or NULL without one. */
const char* rng_name(void);

/* Fills buf with n random bytes from the device (waiting, yielding, at most about 1 s per
 * request). Returns 0, or -1 without a device or if it gave fewer bytes. */
int rng_read(void* buf, uint32_t n);

/* ---- blk.c -------------------------------------------------------------------------------- */

#define BLK_SECTOR 512u

/* Finds and sets up the virtio block device. Returns 0, or -1 if there is none. */
int blk_init(void);

/* 1 if blk_init() found a disk, else 0. */
int blk_present(void);

/* The disk's size in 512-byte sectors (0 without a disk). */
uint64_t blk_capacity(void);

/* "virtio-pci 00:04.0, 20 sectors, read-only", for the boot log. */
const char* blk_describe(void);

/* Reads `count` sectors from `sector` into buf (count * 512 bytes, any alignment). Waits for the
 * device, yielding, at most 5 s. Returns 0, or -1 on a device error, a timeout, a range past the
 * end of the disk or no disk. */
int blk_read(uint64_t sector, void* buf, uint32_t count);

/* ---- fs.c --------------------------------------------------------------------------------- */

/* Reads the USTAR headers from the disk into the file table (at most 32 regular files).
 * Returns the number of files, or -1 without a disk or if sector 0 is not a ustar header. */
int fs_init(void);

/* `ls`: each file's name and size in bytes, then the count and the total. */
void fs_list(void);

/* `cat`: prints the file called `name` (the full name in the archive). Returns 0, or -1 (and
 * says why) if there is no such file, no disk or a read error. */
int fs_cat(const char* name);

/* ---- net.c -------------------------------------------------------------------------------- */

/* Finds and sets up the virtio network card and gives its MAC to the stack. Returns 0, or -1 if
 * there is none. */
int net_card_init(void);

/* The card's name, or NULL without one. */
const char* net_card_name(void);

/* Starts the `net` thread (if there is a card): DHCP, then answering ARP and ICMP echo. */
void net_start(void);

/* `ifconfig`: MAC, link, address, netmask, gateway, DNS, frame counts. */
void net_ifconfig(void);

/* `ping HOST`: 4 ICMP echo requests to a dotted IPv4 address, one a second, each reply with
 * its round-trip time (TSC), then the summary. */
void net_ping(const char* host);

/* ---- shell.c ------------------------------------------------------------------------------ */

/* The shell thread's body: prompt, read a line, run the command, forever.
 *
 * `ps` prints a header, then one line per thread (`  %2d  %-8s  %-8s  %3s  %llu`): id, name,
 * state, cpu (where it runs or last ran, `-` before its first turn), ticks run.
 * `cpus` prints one line per CPU, then a summary:
 *   cpu I: apic A online|offline thread NAME load P% ran R ticks T
 *   N of M cpus online
 * NAME is the thread running there now (`-` when offline), P the busy share of the last second
 * (ticks that found a thread other than idle), R how many times the CPU switched to a thread
 * other than its idle thread, T its timer ticks. */
void shell_main(void* unused);

/* The demo thread's counter, shown by `ps`. */
extern volatile uint64_t counter_value;

/* ---- draw.c ------------------------------------------------------------------------------- */

/* `draw [SECONDS]`: a colour gradient with the Mandelbrot set in a box over the whole
 * framebuffer, kept for SECONDS (default 3, at most 60); then the text console comes back.
 * Without a framebuffer it says so. */
void draw_main(const char* arg);

/* ---- power.c ------------------------------------------------------------------------------ */

/* Ends the run with `code`: svm's SVM_HC_EXIT under svm, else QEMU's isa-debug-exit (port 0xF4,
 * status (code << 1) | 1). Returns only if neither exists. */
void power_exit(unsigned code);

/* ACPI soft-off (S5). Returns only if it did not work. */
void power_shutdown(void);

/* Resets the machine through 0xCF9, then the 8042. Returns only if neither worked. */
void power_reboot(void);

#endif /* GUEST_OS_KERNEL_H */
