// svm's diagnostic log on stderr. Levels: error (always), info (always), verbose (-v), debug (-vv).
#pragma once

#include <fmt/format.h>

#include <atomic>
#include <cstdio>

namespace svm::log {

enum class Level { Error = 0, Info = 1, Verbose = 2, Debug = 3 };

// The current level; set once from the command line before any vCPU runs.
inline std::atomic<Level> g_level{Level::Info};

inline bool enabled(Level level) {
    return level <= g_level.load(std::memory_order_relaxed);
}

// Writes one line "svm: <message>\n" to stderr in a single call so lines from threads never mix.
template <typename... Args>
void print(Level level, fmt::format_string<Args...> format, Args&&... args) {
    if (!enabled(level)) return;
    auto line = fmt::format("svm: {}\n", fmt::format(format, std::forward<Args>(args)...));
    std::fwrite(line.data(), 1, line.size(), stderr);
}

template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... a) {
    print(Level::Error, f, std::forward<Args>(a)...);
}
template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... a) {
    print(Level::Info, f, std::forward<Args>(a)...);
}
template <typename... Args>
void verbose(fmt::format_string<Args...> f, Args&&... a) {
    print(Level::Verbose, f, std::forward<Args>(a)...);
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... a) {
    print(Level::Debug, f, std::forward<Args>(a)...);
}

}  // namespace svm::log
