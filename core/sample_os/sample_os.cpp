#include "core/sample_os/sample_os.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/write_all.h"

// The bytes, from the assembly file cmake/SampleOs.cmake generates (.incbin), or empty.
extern "C" {
extern const uint8_t svm_sample_os_kernel_start[];
extern const uint8_t svm_sample_os_kernel_end[];
extern const uint8_t svm_sample_os_disk_start[];
extern const uint8_t svm_sample_os_disk_end[];
}

namespace svm {
namespace {

// An in-memory file holding `bytes`, named `name` in /proc/PID/fd links. Returns its path,
// /proc/PID/fd/N with svm's own PID rather than /proc/self: the path is also the exec file svm
// names to gdb (qXfer:exec-file), and a gdb on the same machine with `set sysroot /` opens it
// itself, where /proc/self would be gdb's own process.
Result<std::string> memory_file(const char* name, std::span<const uint8_t> bytes) {
    const int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0) return error("cannot create the sample OS's {}: {}", name, std::strerror(errno));
    const std::string_view text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    if (const int e = write_all(fd, text); e != 0) {
        close(fd);
        return error("cannot write the sample OS's {}: {}", name, std::strerror(e));
    }
    // Never closed: svm opens the path (again) when it builds the machine, and after --reboot.
    return "/proc/" + std::to_string(getpid()) + "/fd/" + std::to_string(fd);
}

}  // namespace

std::span<const uint8_t> sample_os_kernel() {
    return {svm_sample_os_kernel_start, svm_sample_os_kernel_end};
}

std::span<const uint8_t> sample_os_disk() {
    return {svm_sample_os_disk_start, svm_sample_os_disk_end};
}

Result<SampleOsFiles> sample_os_files() {
    SampleOsFiles files;
    files.kernel = TRY(memory_file("svm-sample-os.elf", sample_os_kernel()));
    if (!sample_os_disk().empty())
        files.disk = TRY(memory_file("svm-sample-os-disk.img", sample_os_disk()));
    return files;
}

}  // namespace svm
