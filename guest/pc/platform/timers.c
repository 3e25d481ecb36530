/*
 * timers.elf: calibrates the HPET (IA-PC HPET Specification 1.0a) against the ACPI PM timer
 * (3.579545 MHz at port 0x608, ACPI 6.4, 4.8.3.3): counts HPET ticks across PM_TICKS PM-timer
 * ticks and prints the ratio (x1000). With a 100 MHz HPET the expected ratio is
 * 100000000 / 3579545 = 27.936; the check allows +-20 % (nested hosts are slow, not inexact:
 * both clocks follow host time). Multiboot 1, 32-bit, COM1 console, no interrupts.
 */
#include <stdint.h>

#include "lib/check.h"
#include "lib/console.h"
#include "lib/io.h"
#include "pc/platform/platform.h"

#define PM_TIMER 0x608
#define HPET_BASE 0xFED00000u
#define HPET_CAP_LOW 0x000
#define HPET_CAP_HIGH 0x004
#define HPET_CONF 0x010
#define HPET_COUNTER_LOW 0x0F0
#define PM_TICKS 35795u /* 10 ms */
#define EXPECTED_X1000 27936u

static uint32_t pm_now(void) {
    return inl(PM_TIMER) & 0xFFFFFFu;
}

void kernel_main(void) {
    console_use(CONSOLE_COM1);
    kputs("timers: calibrating the HPET against the ACPI PM timer\n");

    uint32_t cap = mmio_read32(HPET_BASE + HPET_CAP_LOW);
    uint32_t period_fs = mmio_read32(HPET_BASE + HPET_CAP_HIGH);
    kprintf("hpet: vendor 0x%x, %u timers, period %u fs\n", cap >> 16, ((cap >> 8) & 0x1F) + 1,
            period_fs);
    check_eq("hpet rev", cap & 0xFF, 1);
    check_that("hpet timers", ((cap >> 8) & 0x1F) + 1 >= 3, "fewer", "at least 3");
    check_that("hpet legacy capable", (cap & (1u << 15)) != 0, "no", "LEG_RT_CAP");
    check_eq_dec("hpet period fs", period_fs, 10000000);

    /* Enable the main counter (GEN_CONF.ENABLE_CNF). */
    mmio_write32(HPET_BASE + HPET_CONF, mmio_read32(HPET_BASE + HPET_CONF) | 1u);

    /* The PM timer is 24 bits wide and moves. */
    uint32_t raw = inl(PM_TIMER);
    check_eq("pm timer 24 bits", raw >> 24, 0);

    /* Start on a PM-timer edge, then count HPET ticks across PM_TICKS ticks. */
    uint32_t p0 = pm_now(), p;
    while ((p = pm_now()) == p0) {
    }
    uint32_t h0 = mmio_read32(HPET_BASE + HPET_COUNTER_LOW);
    uint32_t elapsed;
    do {
        elapsed = (pm_now() - p) & 0xFFFFFFu;
    } while (elapsed < PM_TICKS);
    uint32_t h1 = mmio_read32(HPET_BASE + HPET_COUNTER_LOW);
    uint32_t hpet_ticks = h1 - h0;
    /* 32-bit arithmetic only (no libgcc): the remainder times 1000 fits while elapsed < 4.2
     * million PM ticks (1.2 s); a host that stalls the guest longer than that fails the check. */
    uint32_t ratio_x1000 =
        elapsed < 4000000u ? hpet_ticks / elapsed * 1000u + (hpet_ticks % elapsed) * 1000u / elapsed
                           : 0xFFFFFFFFu;
    kprintf("timers: %u hpet ticks in %u pm ticks, ratio x1000 = %u (expected %u)\n", hpet_ticks,
            elapsed, ratio_x1000, EXPECTED_X1000);
    check_that("hpet counter moves", hpet_ticks > 0, "0", "> 0");
    check_that("hpet/pm ratio",
               ratio_x1000 >= EXPECTED_X1000 * 8 / 10 && ratio_x1000 <= EXPECTED_X1000 * 12 / 10,
               "outside", "27936 +- 20%");
    platform_finish();
}
