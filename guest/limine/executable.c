/*
 * Where the executable is (PROTOCOL.md "Executable Address Feature", "Memory Layout at Entry"):
 * at its linked addresses, physically contiguous with one uniform virtual-to-physical offset,
 * which a walk of the page tables from CR3 must confirm page by page.
 */
#include "limine/limine_guest.h"

void check_executable(void) {
    const struct svm_limine_executable_address_response* r =
        RESPONSE(struct svm_limine_executable_address_response, req_executable_address);
    if (!check(r != 0, "executable address response present")) return;
    uint64_t start = (uint64_t)(uintptr_t)__limine_image_start;
    uint64_t size = ((uint64_t)(uintptr_t)__limine_image_end - start + 4095) & ~4095ull;
    check_eq("executable virtual_base", r->virtual_base, start);
    check(r->physical_base % 4096 == 0, "executable physical_base 0x%llx is 4 KiB aligned",
          (unsigned long long)r->physical_base);
    int64_t bad = maps_linearly(start, r->physical_base, size);
    check(bad < 0,
          "executable: CR3 walk maps all 0x%llx bytes to physical_base + offset (first bad "
          "offset %lld)",
          (unsigned long long)size, (long long)bad);
    check(memmap_covers(r->physical_base, size, 1u << SVM_LIMINE_MEMMAP_EXECUTABLE_AND_MODULES),
          "executable: image in an executable-and-modules entry");
}
