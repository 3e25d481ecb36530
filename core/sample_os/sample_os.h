// svm's built-in default guest: the sample OS (guest/os/) and its disk image, embedded into the
// svm binary at build time (cmake/SampleOs.cmake), so `svm` with no kernel boots it with nothing
// installed next to svm.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "core/result.h"

namespace svm {

// The sample OS's ELF file as built with this svm, or empty if svm was built without its guests
// (SVM_BUILD_GUESTS=OFF).
std::span<const uint8_t> sample_os_kernel();
// Its read-only disk image (a USTAR archive of guest/os/disk/), or empty if there is none.
std::span<const uint8_t> sample_os_disk();

// The embedded files as paths svm can open like any other: anonymous in-memory files
// (memfd_create(2)) named /proc/PID/fd/N (svm's PID), alive until svm exits. `disk` is empty without a
// disk image. Returns an error naming errno if a file cannot be created or written.
struct SampleOsFiles {
    std::string kernel;
    std::string disk;
};
Result<SampleOsFiles> sample_os_files();

}  // namespace svm
