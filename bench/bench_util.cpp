#include "bench/bench_util.h"

#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>
#include <vector>

#include "core/unique_fd.h"

namespace svm::bench {

Result<void> pin_to_cpu(int cpu, std::string_view tool) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        return error("{}: cannot pin to CPU {}: {}", tool, cpu, std::strerror(errno));
    fmt::print("{}: pinned to CPU {}\n", tool, cpu);
    return {};
}

Result<std::string> write_temp_file(std::span<const uint8_t> bytes, std::string_view name,
                                    std::string_view suffix) {
    std::string pattern = fmt::format("/tmp/svm-bench-{}-XXXXXX{}", name, suffix);
    std::vector<char> path(pattern.begin(), pattern.end());
    path.push_back('\0');
    int fd = mkstemps(path.data(), static_cast<int>(suffix.size()));
    if (fd < 0) return error("cannot create a temporary file: {}", std::strerror(errno));
    UniqueFd owner(fd);
    if (::write(fd, bytes.data(), bytes.size()) != static_cast<ssize_t>(bytes.size()))
        return error("cannot write {}: {}", path.data(), std::strerror(errno));
    return std::string(path.data());
}

std::optional<std::string> find_in_path(const std::string& name) {
    if (name.find('/') != std::string::npos) return name;
    const char* path = std::getenv("PATH");
    if (!path) return std::nullopt;
    std::stringstream dirs(path);
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
        if (access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    return std::nullopt;
}

}  // namespace svm::bench
