#include "monitored_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace svm::test {

MonitoredProcess::MonitoredProcess(const std::vector<std::string>& argv, Options options) {
    char err_template[] = "/tmp/svm-soak-err-XXXXXX";
    int err_fd = mkstemp(err_template);
    if (err_fd < 0) std::abort();
    err_path_ = err_template;
    int out_pipe[2] = {-1, -1};
    if (options.out != Stdout::DevNull && pipe2(out_pipe, O_CLOEXEC) != 0) std::abort();
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_ = fork();
    if (pid_ < 0) std::abort();
    if (pid_ == 0) {
        int null_fd = open("/dev/null", O_RDWR);
        dup2(null_fd, 0);
        dup2(options.out == Stdout::DevNull ? null_fd : out_pipe[1], 1);
        dup2(err_fd, 2);
        if (options.max_open_files) {
            rlimit limit{*options.max_open_files, *options.max_open_files};
            setrlimit(RLIMIT_NOFILE, &limit);
        }
        execv(args[0], args.data());
        _exit(127);
    }
    close(err_fd);
    if (options.out == Stdout::DevNull) return;
    close(out_pipe[1]);
    if (options.out == Stdout::Stalled) {
        stalled_pipe_ = out_pipe[0];
        return;
    }
    drain_ = std::thread([this, fd = out_pipe[0]] {
        char buf[65536];
        while (!stop_drain_ && read(fd, buf, sizeof buf) > 0) {
        }
        close(fd);
    });
}

MonitoredProcess::~MonitoredProcess() {
    if (!reaped_) {
        kill(pid_, SIGKILL);
        waitpid(pid_, nullptr, 0);
    }
    if (stalled_pipe_ >= 0) close(stalled_pipe_);
    stop_drain_ = true;
    if (drain_.joinable()) drain_.join();
    unlink(err_path_.c_str());
}

uint64_t MonitoredProcess::rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmRSS:", 0) == 0) return std::strtoull(line.c_str() + 6, nullptr, 10);
    return 0;
}

int MonitoredProcess::open_fds() const {
    DIR* dir = opendir(("/proc/" + std::to_string(pid_) + "/fd").c_str());
    if (!dir) return -1;
    int n = 0;
    while (dirent* e = readdir(dir))
        if (e->d_name[0] != '.') ++n;
    closedir(dir);
    return n;
}

double MonitoredProcess::cpu_seconds() const {
    std::ifstream stat("/proc/" + std::to_string(pid_) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    // Fields after the command name (which may hold spaces) start after the last ')'.
    auto close_paren = text.rfind(')');
    if (close_paren == std::string::npos) return 0;
    std::istringstream fields(text.substr(close_paren + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; fields >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) {
            stime = std::stoull(field);
            break;
        }
    }
    return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

void MonitoredProcess::signal(int sig) const {
    if (!reaped_) kill(pid_, sig);
}

std::optional<int> MonitoredProcess::wait_exit(double seconds) {
    if (reaped_) return exit_code_;
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    for (;;) {
        int status = 0;
        pid_t r = waitpid(pid_, &status, WNOHANG);
        if (r == pid_) {
            reaped_ = true;
            exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            return exit_code_;
        }
        if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
        usleep(10000);
    }
}

std::string MonitoredProcess::err() const {
    std::ifstream in(err_path_);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void ResourceWatch::sample(const MonitoredProcess& p) {
    uint64_t rss = p.rss_kib();
    int fds = p.open_fds();
    if (first_fds < 0) {
        first_rss_kib = rss;
        first_fds = fds;
    }
    peak_rss_kib = std::max(peak_rss_kib, rss);
    if (fds >= 0) last_fds = fds;
}

int free_local_port() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd < 0 || bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0)
        std::abort();
    close(fd);
    return ntohs(addr.sin_port);
}

}  // namespace svm::test
