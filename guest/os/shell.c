/*
 * The shell: reads a line from COM1 or the keyboard (console.c), runs the command, prints the
 * prompt again. Each command is one small function in the table below; `help` prints the table.
 */
#include "lib/cpu.h"
#include "lib/format.h"
#include "lib/mem.h"
#include "os/kernel.h"

/* Not mapped (entry.S maps only the low 4 GiB) and canonical (bits 63:47 equal), so touching it
 * is a page fault (#PF) rather than a general-protection fault (#GP; SDM Vol. 3A, 3.3.7.1). */
#define CRASH_ADDRESS 0x00000dead0000000ull

static void cmd_help(const char* arg);

static void cmd_mem(const char* arg) {
    (void)arg;
    memory_print();
}

/* Format: kernel.h, shell_main(). */
static void cmd_ps(const char* arg) {
    (void)arg;
    kputs("  id  name      state     cpu  ticks\n");
    struct thread* t;
    for (int i = 0; (t = thread_at(i)) != NULL; i++) {
        char cpu[12] = "-";
        if (t->cpu >= 0) format(cpu, sizeof cpu, "%d", t->cpu);
        kprintf("  %2d  %-8s  %-8s  %3s  %llu\n", t->id, t->name, thread_state_name(t->state), cpu,
                (unsigned long long)t->ticks_run);
    }
    kprintf("counter: %llu\n", (unsigned long long)counter_value);
}

static void cmd_ticks(const char* arg) {
    (void)arg;
    kprintf("ticks: %llu (%u Hz)\n", (unsigned long long)ticks, TIMER_HZ);
}

static void cmd_uptime(const char* arg) {
    (void)arg;
    uint64_t t = ticks;
    kprintf("uptime: %llu.%02llu s (%llu ticks)\n", (unsigned long long)(t / TIMER_HZ),
            (unsigned long long)(t % TIMER_HZ * 100 / TIMER_HZ), (unsigned long long)t);
}

/* One line per CPU, then how many are online. Format: kernel.h, shell_main(). The numbers are
 * each CPU's own counters (struct cpu), read without a lock: a snapshot. */
static void cmd_cpus(const char* arg) {
    (void)arg;
    struct cpu* c;
    int i, online = 0;
    for (i = 0; (c = cpu_at(i)) != NULL; i++) {
        int on = c->online;
        struct thread* t = c->current;
        online += on;
        kprintf("cpu %d: apic %u %s thread %s load %u%% ran %llu ticks %llu\n", c->index,
                c->apic_id, on ? "online" : "offline", on ? t->name : "-", on ? c->load : 0,
                (unsigned long long)c->runs, (unsigned long long)c->ticks);
    }
    kprintf("%d of %d cpus online\n", online, i);
}

static void cmd_random(const char* arg) {
    (void)arg;
    uint8_t bytes[16];
    if (rng_read(bytes, sizeof bytes) != 0) {
        kputs(rng_name() ? "random: the entropy device did not answer\n"
                         : "random: no entropy device\n");
        return;
    }
    for (unsigned i = 0; i < sizeof bytes; i++) kprintf("%02x", bytes[i]);
    kputs("\n");
}

static void cmd_ls(const char* arg) {
    (void)arg;
    fs_list();
}

static void cmd_cat(const char* arg) {
    if (!*arg) {
        kputs("cat: which file? (ls lists them)\n");
        return;
    }
    fs_cat(arg);
}

static void cmd_ifconfig(const char* arg) {
    (void)arg;
    net_ifconfig();
}

static void cmd_ping(const char* arg) {
    net_ping(arg);
}

static void cmd_draw(const char* arg) {
    draw_main(arg);
}

static void cmd_crash(const char* arg) {
    (void)arg;
    kprintf("crash: writing to 0x%016llx, which is not mapped\n", CRASH_ADDRESS);
    *(volatile uint64_t*)(uintptr_t)CRASH_ADDRESS = 1;
    kputs("crash: still running?\n");
}

/* `alarm S`: a thread of its own sleeps S seconds and then prints a line, while the shell goes on.
 * The line lands wherever the user is typing: the console puts it on a line of its own and writes
 * the prompt and the half-typed command again below it (console.c, "Unfinished lines"). One
 * thread serves every alarm, created the first time (a finished thread's stack is not reclaimed). */
static struct thread* alarm_thread;
static volatile unsigned alarm_seconds; /* the alarm set and not yet rung; 0: none */

static void alarm_main(void* arg) {
    (void)arg;
    for (;;) {
        cpu_cli(); /* thread_block()'s rule: publish (alarm_thread), check, block, in a loop */
        while (alarm_seconds == 0) thread_block();
        cpu_sti();
        unsigned seconds = alarm_seconds;
        thread_sleep((uint64_t)seconds * TIMER_HZ);
        kprintf("alarm: %u s passed\n", seconds);
        alarm_seconds = 0;
    }
}

static void cmd_alarm(const char* arg) {
    unsigned seconds = 0;
    while (*arg >= '0' && *arg <= '9' && seconds < 100000) seconds = seconds * 10 + (unsigned)(*arg++ - '0');
    while (*arg == ' ') arg++;
    if (seconds == 0 || *arg != 0) {
        kputs("alarm: usage: alarm SECONDS (1 or more)\n");
        return;
    }
    if (alarm_seconds != 0) {
        kprintf("alarm: one is already set (%u s)\n", alarm_seconds);
        return;
    }
    if (alarm_thread == NULL && (alarm_thread = thread_create("alarm", alarm_main, NULL)) == NULL) {
        kputs("alarm: out of memory\n");
        return;
    }
    alarm_seconds = seconds;
    thread_wake(alarm_thread);
    kprintf("alarm: set for %u s\n", seconds);
}

static void cmd_exit(const char* arg) {
    unsigned code = 0;
    while (*arg >= '0' && *arg <= '9') code = code * 10 + (unsigned)(*arg++ - '0');
    kprintf("exit: code %u\n", code & 0xFF);
    power_exit(code & 0xFF);
    thread_sleep(TIMER_HZ); /* QEMU stops a moment after the write, not at once */
    kputs("exit: no svm exit hypercall and no isa-debug-exit device\n");
}

static void cmd_shutdown(const char* arg) {
    (void)arg;
    kputs("shutdown: ACPI S5 (soft off)\n");
    power_shutdown();
    thread_sleep(TIMER_HZ); /* the machine goes off a moment after the write */
    kputs("shutdown: the machine is still on\n");
}

static void cmd_reboot(const char* arg) {
    (void)arg;
    kputs("reboot: resetting\n");
    power_reboot();
    thread_sleep(TIMER_HZ);
    kputs("reboot: the machine did not reset\n");
}

static const struct command {
    const char* name;
    void (*run)(const char* arg);
    const char* help;
} commands[] = {
    {"help", cmd_help, "this list"},
    {"mem", cmd_mem, "memory map, free page frames, heap"},
    {"ps", cmd_ps, "threads with their state, cpu and ticks run"},
    {"ticks", cmd_ticks, "timer ticks since boot"},
    {"uptime", cmd_uptime, "time since boot"},
    {"cpus", cmd_cpus, "each CPU: APIC ID, online, its thread, load, threads run"},
    {"random", cmd_random, "16 random bytes from the entropy device"},
    {"ls", cmd_ls, "the files on the disk, with their sizes"},
    {"cat", cmd_cat, "cat FILE: print a file from the disk"},
    {"ifconfig", cmd_ifconfig, "the network card: MAC, address, frame counts"},
    {"ping", cmd_ping, "ping A.B.C.D: 4 ICMP echo requests"},
    {"draw", cmd_draw, "draw [S]: a framebuffer demo for S seconds (3)"},
    {"alarm", cmd_alarm, "alarm S: a thread prints a line in S seconds"},
    {"crash", cmd_crash, "page fault on purpose (an unmapped address)"},
    {"exit", cmd_exit, "exit N: end the run with exit code N"},
    {"shutdown", cmd_shutdown, "power off (ACPI S5)"},
    {"reboot", cmd_reboot, "reset the machine"},
};
#define COMMAND_COUNT (sizeof(commands) / sizeof(commands[0]))

static void cmd_help(const char* arg) {
    (void)arg;
    for (unsigned i = 0; i < COMMAND_COUNT; i++)
        kprintf("  %-9s %s\n", commands[i].name, commands[i].help);
}

/* Splits "name rest" in place and runs the command called name. */
static void run_line(char* line) {
    while (*line == ' ') line++;
    if (!*line) return;
    char* arg = line;
    while (*arg && *arg != ' ') arg++;
    if (*arg) *arg++ = 0;
    while (*arg == ' ') arg++;
    for (unsigned i = 0; i < COMMAND_COUNT; i++) {
        if (strcmp(line, commands[i].name) == 0) {
            commands[i].run(arg);
            return;
        }
    }
    kprintf("unknown command \"%s\" (try help)\n", line);
}

void shell_main(void* unused) {
    (void)unused;
    kputs("svm-os: type help for the commands\n");
    char line[128];
    for (;;) {
        kputs("svm-os> ");
        console_readline(line, sizeof(line));
        run_line(line);
    }
}
