/*
 * The framebuffer (PROTOCOL.md "Framebuffer Feature", response revision 1 with video modes):
 * every field svm promises, its memory map entry and HHDM mapping, then limine_pattern.h's
 * picture, which tests/kvm/limine_test.cpp compares with svm's --screenshot.
 */
#include "limine/limine_guest.h"
#include "limine/limine_pattern.h"

static int same_mode(const struct svm_limine_video_mode* m,
                     const struct svm_limine_framebuffer* fb) {
    return m->width == fb->width && m->height == fb->height && m->pitch == fb->pitch &&
           m->bpp == fb->bpp && m->memory_model == fb->memory_model;
}

static void draw(const struct svm_limine_framebuffer* fb) {
    uint8_t* base = (uint8_t*)(uintptr_t)fb->address;
    for (uint32_t y = 0; y < fb->height; ++y) {
        uint32_t* row = (uint32_t*)(base + y * fb->pitch);
        uint32_t x = 0;
        if (y < LIMINE_PATTERN_BLOCK)
            for (; x < LIMINE_PATTERN_BLOCK; ++x)
                row[x] = limine_pattern_rgb(x, y, (uint32_t)fb->height);
        uint32_t* dst = row + x;
        uint64_t count = fb->width - x;
        __asm__ volatile("rep stosl"
                         : "+D"(dst), "+c"(count)
                         : "a"(limine_pattern_row(y, (uint32_t)fb->height))
                         : "memory");
    }
}

void check_framebuffer(void) {
    const struct svm_limine_framebuffer_response* r =
        RESPONSE(struct svm_limine_framebuffer_response, req_framebuffer);
    if (!check(r != 0, "framebuffer response present")) return;
    check_eq("framebuffer response revision", r->revision, 1);
    if (!check_eq("framebuffer count", r->framebuffer_count, 1)) return;
    const struct svm_limine_framebuffer* fb =
        (const struct svm_limine_framebuffer*)(uintptr_t)((const uint64_t*)(uintptr_t)
                                                              r->framebuffers)[0];
    int geometry = fb->width == 1024 && fb->height == 768 && fb->bpp == 32 && fb->pitch == 4096;
    check(geometry, "framebuffer: %llux%llux%u pitch %llu", (unsigned long long)fb->width,
          (unsigned long long)fb->height, fb->bpp, (unsigned long long)fb->pitch);
    check(fb->memory_model == SVM_LIMINE_FRAMEBUFFER_RGB && fb->red_mask_size == 8 &&
              fb->red_mask_shift == 16 && fb->green_mask_size == 8 && fb->green_mask_shift == 8 &&
              fb->blue_mask_size == 8 && fb->blue_mask_shift == 0,
          "framebuffer: RGB, red 8@%u green 8@%u blue 8@%u", fb->red_mask_shift,
          fb->green_mask_shift, fb->blue_mask_shift);
    check_eq("framebuffer address", fb->address, guest.hhdm + LIMINE_FB_PHYS);
    check(fb->edid == 0 && fb->edid_size == 0, "framebuffer: no EDID");
    unsigned current = 0;
    const uint64_t* modes = (const uint64_t*)(uintptr_t)fb->modes;
    for (uint64_t i = 0; i < fb->mode_count; ++i)
        current += same_mode((const struct svm_limine_video_mode*)(uintptr_t)modes[i], fb);
    check(fb->mode_count > 0 && current > 0, "framebuffer: %llu modes, the current one among them",
          (unsigned long long)fb->mode_count);
    uint64_t bytes = fb->pitch * fb->height;
    check(memmap_covers(LIMINE_FB_PHYS, bytes, 1u << SVM_LIMINE_MEMMAP_FRAMEBUFFER),
          "framebuffer: memory map type 7 covers 0x%llx+0x%llx", (unsigned long long)LIMINE_FB_PHYS,
          (unsigned long long)bytes);
    int64_t bad = maps_linearly(fb->address, LIMINE_FB_PHYS, bytes);
    check(bad < 0, "framebuffer: HHDM maps all of it (first bad offset %lld)", (long long)bad);
    if (!geometry || bad >= 0) return;
    draw(fb);
    check(1, "framebuffer: pattern drawn");
}
