/*
 * virtio_blk.elf: drives a virtio block device (OASIS virtio 1.2, 5.2) over virtio-pci or
 * virtio-mmio (runtime.h virtio_find) and checks what it stores.
 *
 * Command line (after the kernel name): [write|verify|ro] seed=N sectors=N serial=S
 *                                       transport=pci|mmio [noindirect] [noeventidx]
 *   write  (default) writes sectors [0, sectors) (default 256) with pattern(seed, sector), FLUSHes
 *          if VIRTIO_BLK_F_FLUSH was negotiated, reads them back and compares.
 *   verify only reads and compares: the pattern of an earlier `write` run with the same seed
 *          (persistence across two boots).
 *   hold   (with write) after the FLUSH completed, prints "blk: flushed, holding" and spins
 *          forever: the test then kills svm with SIGKILL and checks the data in a second run.
 *   ro     expects VIRTIO_BLK_F_RO; reads and compares as verify, then tries one write to sector
 *          0, which must fail with VIRTIO_BLK_S_IOERR and leave the sector unchanged.
 * Always reads the capacity (5.2.4) and the serial (VIRTIO_BLK_T_GET_ID, 5.2.6), checked against
 * serial= if given. Requests alternate between direct chains (header, two 4 KiB data buffers,
 * status) and indirect tables when VIRTIO_F_INDIRECT_DESC is negotiated.
 */
#include "lib/check.h"
#include "lib/console.h"
#include "lib/mem.h"
#include "virtio/runtime.h"
#include "virtio/virtio.h"

#define VIRTIO_BLK_F_RO (1ull << 5)
#define VIRTIO_BLK_F_BLK_SIZE (1ull << 6)
#define VIRTIO_BLK_F_FLUSH (1ull << 9)
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_ID_BYTES 20
#define SECTOR 512
#define CHUNK_SECTORS 16 /* 8 KiB per request */
#define REQUEST_TIMEOUT_US 5000000

/* struct virtio_blk_req's device-readable header (5.2.6). */
struct blk_header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

static struct blk_header header __attribute__((aligned(16)));
static uint8_t data[CHUNK_SECTORS * SECTOR] __attribute__((aligned(4096)));
static volatile uint8_t status_byte;
static struct virtio_dev dev;
static unsigned requests;
static int timed_out;

static uint32_t pattern_word(uint32_t seed, uint64_t sector, uint32_t word) {
    uint32_t x = seed * 0x9E3779B1u ^ (uint32_t)sector * 0x85EBCA6Bu ^ word * 0xC2B2AE35u;
    x ^= x >> 15;
    x *= 0x2C1B3C6Du;
    x ^= x >> 12;
    return x ^ (uint32_t)sector; /* sector number recoverable from a dump: word 0 ^ ... */
}

static void fill(uint8_t* buf, uint32_t seed, uint64_t first, unsigned count) {
    uint32_t* w = (uint32_t*)buf;
    for (unsigned s = 0; s < count; ++s)
        for (uint32_t j = 0; j < SECTOR / 4; ++j)
            w[s * SECTOR / 4 + j] = pattern_word(seed, first + s, j);
}

/* Returns how many of `count` sectors in buf differ from the pattern; prints the first. */
static unsigned compare(const uint8_t* buf, uint32_t seed, uint64_t first, unsigned count) {
    const uint32_t* w = (const uint32_t*)buf;
    unsigned bad = 0;
    for (unsigned s = 0; s < count; ++s) {
        for (uint32_t j = 0; j < SECTOR / 4; ++j) {
            uint32_t want = pattern_word(seed, first + s, j);
            if (w[s * SECTOR / 4 + j] != want) {
                if (bad == 0)
                    kprintf("blk: sector %llu word %u: got 0x%08x, want 0x%08x\n",
                            (unsigned long long)(first + s), j, w[s * SECTOR / 4 + j], want);
                ++bad;
                break;
            }
        }
    }
    return bad;
}

/* One request (5.2.6): header, `len` data bytes at buf (device-writable for IN and GET_ID),
 * status. Returns the status byte, or -1 on timeout. */
static int request(uint32_t type, uint64_t sector, void* buf, uint32_t len) {
    header.type = type;
    header.reserved = 0;
    header.sector = sector;
    status_byte = 0xFF;
    int device_writes = type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_GET_ID;
    struct virtq_buf bufs[4];
    unsigned n = 0;
    bufs[n++] = (struct virtq_buf){&header, sizeof header, 0};
    /* Two data descriptors for a long transfer, to exercise chains of four. */
    if (len > 4096) {
        bufs[n++] = (struct virtq_buf){buf, 4096, device_writes};
        bufs[n++] = (struct virtq_buf){(uint8_t*)buf + 4096, len - 4096, device_writes};
    } else if (len) {
        bufs[n++] = (struct virtq_buf){buf, len, device_writes};
    }
    bufs[n++] = (struct virtq_buf){(void*)&status_byte, 1, 1};
    int indirect = !cmd_flag("noindirect") && (requests & 1);
    ++requests;
    long written = virtq_transfer(&dev.queues[0], bufs, n, indirect, REQUEST_TIMEOUT_US);
    if (written < 0) {
        kprintf("blk: request type %u sector %llu timed out\n", type, (unsigned long long)sector);
        timed_out = 1;
        return -1;
    }
    return status_byte;
}

/* Reads [0, sectors) and compares with the pattern. Returns the number of bad sectors, or -1. */
static long read_and_compare(uint32_t seed, uint64_t sectors) {
    long bad = 0;
    for (uint64_t s = 0; s < sectors; s += CHUNK_SECTORS) {
        unsigned count = sectors - s < CHUNK_SECTORS ? (unsigned)(sectors - s) : CHUNK_SECTORS;
        memset(data, 0, sizeof data);
        int st = request(VIRTIO_BLK_T_IN, s, data, count * SECTOR);
        if (st != VIRTIO_BLK_S_OK) {
            kprintf("blk: read of sector %llu: status %d\n", (unsigned long long)s, st);
            return -1;
        }
        bad += compare(data, seed, s, count);
    }
    return bad;
}

unsigned test_main(void) {
    if (virtio_find(VIRTIO_ID_BLOCK, &dev) != 0) return EXIT_NO_DEVICE;
    uint64_t wanted = VIRTIO_BLK_F_RO | VIRTIO_BLK_F_BLK_SIZE | VIRTIO_BLK_F_FLUSH;
    if (!cmd_flag("noindirect")) wanted |= VIRTIO_F_INDIRECT_DESC;
    if (!cmd_flag("noeventidx")) wanted |= VIRTIO_F_EVENT_IDX;
    int negotiated = virtio_negotiate(&dev, wanted) == 0;
    kprintf("blk: offered features 0x%llx, accepted 0x%llx\n",
            (unsigned long long)dev.offered_features, (unsigned long long)dev.features);
    if (!check_that("features ok", negotiated, "refused", "FEATURES_OK")) return EXIT_CHECKS;
    if (!check_that("queue 0 set up", virtio_setup_queue(&dev, 0, 32) == 0, "failed", "ready"))
        return EXIT_CHECKS;
    uint8_t status = virtio_driver_ok(&dev);
    check_eq("device status", status & 0x4F, 0x0F);

    /* struct virtio_blk_config (5.2.4): capacity at 0 in 512-byte sectors, blk_size at 20. */
    uint64_t capacity = virtio_cfg64(&dev, 0);
    kprintf("blk: capacity %llu sectors", (unsigned long long)capacity);
    if (dev.features & VIRTIO_BLK_F_BLK_SIZE) kprintf(", blk_size %u", virtio_cfg32(&dev, 20));
    kprintf(", flush %s, ro %s\n", dev.features & VIRTIO_BLK_F_FLUSH ? "yes" : "no",
            dev.features & VIRTIO_BLK_F_RO ? "yes" : "no");
    uint64_t sectors = cmd_number("sectors", 256);
    check_that("capacity covers the test", capacity >= sectors, "smaller", "at least sectors=");
    if (capacity < sectors) return EXIT_CHECKS;

    /* GET_ID (5.2.6): 20 bytes, NUL-padded if shorter. */
    static char id[VIRTIO_BLK_ID_BYTES + 1];
    int st = request(VIRTIO_BLK_T_GET_ID, 0, id, VIRTIO_BLK_ID_BYTES);
    if (st < 0) return EXIT_TIMEOUT;
    id[VIRTIO_BLK_ID_BYTES] = 0;
    kprintf("blk: serial \"%s\" (status %d)\n", id, st);
    char want_serial[VIRTIO_BLK_ID_BYTES + 1];
    if (cmd_value("serial", want_serial, sizeof want_serial))
        check_that("serial", st == VIRTIO_BLK_S_OK && strcmp(id, want_serial) == 0, id,
                   want_serial);

    uint32_t seed = (uint32_t)cmd_number("seed", 1);
    if (cmd_flag("verify") || cmd_flag("ro")) {
        long bad = read_and_compare(seed, sectors);
        if (timed_out) return EXIT_TIMEOUT;
        check_eq_dec("pattern from the earlier run", bad, 0);
    }
    if (cmd_flag("ro")) {
        check_that("read-only offered", (dev.features & VIRTIO_BLK_F_RO) != 0, "no",
                   "VIRTIO_BLK_F_RO");
        /* 5.2.6.2: the driver MUST NOT write a VIRTIO_BLK_F_RO device; we do it once on purpose
         * to see the device refuse it. */
        fill(data, seed + 1, 0, 1);
        st = request(VIRTIO_BLK_T_OUT, 0, data, SECTOR);
        if (st < 0) return EXIT_TIMEOUT;
        check_eq_dec("write rejected with IOERR", st, VIRTIO_BLK_S_IOERR);
        memset(data, 0, SECTOR);
        st = request(VIRTIO_BLK_T_IN, 0, data, SECTOR);
        if (st < 0) return EXIT_TIMEOUT;
        check_that("sector 0 unchanged", st == 0 && compare(data, seed, 0, 1) == 0, "changed",
                   "the old pattern");
    } else if (!cmd_flag("verify")) {
        unsigned write_errors = 0;
        for (uint64_t s = 0; s < sectors; s += CHUNK_SECTORS) {
            unsigned count = sectors - s < CHUNK_SECTORS ? (unsigned)(sectors - s) : CHUNK_SECTORS;
            fill(data, seed, s, count);
            st = request(VIRTIO_BLK_T_OUT, s, data, count * SECTOR);
            if (st < 0) return EXIT_TIMEOUT;
            if (st != VIRTIO_BLK_S_OK) ++write_errors;
        }
        check_eq_dec("writes ok", write_errors, 0);
        if (dev.features & VIRTIO_BLK_F_FLUSH) {
            st = request(VIRTIO_BLK_T_FLUSH, 0, NULL, 0);
            if (st < 0) return EXIT_TIMEOUT;
            check_eq_dec("flush", st, VIRTIO_BLK_S_OK);
        }
        if (cmd_flag("hold")) {
            kprintf("blk: flushed, holding\n");
            for (;;) __asm__ volatile("pause");
        }
        long bad = read_and_compare(seed, sectors);
        if (timed_out) return EXIT_TIMEOUT;
        check_eq_dec("read back", bad, 0);
    }
    kprintf("blk: %u requests\n", requests);
    virtio_reset(&dev);
    return EXIT_OK;
}
