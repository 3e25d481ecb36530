/*
 * A read-only file system: the disk is a USTAR archive (POSIX.1-2017, pax "ustar Interchange
 * Format"; the build makes it with `tar --format=ustar`, guest/os/guests.cmake). Each file is a
 * 512-byte header block followed by its data, padded to a whole block; two zero blocks end the
 * archive. fs_init() reads the headers once into a table; `cat` reads the data when asked.
 *
 * Header fields used (offsets in the block): name[100] at 0, size[12] at 124 (octal ASCII),
 * chksum[8] at 148 (octal: the sum of all header bytes with chksum itself taken as spaces),
 * typeflag at 156 ('0' or NUL: a regular file), magic "ustar\0" at 257, prefix[155] at 345 (the
 * full name is prefix/name).
 */
#include "lib/mem.h"
#include "os/kernel.h"

#define MAX_FILES 32
#define NAME_MAX_LEN 256 /* prefix (155) + '/' + name (100) + NUL */

struct file {
    char name[NAME_MAX_LEN];
    uint64_t size;
    uint64_t first_sector; /* of the data, just after the header */
};

static struct file files[MAX_FILES];
static unsigned file_count;
static int mounted;
static uint8_t block[BLK_SECTOR] __attribute__((aligned(16)));

/* An octal field of `n` bytes (leading spaces, then digits, ended by NUL or space). Returns -1
 * if it has no digits or something else. */
static int64_t octal(const uint8_t* p, unsigned n) {
    unsigned i = 0;
    while (i < n && p[i] == ' ') i++;
    if (i == n || p[i] < '0' || p[i] > '7') return -1;
    int64_t v = 0;
    for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) v = v * 8 + (p[i] - '0');
    if (i < n && p[i] != 0 && p[i] != ' ') return -1;
    return v;
}

static int all_zero(const uint8_t* p) {
    for (unsigned i = 0; i < BLK_SECTOR; i++)
        if (p[i]) return 0;
    return 1;
}

/* Copies a field of at most n bytes that need not end in NUL. */
static size_t copy_field(char* out, const uint8_t* p, size_t n) {
    size_t len = strnlen((const char*)p, n);
    memcpy(out, p, len);
    out[len] = 0;
    return len;
}

int fs_init(void) {
    if (!blk_present()) return -1;
    uint64_t sector = 0, capacity = blk_capacity();
    while (sector < capacity && file_count < MAX_FILES) {
        if (blk_read(sector, block, 1) != 0) {
            kprintf("fs: cannot read sector %llu\n", (unsigned long long)sector);
            return -1;
        }
        if (all_zero(block)) break; /* the end-of-archive marker */
        if (memcmp(block + 257, "ustar", 6) != 0) {
            kprintf("fs: sector %llu is not a ustar header\n", (unsigned long long)sector);
            return -1;
        }
        uint32_t sum = 0;
        for (unsigned i = 0; i < BLK_SECTOR; i++) sum += (i >= 148 && i < 156) ? ' ' : block[i];
        int64_t size = octal(block + 124, 12), want = octal(block + 148, 8);
        if (size < 0 || want != (int64_t)sum) {
            kprintf("fs: bad header at sector %llu\n", (unsigned long long)sector);
            return -1;
        }
        if (block[156] == '0' || block[156] == 0) {
            struct file* f = &files[file_count++];
            size_t len = copy_field(f->name, block + 345, 155);
            if (len) f->name[len++] = '/';
            copy_field(f->name + len, block + 0, 100);
            f->size = (uint64_t)size;
            f->first_sector = sector + 1;
        }
        /* Directories, links and the rest have no data blocks worth keeping; skip any. */
        sector += 1 + ((uint64_t)size + BLK_SECTOR - 1) / BLK_SECTOR;
    }
    mounted = 1;
    return (int)file_count;
}

void fs_list(void) {
    if (!mounted) {
        kputs(blk_present() ? "ls: the disk holds no ustar archive\n" : "ls: no disk\n");
        return;
    }
    uint64_t total = 0;
    for (unsigned i = 0; i < file_count; i++) {
        kprintf("  %-24s %8llu\n", files[i].name, (unsigned long long)files[i].size);
        total += files[i].size;
    }
    kprintf("%u files, %llu bytes\n", file_count, (unsigned long long)total);
}

int fs_cat(const char* name) {
    if (!mounted) {
        kputs(blk_present() ? "cat: the disk holds no ustar archive\n" : "cat: no disk\n");
        return -1;
    }
    for (unsigned i = 0; i < file_count; i++) {
        const struct file* f = &files[i];
        if (strcmp(f->name, name) != 0) continue;
        uint64_t left = f->size;
        int last = '\n';
        for (uint64_t s = f->first_sector; left > 0; s++) {
            if (blk_read(s, block, 1) != 0) {
                kprintf("\ncat: read error at sector %llu\n", (unsigned long long)s);
                return -1;
            }
            uint32_t n = left < BLK_SECTOR ? (uint32_t)left : BLK_SECTOR;
            console_write((const char*)block, n);
            last = block[n - 1];
            left -= n;
        }
        if (last != '\n') kputs("\n"); /* keep the prompt on its own line */
        return 0;
    }
    kprintf("cat: %s: no such file\n", name);
    return -1;
}
