/*
 * demo.elf: the kernel the README's first command boots. A higher-half ELF64 kernel
 * (ld/higherhalf.ld, -mcmodel=kernel) that prints a banner and the machine table svm gave it, in
 * a form a new user can read: RAM, memory map, devices and CPUs. Exits with 0 if the table is
 * valid, 1 otherwise.
 */
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/console.h"
#include "lib/format.h"
#include "lib/machine_table.h"

/* Writes a byte count as "640 KiB", "128 MiB", "1.5 GiB"-style text (binary units). */
static void format_size(char* buf, size_t size, uint64_t bytes) {
    static const char* const units[] = {"bytes", "KiB", "MiB", "GiB", "TiB"};
    unsigned unit = 0;
    uint64_t whole = bytes;
    uint64_t rem = 0;
    while (whole >= 1024 && unit < 4) {
        rem = whole % 1024;
        whole /= 1024;
        unit++;
    }
    if (rem == 0 || unit == 0) {
        format(buf, size, "%llu %s", (unsigned long long)whole, units[unit]);
    } else {
        format(buf, size, "%llu.%llu %s", (unsigned long long)whole,
               (unsigned long long)(rem * 10 / 1024), units[unit]);
    }
}

static void print_banner(void) {
    kputs("\n");
    kputs("  +------------------------------------------------------------+\n");
    kputs("  |                                                            |\n");
    kputs("  |   svm demo kernel                                          |\n");
    kputs("  |   a higher-half ELF64 kernel, booted directly by svm       |\n");
    kputs("  |                                                            |\n");
    kputs("  +------------------------------------------------------------+\n");
    kputs("\n");
}

static void print_memory(const struct svm_machine* m) {
    char size[32];
    kputs("  Memory map\n");
    for (uint32_t i = 0; i < m->mem_count; i++) {
        const struct svm_mem_range* r = machine_mem(m, i);
        format_size(size, sizeof(size), r->length);
        kprintf("    0x%016llx - 0x%016llx  %10s  %s\n", (unsigned long long)r->base,
                (unsigned long long)(r->base + r->length - 1), size,
                machine_mem_type_name(r->type));
    }
    kputs("\n");
}

static void print_devices(const struct svm_machine* m) {
    char where[48];
    char irq[16];
    kputs("  Devices\n");
    for (uint32_t i = 0; i < m->dev_count; i++) {
        const struct svm_device* d = machine_device(m, i);
        size_t n = 0;
        where[0] = '\0';
        if (d->io_size == 1) {
            n = format(where, sizeof(where), "port 0x%x", d->io_base);
        } else if (d->io_size > 1) {
            n = format(where, sizeof(where), "ports 0x%x-0x%x", d->io_base,
                       d->io_base + d->io_size - 1);
        }
        if (d->mmio_size && n < sizeof(where)) {
            format(where + n, sizeof(where) - n, "%smmio 0x%llx+0x%llx", n ? ", " : "",
                   (unsigned long long)d->mmio_base, (unsigned long long)d->mmio_size);
        }
        if (d->irq == SVM_IRQ_NONE) {
            format(irq, sizeof(irq), "no irq");
        } else {
            format(irq, sizeof(irq), "irq %u", d->irq);
        }
        char name[sizeof(d->name) + 1];
        for (size_t c = 0; c < sizeof(d->name); c++) name[c] = d->name[c];
        name[sizeof(d->name)] = '\0';
        kprintf("    %-10s %-15s %-20s %s\n", name, machine_device_type_name(d->type), where, irq);
    }
    kputs("\n");
}

static void print_cpus(const struct svm_machine* m) {
    kputs("  CPUs\n");
    for (uint32_t i = 0; i < m->cpu_count; i++) {
        const struct svm_cpu* c = machine_cpu(m, i);
        kprintf("    cpu %u      apic id %u%s\n", c->index, c->apic_id,
                (c->flags & SVM_CPU_BSP) ? "   (bootstrap processor, running this)" : "");
    }
    kputs("\n");
}

void kmain(const struct svm_machine* m) {
    print_banner();
    const char* problem = machine_table_validate(m);
    if (problem) {
        kprintf("  The machine table at %p is not valid: %s.\n", (const void*)m, problem);
        svm_exit(1);
    }
    char ram[32];
    format_size(ram, sizeof(ram), m->ram_size);
    kprintf("  Kernel running at %p, machine table at 0x%llx (version %u, %u bytes)\n\n",
            (void*)&kmain, (unsigned long long)(uintptr_t)m, m->version, m->total_size);
    kprintf("  RAM          %s\n", ram);
    if (m->cmdline) {
        kprintf("  Command line \"%s\"\n", (const char*)(uintptr_t)m->cmdline);
    } else {
        kputs("  Command line (none)\n");
    }
    kputs("\n");
    print_memory(m);
    print_devices(m);
    print_cpus(m);
    kputs("  All done: exiting with code 0 through the svm hypercall port.\n");
    kputs("  Next: write your own kernel, see docs/guests.md.\n\n");
    svm_exit(0);
}
