#include "core/kvm/host_kind.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace svm {

namespace {

// True if a "flags" line of /proc/cpuinfo lists `flag` as a whole word.
bool has_cpu_flag(std::string_view cpuinfo, std::string_view flag) {
    size_t pos = 0;
    while ((pos = cpuinfo.find("\nflags", pos)) != std::string_view::npos) {
        size_t end = cpuinfo.find('\n', pos + 1);
        std::string_view line =
            cpuinfo.substr(pos, end == std::string_view::npos ? end : end - pos);
        size_t colon = line.find(':');
        if (colon != std::string_view::npos) {
            std::string_view flags = line.substr(colon + 1);
            size_t at = 0;
            while ((at = flags.find(flag, at)) != std::string_view::npos) {
                bool start = at == 0 || flags[at - 1] == ' ';
                bool stop = at + flag.size() == flags.size() || flags[at + flag.size()] == ' ';
                if (start && stop) return true;
                at += flag.size();
            }
        }
        pos += 1;
    }
    return false;
}

}  // namespace

HostKvm classify_host_kvm(bool kvm_pvm_loaded, std::string_view cpuinfo) {
    if (kvm_pvm_loaded) return HostKvm::Pvm;
    if (cpuinfo.empty()) return HostKvm::Unknown;
    std::string text = "\n" + std::string(cpuinfo);
    return has_cpu_flag(text, "vmx") || has_cpu_flag(text, "svm") ? HostKvm::Hardware
                                                                  : HostKvm::Unknown;
}

HostKvm detect_host_kvm() {
    static const HostKvm kind = [] {
        std::error_code ec;
        bool pvm = std::filesystem::exists("/sys/module/kvm_pvm", ec);
        std::ifstream in("/proc/cpuinfo");
        std::string cpuinfo((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        return classify_host_kvm(pvm, cpuinfo);
    }();
    return kind;
}

}  // namespace svm
