/*
 * Physical memory: the memory map, a page-frame allocator and the kernel heap.
 *
 * The map comes from svm's machine table when svm booted us (<svm/machine.h>, SVM_MEM_RAM is
 * usable), else from the Multiboot 1 information (Multiboot 0.6.96, 3.3: flags bit 6,
 * mmap_addr/mmap_length; type 1 is available RAM, the rest is reserved, as in the BIOS E820
 * call; OSDev wiki "Detecting Memory (x86)").
 *
 * Frames: every usable 4 KiB page above the kernel and the boot information, and below 4 GiB (the
 * identity map ends there), goes on a singly linked free list kept inside the free pages
 * themselves (OSDev wiki "Page Frame Allocation", "free list"). The heap is one contiguous
 * stretch of frames taken before the list is built, handed out by a bump pointer.
 */
#include "lib/machine_table.h"
#include "lib/mem.h"
#include "os/kernel.h"

#define HEAP_SIZE (1024u * 1024u)
#define MAX_REGIONS 32u
#define LOW_LIMIT 0x100000ull        /* leave the first MiB (BIOS, svm's tables) alone */
#define HIGH_LIMIT 0x100000000ull    /* the end of the identity map (entry.S) */

/* The start of the Multiboot information structure (Multiboot 0.6.96, 3.3). */
struct multiboot_info {
    uint32_t flags;
    uint32_t mem_lower, mem_upper;
    uint32_t boot_device;
    uint32_t cmdline;
    uint32_t mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr;
} __attribute__((packed));

#define MB_INFO_CMDLINE (1u << 2)
#define MB_INFO_MODS (1u << 3)
#define MB_INFO_MMAP (1u << 6)

struct multiboot_mmap_entry {
    uint32_t size; /* of the rest of the entry: the next one starts size + 4 bytes further */
    uint64_t base, length;
    uint32_t type;
} __attribute__((packed));

struct multiboot_module {
    uint32_t start, end, string, reserved;
} __attribute__((packed));

struct region {
    uint64_t base, length;
    const char* type;
    int usable;
};

extern char __bss_end[]; /* the end of the kernel image (virtio/linker.ld) */

static struct region regions[MAX_REGIONS];
static unsigned region_count;
static const char* map_source;

struct free_frame {
    struct free_frame* next;
};
static struct free_frame* free_list;
static uint64_t free_frames, total_frames;

static uint8_t* heap_start;
static size_t heap_used;

static void add_region(uint64_t base, uint64_t length, const char* type, int usable) {
    if (region_count < MAX_REGIONS)
        regions[region_count++] = (struct region){base, length, type, usable};
}

static uint64_t max_u64(uint64_t a, uint64_t b) {
    return a > b ? a : b;
}

/* The first byte after everything the boot loader left above 1 MiB that we must keep: the
 * kernel, the Multiboot information, its memory map, command line and modules (QEMU puts them
 * right after the kernel image). */
static uint64_t boot_data_end(const struct multiboot_info* mb) {
    uint64_t end = (uintptr_t)__bss_end;
    end = max_u64(end, (uintptr_t)mb + sizeof(*mb));
    if (mb->flags & MB_INFO_MMAP) end = max_u64(end, (uint64_t)mb->mmap_addr + mb->mmap_length);
    if (mb->flags & MB_INFO_CMDLINE)
        end = max_u64(end, mb->cmdline + strlen((const char*)(uintptr_t)mb->cmdline) + 1);
    if (mb->flags & MB_INFO_MODS) {
        const struct multiboot_module* m = (const void*)(uintptr_t)mb->mods_addr;
        end = max_u64(end, (uint64_t)mb->mods_addr + mb->mods_count * sizeof(*m));
        for (uint32_t i = 0; i < mb->mods_count; i++) end = max_u64(end, m[i].end);
    }
    return (end + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

static void read_map(const struct multiboot_info* mb) {
    if (boot_machine) {
        map_source = "svm machine table";
        for (uint32_t i = 0; i < boot_machine->mem_count; i++) {
            const struct svm_mem_range* r = machine_mem(boot_machine, i);
            add_region(r->base, r->length, machine_mem_type_name(r->type), r->type == SVM_MEM_RAM);
        }
        return;
    }
    if (!(mb->flags & MB_INFO_MMAP)) return;
    map_source = "Multiboot";
    uint64_t p = mb->mmap_addr, end = (uint64_t)mb->mmap_addr + mb->mmap_length;
    while (p + sizeof(struct multiboot_mmap_entry) <= end) {
        const struct multiboot_mmap_entry* e = (const void*)(uintptr_t)p;
        static const char* const names[] = {"?", "available", "reserved", "ACPI reclaimable",
                                            "ACPI NVS", "bad"};
        add_region(e->base, e->length, e->type <= 5 ? names[e->type] : "reserved", e->type == 1);
        p += e->size + 4;
    }
}

static const char* cmdline = "";

const char* boot_cmdline(void) {
    return cmdline;
}

char* cmdline_value(const char* key, char* buf, size_t n) {
    size_t key_len = strlen(key);
    for (const char* p = cmdline; *p;) {
        while (*p == ' ') p++;
        const char* word = p;
        while (*p && *p != ' ') p++;
        if ((size_t)(p - word) > key_len && memcmp(word, key, key_len) == 0 && word[key_len] == '=') {
            size_t len = (size_t)(p - word) - key_len - 1;
            if (n == 0) return NULL;
            if (len > n - 1) len = n - 1;
            memcpy(buf, word + key_len + 1, len);
            buf[len] = 0;
            return buf;
        }
    }
    return NULL;
}

int memory_init(uint32_t mbi) {
    const struct multiboot_info* mb = (const void*)(uintptr_t)mbi;
    if (mb->flags & MB_INFO_CMDLINE) cmdline = (const char*)(uintptr_t)mb->cmdline;
    read_map(mb);
    if (region_count == 0) return -1;
    uint64_t floor = max_u64(LOW_LIMIT, boot_data_end(mb));
    for (unsigned i = 0; i < region_count; i++) {
        if (!regions[i].usable) continue;
        uint64_t start = max_u64(regions[i].base, floor);
        start = (start + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
        uint64_t end = regions[i].base + regions[i].length;
        if (end > HIGH_LIMIT) end = HIGH_LIMIT;
        end &= ~(uint64_t)(PAGE_SIZE - 1);
        if (!heap_start && end > start && end - start >= 2 * HEAP_SIZE) {
            heap_start = (uint8_t*)(uintptr_t)start; /* the heap: the first MiB of this region */
            start += HEAP_SIZE;
        }
        for (uint64_t f = start; f < end; f += PAGE_SIZE) {
            frame_free((void*)(uintptr_t)f);
            total_frames++;
        }
    }
    if (heap_start) memset(heap_start, 0, HEAP_SIZE);
    return 0;
}

/* The free list and the heap are shared by every CPU: each change happens under this lock
 * (which also keeps the timer interrupt, and so preemption, out of it). */
static struct spinlock memory_lock;

void* frame_alloc(void) {
    unsigned long flags = spin_lock_irqsave(&memory_lock);
    struct free_frame* f = free_list;
    if (f) {
        free_list = f->next;
        free_frames--;
    }
    spin_unlock_irqrestore(&memory_lock, flags);
    if (f) memset(f, 0, PAGE_SIZE);
    return f;
}

void frame_free(void* frame) {
    unsigned long flags = spin_lock_irqsave(&memory_lock);
    struct free_frame* f = frame;
    f->next = free_list;
    free_list = f;
    free_frames++;
    spin_unlock_irqrestore(&memory_lock, flags);
}

void* kmalloc(size_t n) {
    n = (n + 15) & ~(size_t)15;
    unsigned long flags = spin_lock_irqsave(&memory_lock);
    void* p = NULL;
    if (heap_start && n <= HEAP_SIZE - heap_used) {
        p = heap_start + heap_used; /* already zero: the heap was cleared once at boot */
        heap_used += n;
    }
    spin_unlock_irqrestore(&memory_lock, flags);
    return p;
}

void memory_print(void) {
    kprintf("memory map (%s):\n", map_source);
    uint64_t usable = 0;
    for (unsigned i = 0; i < region_count; i++) {
        const struct region* r = &regions[i];
        kprintf("  0x%012llx-0x%012llx %8llu KiB  %s\n", (unsigned long long)r->base,
                (unsigned long long)(r->base + r->length - 1),
                (unsigned long long)(r->length / 1024), r->type);
        if (r->usable) usable += r->length;
    }
    kprintf("usable RAM: %llu KiB\n", (unsigned long long)(usable / 1024));
    kprintf("frames: %llu free of %llu (4 KiB each, %llu KiB free)\n",
            (unsigned long long)free_frames, (unsigned long long)total_frames,
            (unsigned long long)(free_frames * 4));
    kprintf("heap: %llu of %u KiB used at 0x%llx\n", (unsigned long long)(heap_used / 1024),
            HEAP_SIZE / 1024, (unsigned long long)(uintptr_t)heap_start);
}
