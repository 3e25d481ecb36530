/* The virtio guests' runtime (runtime.h): entry from guest/virtio/entry.S, command line, clock. */
#include "virtio/runtime.h"

#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/cpu.h"
#include "lib/io.h"
#include "lib/machine_table.h"
#include "lib/timer.h"

#define MULTIBOOT_BOOTLOADER_MAGIC 0x2BADB002u
#define MULTIBOOT_INFO_CMDLINE (1u << 2)

/* The start of the Multiboot information structure (Multiboot 0.6.96, 3.3). */
struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower;
    uint32_t mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
};

static const char* the_cmdline = "";
static int svm_booted;
static const struct svm_machine* machine; /* svm's table, when svm_booted */
static uint64_t tsc_hz = 1000000000ull;   /* replaced by the calibration */
static uint64_t tsc_start;

const char* cmdline(void) {
    return the_cmdline;
}

int on_svm(void) {
    return svm_booted;
}

/* Returns the start of "key=" as a whole word in the command line, or NULL. */
static const char* find_word(const char* word, int with_value) {
    size_t n = 0;
    while (word[n]) ++n;
    for (const char* p = the_cmdline; *p; ++p) {
        if (p != the_cmdline && p[-1] != ' ') continue;
        size_t i = 0;
        while (i < n && p[i] == word[i]) ++i;
        if (i != n) continue;
        if (with_value ? p[n] == '=' : (p[n] == ' ' || p[n] == 0)) return p;
    }
    return NULL;
}

int cmd_value(const char* key, char* out, size_t n) {
    const char* p = find_word(key, 1);
    if (!p) return 0;
    while (*p != '=') ++p;
    ++p;
    size_t i = 0;
    while (p[i] && p[i] != ' ' && i + 1 < n) {
        out[i] = p[i];
        ++i;
    }
    out[i] = 0;
    return 1;
}

uint64_t cmd_number(const char* key, uint64_t fallback) {
    char buf[24];
    if (!cmd_value(key, buf, sizeof buf)) return fallback;
    uint64_t v = 0;
    const char* p = buf;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        for (p += 2; *p; ++p) {
            unsigned d;
            if (*p >= '0' && *p <= '9')
                d = (unsigned)(*p - '0');
            else if (*p >= 'a' && *p <= 'f')
                d = (unsigned)(*p - 'a' + 10);
            else if (*p >= 'A' && *p <= 'F')
                d = (unsigned)(*p - 'A' + 10);
            else
                break;
            v = v * 16 + d;
        }
        return v;
    }
    for (; *p >= '0' && *p <= '9'; ++p) v = v * 10 + (uint64_t)(*p - '0');
    return v;
}

int cmd_flag(const char* word) {
    return find_word(word, 0) != NULL;
}

uint64_t now_us(void) {
    return (rdtsc() - tsc_start) * 1000000ull / tsc_hz;
}

void delay_us(uint64_t us) {
    uint64_t end = now_us() + us;
    while (now_us() < end) __asm__ volatile("pause");
}

void finish(unsigned code) {
    if (code == EXIT_OK && check_failures() != 0) code = EXIT_CHECKS;
    if (code == EXIT_OK)
        kputs("SUCCESS\n");
    else if (code == EXIT_CHECKS)
        kputs("FAILURE\n");
    svm_hypercall(SVM_HC_EXIT, code, 0, 0, 0);
    outb(0xF4, (uint8_t)code); /* QEMU's isa-debug-exit: status (code << 1) | 1 */
    halt_forever();
}

/* svm's machine table entry for a virtio device (<svm/machine.h> SVM_DEV_VIRTIO_PCI/MMIO): the
 * n-th of `type` with virtio device ID `device_id`, or NULL. */
static const struct svm_device* table_entry(uint32_t type, uint32_t device_id, unsigned n) {
    if (!machine) return NULL;
    for (uint32_t i = 0; i < machine->dev_count; ++i) {
        const struct svm_device* d = machine_device(machine, i);
        if (d->type == type && SVM_VIRTIO_ID(d) == device_id && n-- == 0) return d;
    }
    return NULL;
}

int virtio_find(uint32_t device_id, struct virtio_dev* dev) {
    char transport[8] = "auto";
    cmd_value("transport", transport, sizeof transport);
    int want_pci = transport[0] != 'm';
    int want_mmio = transport[0] != 'p';
    if (want_pci && virtio_pci_find(device_id, dev) == 0) {
        kprintf("virtio: found device %u at %s\n", device_id, virtio_dev_name(dev));
        if (svm_booted) {
            /* svm lists each function with the BAR it assigned: the scan must agree. */
            const struct svm_device* e = table_entry(SVM_DEV_VIRTIO_PCI, device_id, 0);
            int agrees = e && SVM_VIRTIO_PCI_DEVICE(e) == dev->slot && dev->bus == 0;
            for (unsigned b = 0; agrees && b < 6; ++b)
                if (dev->bar_address[b] && dev->bar_address[b] != e->mmio_base) agrees = 0;
            check_that("machine table lists the function", agrees, "a different entry",
                       "SVM_DEV_VIRTIO_PCI with this slot and BAR");
        }
        return 0;
    }
    if (!want_mmio) {
        kprintf("virtio: no device %u (transport=%s)\n", device_id, transport);
        return -1;
    }
    /* On svm, the machine table says where each virtio-mmio window is. */
    for (unsigned n = 0;; ++n) {
        const struct svm_device* e = table_entry(SVM_DEV_VIRTIO_MMIO, device_id, n);
        if (!e) break;
        if (virtio_mmio_find(device_id, e->mmio_base, 1, dev) == 0) {
            kprintf("virtio: found device %u at %s (machine table: %s, IRQ %u)\n", device_id,
                    virtio_dev_name(dev), e->name, e->irq);
            return 0;
        }
    }
    uint64_t base = cmd_number("mmio", 0);
    unsigned count = (unsigned)cmd_number("mmio_count", 8);
    /* svm's fixed layout (devices/virtio/virtio_mmio.h kMmioBase), for a table without virtio
     * entries. Elsewhere only when asked: on a PC these addresses may belong to a PCI BAR. */
    if (!base && (svm_booted || transport[0] == 'm')) base = 0xFEB01000u;
    if (base && virtio_mmio_find(device_id, base, count, dev) == 0) {
        kprintf("virtio: found device %u at %s\n", device_id, virtio_dev_name(dev));
        return 0;
    }
    kprintf("virtio: no device %u (transport=%s)\n", device_id, transport);
    return -1;
}

/* PIT channel 2's current count (8254 counter latch command, then low and high byte). */
static uint16_t pit2_count(void) {
    outb(0x43, 0x80); /* channel 2, counter latch */
    uint8_t lo = inb(0x42);
    uint8_t hi = inb(0x42);
    return (uint16_t)(lo | hi << 8);
}

/* The TSC frequency, measured against 10 ms of PIT channel 2 (8254 datasheet; PIT_HZ input
 * clock) by reading the counter itself rather than waiting for its output: QEMU's PIT starts a
 * mode 0 count when it is written, not when the gate rises, so lib/timer.c's method comes out
 * short whenever QEMU's thread is descheduled in between. Each of five measurements pairs a
 * count with the TSC read right after it; the median wins. Returns 0 without a working PIT
 * (QEMU's microvm: the counter never moves). */
static uint64_t calibrate_tsc(void) {
    uint8_t gate = inb(0x61);
    outb(0x61, (uint8_t)((gate & ~0x02u) | 0x01u)); /* gate on, speaker off */
    outb(0x43, 0xB4);                               /* channel 2, lo/hi, mode 2, binary */
    outb(0x42, 0xFF);
    outb(0x42, 0xFF); /* period 65535 ticks */
    uint64_t samples[5];
    unsigned n = 0;
    for (unsigned attempt = 0; attempt < 5; ++attempt) {
        uint16_t prev = pit2_count();
        uint64_t t0 = rdtsc(), t1 = t0;
        uint32_t elapsed = 0;
        for (unsigned i = 0; i < 200000 && elapsed < PIT_HZ / 100; ++i) {
            uint16_t c = pit2_count();
            t1 = rdtsc();
            elapsed += prev >= c ? (uint32_t)(prev - c) : (uint32_t)prev + (0xFFFFu - c);
            prev = c;
        }
        if (elapsed >= PIT_HZ / 100) samples[n++] = (t1 - t0) * PIT_HZ / elapsed;
    }
    outb(0x61, gate);
    if (n < 3) return 0;
    for (unsigned i = 1; i < n; ++i) /* insertion sort, n <= 5 */
        for (unsigned j = i; j > 0 && samples[j - 1] > samples[j]; --j) {
            uint64_t t = samples[j];
            samples[j] = samples[j - 1];
            samples[j - 1] = t;
        }
    return samples[n / 2];
}

void kmain(uint32_t magic, const struct multiboot_info* mbi, uint32_t esi);
void kmain(uint32_t magic, const struct multiboot_info* mbi, uint32_t esi) {
    console_use(CONSOLE_COM1);
    if (magic == MULTIBOOT_BOOTLOADER_MAGIC && (mbi->flags & MULTIBOOT_INFO_CMDLINE) &&
        mbi->cmdline)
        the_cmdline = (const char*)(uintptr_t)mbi->cmdline;
    /* svm passes its machine table in ESI to Multiboot 1 kernels; elsewhere ESI is arbitrary, so
     * look only at a plausible RAM address and validate before trusting it. */
    if (esi >= 0x1000 && esi < 0xF0000000u &&
        machine_table_validate((const struct svm_machine*)(uintptr_t)esi) == NULL) {
        svm_booted = 1;
        machine = (const struct svm_machine*)(uintptr_t)esi;
    }
    /* Without a PIT, keep the 1 GHz guess: timeouts are then approximate. */
    uint64_t hz = calibrate_tsc();
    if (hz > 100000000ull) tsc_hz = hz;
    tsc_start = rdtsc();
    kprintf("virtio guest: cmdline \"%s\" on %s, tsc %llu kHz\n", the_cmdline,
            svm_booted ? "svm" : "a PC (QEMU?)", (unsigned long long)(tsc_hz / 1000));
    finish(test_main());
}
