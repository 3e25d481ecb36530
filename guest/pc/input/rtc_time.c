/*
 * rtc_time.elf (and rtc_time_mb.elf, the same kernel as a Multiboot 1 image for QEMU): reads the
 * CMOS clock the OSDev way ("CMOS", "RTC": wait for update-in-progress to clear, read every
 * register, read again until two readings agree, then decode BCD and 12-hour per status B) and
 * prints the time as seconds since the epoch: "rtc: epoch N". It reads it twice, once in the
 * format the firmware left (BCD, 24 h) and once after switching status B to binary and 12-hour,
 * and checks they agree. If the command line holds "now=SECONDS" (the test passes the host's
 * time), it checks the RTC is within 5 seconds of it. Output on COM1; ends with SUCCESS/FAILURE.
 */
#include <stdint.h>
#include <svm/hypercall.h>
#include <svm/machine.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"

#define CMOS_INDEX 0x70u
#define CMOS_DATA 0x71u
#define STATUS_A_UIP 0x80u
#define STATUS_B_BINARY 0x04u
#define STATUS_B_24H 0x02u

struct rtc_reading {
    uint8_t second, minute, hour, day, month, year, century;
};

static uint8_t cmos_read(uint8_t index) {
    outb(CMOS_INDEX, index); /* bit 7 clear: NMIs stay enabled */
    return inb(CMOS_DATA);
}

static void cmos_write(uint8_t index, uint8_t value) {
    outb(CMOS_INDEX, index);
    outb(CMOS_DATA, value);
}

/* Waits (bounded) for UIP to clear; returns 0, or -1 if it never did. */
static int wait_update_done(void) {
    for (uint32_t i = 0; i < 10000000u; i++)
        if (!(cmos_read(0x0A) & STATUS_A_UIP)) return 0;
    return -1;
}

static void read_raw(struct rtc_reading* r) {
    r->second = cmos_read(0x00);
    r->minute = cmos_read(0x02);
    r->hour = cmos_read(0x04);
    r->day = cmos_read(0x07);
    r->month = cmos_read(0x08);
    r->year = cmos_read(0x09);
    r->century = cmos_read(0x32);
}

static int same(const struct rtc_reading* a, const struct rtc_reading* b) {
    return a->second == b->second && a->minute == b->minute && a->hour == b->hour &&
           a->day == b->day && a->month == b->month && a->year == b->year &&
           a->century == b->century;
}

static unsigned from_bcd(uint8_t v) { return (unsigned)(v >> 4) * 10u + (v & 0x0Fu); }

/* Days from 1970-01-01 to year-month-day (proleptic Gregorian), for years >= 1970. */
static uint64_t days_since_epoch(unsigned year, unsigned month, unsigned day) {
    static const unsigned before_month[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    uint64_t days = 0;
    for (unsigned y = 1970; y < year; y++)
        days += (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)) ? 366u : 365u;
    days += before_month[(month - 1) % 12];
    int leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    if (leap && month > 2) days++;
    return days + day - 1;
}

/* Reads the clock; returns seconds since the epoch, or 0 if the clock never settled. */
static uint64_t rtc_epoch(void) {
    struct rtc_reading a, b;
    if (wait_update_done() != 0) return 0;
    read_raw(&a);
    for (int tries = 0; tries < 10; tries++) {
        if (wait_update_done() != 0) return 0;
        read_raw(&b);
        if (same(&a, &b)) break;
        a = b;
    }
    uint8_t status_b = cmos_read(0x0B);
    int binary = (status_b & STATUS_B_BINARY) != 0;
    int pm = !(status_b & STATUS_B_24H) && (a.hour & 0x80);
    uint8_t hour_raw = (uint8_t)(status_b & STATUS_B_24H ? a.hour : (a.hour & 0x7F));
    unsigned second = binary ? a.second : from_bcd(a.second);
    unsigned minute = binary ? a.minute : from_bcd(a.minute);
    unsigned hour = binary ? hour_raw : from_bcd(hour_raw);
    unsigned day = binary ? a.day : from_bcd(a.day);
    unsigned month = binary ? a.month : from_bcd(a.month);
    unsigned year = binary ? a.year : from_bcd(a.year);
    unsigned century = binary ? a.century : from_bcd(a.century);
    if (!(status_b & STATUS_B_24H)) hour = hour % 12 + (pm ? 12 : 0); /* 12 AM = 0, 12 PM = 12 */
    year += (century >= 19 && century <= 30 ? century : 20) * 100;
    return days_since_epoch(year, month, day) * 86400u + hour * 3600u + minute * 60u + second;
}

/* The value of "now=" in `cmdline`, or 0. */
static uint64_t cmdline_now(const char* cmdline) {
    if (!cmdline) return 0;
    for (const char* p = cmdline; *p; p++) {
        if (p[0] == 'n' && p[1] == 'o' && p[2] == 'w' && p[3] == '=') {
            uint64_t v = 0;
            for (p += 4; *p >= '0' && *p <= '9'; p++) v = v * 10 + (uint64_t)(*p - '0');
            return v;
        }
    }
    return 0;
}

static void finish(unsigned code) {
    svm_hypercall(SVM_HC_EXIT, code, 0, 0, 0);
    outb(0xF4, (uint8_t)code); /* QEMU isa-debug-exit */
    halt_forever();
}

static void run(const char* cmdline) {
    console_use(CONSOLE_COM1);
    uint8_t status_b = cmos_read(0x0B);
    kprintf("rtc: status a 0x%02x b 0x%02x d 0x%02x\n", cmos_read(0x0A), status_b,
            cmos_read(0x0D));
    uint64_t first = rtc_epoch();
    check_that("rtc settles", first != 0, "UIP never cleared", "a reading");
    kprintf("rtc: epoch %llu\n", (unsigned long long)first);

    cmos_write(0x0B, (uint8_t)((status_b | STATUS_B_BINARY) & ~STATUS_B_24H));
    uint64_t second = rtc_epoch();
    cmos_write(0x0B, status_b);
    kprintf("rtc: binary 12-hour epoch %llu\n", (unsigned long long)second);
    check_that("rtc binary 12-hour agrees", second >= first && second - first <= 2, "differs",
               "within 2 s");

    uint64_t now = cmdline_now(cmdline);
    if (now) {
        uint64_t diff = first > now ? first - now : now - first;
        kprintf("rtc: host %llu, difference %llu s\n", (unsigned long long)now,
                (unsigned long long)diff);
        check_that("rtc matches host", diff <= 5, "more than 5 s apart", "within 5 s");
    }
    check_eq("rtc status d valid", cmos_read(0x0D) & 0x80, 0x80);
    if (check_failures()) {
        kputs("FAILURE\n");
        finish(CHECK_FAILURE_EXIT);
    }
    kputs("SUCCESS\n");
    finish(0);
}

#if defined(__x86_64__)
void kmain(const struct svm_machine* m) {
    run(m && m->cmdline ? (const char*)(uintptr_t)m->cmdline : 0);
}
#else
struct mb1_info {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline;
};
void kernel_main(uint32_t magic, const struct mb1_info* mbi, const void* machine) {
    (void)machine;
    int has_cmdline = magic == 0x2BADB002u && (mbi->flags & 0x4u);
    run(has_cmdline ? (const char*)(uintptr_t)mbi->cmdline : 0);
}
#endif
