// Runs one gdb-scripts/*.gdb script with the system's stock `gdb -batch` against svm booting a
// guest, and checks the transcript. The script's header says how:
//
//   # svm: --cmdline x {guest}/higherhalf.elf      svm's arguments ({guest} = the guest build dir)
//   # expect: REGEX                                 must appear in gdb's output, in this order
//   # reject: REGEX                                 must not appear anywhere
//   # exit: N                                       svm's exit code (default: not checked)
//   # interrupt-after: REGEX                        send SIGINT to gdb (as Ctrl-C would) once REGEX
//                                                   has appeared in gdb's or svm's output
//   # svm-expect: REGEX                             must appear in svm's output (the guest console)
//   # wait-for: REGEX                               start gdb only once svm's output shows REGEX
//                                                   (with --gdb-nowait: the guest runs meanwhile)
//   # garbage-first: yes                            before gdb, a client sends garbage, bad
//                                                   checksums and a huge packet, and disconnects
//                                                   mid-packet; svm must then serve gdb normally
//   # disk: BYTES                                   a zero-filled scratch file of BYTES bytes
//                                                   that {disk} in svm's arguments names
//                                                   (removed afterwards)
//   # type-after: REGEX => TEXT                     once svm's output shows REGEX, write TEXT
//                                                   and a newline to svm's standard input (the
//                                                   guest's COM1), as a user would type it; in
//                                                   the order given, each once. Without this
//                                                   directive svm's standard input is /dev/null
//   # --- next gdb ---                              the commands after it run in a second gdb
//                                                   that attaches to the same svm
// {guest} is replaced in the commands too, {source} by the source tree (the directory above the
// script's own) and {tmp} by a directory of this run's own (created empty, removed afterwards).
//
// svm listens on 127.0.0.1 with a port the kernel picks (--gdb 127.0.0.1:0); the runner reads it
// from svm's "waiting for gdb on ..." line. Exit status 0 = pass; otherwise the reason and both
// transcripts are printed. Usage: gdb_script_runner SVM GUEST_DIR SCRIPT
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;

struct Script {
    std::vector<std::string> svm_args;
    uint64_t disk_bytes = 0;
    std::vector<std::string> expect;
    std::vector<std::string> reject;
    std::optional<int> exit_code;
    std::optional<std::string> interrupt_after;
    std::vector<std::string> svm_expect;
    bool garbage_first = false;
    std::optional<std::string> wait_for;
    struct Typing {
        std::string after;  // a regex on svm's output
        std::string text;   // written with a newline
    };
    std::vector<Typing> typing;
    std::vector<std::string> sessions;  // the gdb command files' contents
};

std::vector<std::string> split_words(const std::string& s) {
    // Words separated by spaces; "double quotes" group.
    std::vector<std::string> words;
    std::string cur;
    bool quoted = false, have = false;
    for (char c : s) {
        if (c == '"') {
            quoted = !quoted;
            have = true;
        } else if (c == ' ' && !quoted) {
            if (have) words.push_back(cur);
            cur.clear();
            have = false;
        } else {
            cur += c;
            have = true;
        }
    }
    if (have) words.push_back(cur);
    return words;
}

// Replaces every `placeholder` in `text` by `value`.
void substitute(std::string& text, const std::string& placeholder, const std::string& value) {
    for (size_t p = 0; (p = text.find(placeholder, p)) != std::string::npos; p += value.size())
        text.replace(p, placeholder.size(), value);
}

Script parse(const std::string& path, const std::string& guest_dir, const std::string& tmp) {
    Script s;
    // The source tree: the directory holding gdb-scripts/.
    std::string source = path.substr(0, path.rfind('/') == std::string::npos ? 0 : path.rfind('/'));
    source = source.empty() ? ".." : source + "/..";
    std::ifstream in(path);
    std::string line, session;
    auto directive = [&](const std::string& name, std::string& value) {
        std::string prefix = "# " + name + ":";
        if (line.rfind(prefix, 0) != 0) return false;
        value = line.substr(prefix.size());
        while (!value.empty() && value.front() == ' ') value.erase(0, 1);
        return true;
    };
    while (std::getline(in, line)) {
        std::string v;
        if (directive("svm", v)) {
            for (auto w : split_words(v)) {
                substitute(w, "{guest}", guest_dir);
                substitute(w, "{source}", source);
                substitute(w, "{tmp}", tmp);
                s.svm_args.push_back(w);
            }
        } else if (directive("disk", v)) {
            s.disk_bytes = std::stoull(v);
        } else if (directive("expect", v)) {
            s.expect.push_back(v);
        } else if (directive("reject", v)) {
            s.reject.push_back(v);
        } else if (directive("exit", v)) {
            s.exit_code = std::stoi(v);
        } else if (directive("svm-expect", v)) {
            s.svm_expect.push_back(v);
        } else if (directive("wait-for", v)) {
            s.wait_for = v;
        } else if (directive("garbage-first", v)) {
            s.garbage_first = v == "yes";
        } else if (directive("type-after", v)) {
            const size_t arrow = v.find(" => ");
            if (arrow == std::string::npos) {
                std::cerr << path << ": '# type-after:' needs 'REGEX => TEXT'\n";
                exit(2);
            }
            s.typing.push_back({v.substr(0, arrow), v.substr(arrow + 4)});
        } else if (directive("interrupt-after", v)) {
            s.interrupt_after = v;
        } else if (line.rfind("# --- next gdb ---", 0) == 0) {
            s.sessions.push_back(session);
            session.clear();
        } else {
            substitute(line, "{guest}", guest_dir);
            substitute(line, "{source}", source);
            substitute(line, "{tmp}", tmp);
            session += line + "\n";
        }
    }
    s.sessions.push_back(session);
    return s;
}

struct Child {
    pid_t pid = -1;
    int out = -1;  // stdout and stderr together
    int in = -1;   // its standard input, if started with a pipe there
    std::string text;

    // Starts argv with stdout and stderr into `out`, and standard input from /dev/null or, if
    // `input_pipe`, from a pipe written through `in`.
    bool start(const std::vector<std::string>& argv, bool input_pipe = false) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) return false;
        int devnull = -1;
        if (input_pipe) {
            int in_fds[2];
            if (pipe2(in_fds, O_CLOEXEC) != 0) return false;
            devnull = in_fds[0];
            in = in_fds[1];
        } else {
            devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        }
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, devnull, 0);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        close(devnull);
        out = fds[0];
        return rc == 0;
    }

    // Reads what is available within `ms`; returns false at end of output.
    bool pump(int ms) {
        if (out < 0) return false;
        pollfd p{out, POLLIN, 0};
        if (poll(&p, 1, ms) <= 0) return true;
        char buf[4096];
        ssize_t n = read(out, buf, sizeof buf);
        if (n <= 0) {
            close(out);
            out = -1;
            return false;
        }
        text.append(buf, static_cast<size_t>(n));
        return true;
    }

    // Waits for exit (reading output); kills the child after `seconds`. Returns the exit code,
    // 128 + signal if killed, or -1 on timeout.
    int wait(double seconds) {
        auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<int>(seconds * 1000));
        int status = 0;
        for (;;) {
            pid_t r = waitpid(pid, &status, WNOHANG);
            if (r == pid) break;
            if (Clock::now() > deadline) {
                kill(pid, SIGKILL);
                waitpid(pid, &status, 0);
                while (pump(50)) {
                }
                return -1;
            }
            if (!pump(50)) usleep(10000);
        }
        while (pump(50)) {
        }
        pid = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }

    ~Child() {
        if (pid > 0) {
            kill(pid, SIGKILL);
            waitpid(pid, nullptr, 0);
        }
        if (out >= 0) close(out);
        if (in >= 0) close(in);
    }
};

// Types the script's `# type-after:` lines into svm's standard input as their regexes appear in
// its output, each once, in order.
struct Typist {
    const std::vector<Script::Typing>& typing;
    size_t next = 0;

    void poll(Child& svm) {
        while (next < typing.size() && svm.in >= 0 &&
               std::regex_search(svm.text, std::regex(typing[next].after))) {
            const std::string line = typing[next].text + "\n";
            [[maybe_unused]] ssize_t n = write(svm.in, line.data(), line.size());
            ++next;
        }
    }
};

// A hostile client: garbage, a bad checksum, an overlong packet, then a disconnect in the middle
// of a packet. Returns what svm answered.
std::string send_garbage(const std::string& address) {
    auto colon = address.rfind(':');
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(std::stoi(address.substr(colon + 1))));
    inet_pton(AF_INET, address.substr(0, colon).c_str(), &sa.sin_addr);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
        if (fd >= 0) close(fd);
        return "";
    }
    using namespace std::string_literals;
    std::string garbage = "hello\xff\x00\x01$qSupported#00$m0,zz#00$#00+-+-"s;
    garbage += "$" + std::string(300000, 'A') + "#41";
    garbage += "$g#67$m100000,10";  // a good packet, then one cut off mid-packet
    [[maybe_unused]] ssize_t n = write(fd, garbage.data(), garbage.size());
    std::string reply;
    pollfd p{fd, POLLIN, 0};
    char buf[4096];
    while (poll(&p, 1, 500) > 0) {
        ssize_t r = read(fd, buf, sizeof buf);
        if (r <= 0) break;
        reply.append(buf, static_cast<size_t>(r));
    }
    close(fd);
    return reply;
}

int fail(const std::string& why, const Child& svm, const std::string& gdb_text) {
    std::cout << "FAIL: " << why << "\n--- gdb transcript:\n"
              << gdb_text << "\n--- svm output:\n"
              << svm.text << "\n";
    return 1;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: gdb_script_runner SVM GUEST_DIR SCRIPT\n";
        return 2;
    }
    if (access("/dev/kvm", R_OK | W_OK) != 0) {
        const char* skip = getenv("SVM_SKIP_KVM_TESTS");
        if (skip && std::string(skip) == "1") {
            std::cout << "SKIP: /dev/kvm is not usable and SVM_SKIP_KVM_TESTS=1\n";
            return 77;
        }
        std::cout << "FAIL: /dev/kvm is missing or not accessible; the gdb tests need it (set "
                     "SVM_SKIP_KVM_TESTS=1 to skip them explicitly)\n";
        return 1;
    }
    signal(SIGPIPE, SIG_IGN);  // typing into an svm that has already ended is not fatal
    const std::string svm_path = argv[1], guest_dir = argv[2], script_path = argv[3];
    // {tmp}: removed with everything in it when main returns.
    char tmp_template[] = "/tmp/svm-gdb-run-XXXXXX";
    if (!mkdtemp(tmp_template)) {
        std::cout << "FAIL: cannot create a temporary directory\n";
        return 1;
    }
    const std::string tmp_dir = tmp_template;
    std::unique_ptr<void, std::function<void(void*)>> remove_tmp(
        tmp_template, [&](void*) { std::filesystem::remove_all(tmp_dir); });
    Script script = parse(script_path, guest_dir, tmp_dir);

    // The scratch disk, if the script asks for one; removed when main returns.
    std::string disk_path;
    std::unique_ptr<void, std::function<void(void*)>> remove_disk(nullptr, [&](void*) {
        if (!disk_path.empty()) unlink(disk_path.c_str());
    });
    if (script.disk_bytes > 0) {
        char name[] = "/tmp/svm-gdb-disk-XXXXXX";
        const int fd = mkstemp(name);
        if (fd < 0 || ftruncate(fd, static_cast<off_t>(script.disk_bytes)) != 0) {
            std::cout << "FAIL: cannot create the scratch disk\n";
            return 1;
        }
        close(fd);
        disk_path = name;
        remove_disk.reset(name);
        for (auto& arg : script.svm_args)
            for (size_t p; (p = arg.find("{disk}")) != std::string::npos;)
                arg.replace(p, 6, disk_path);
    }

    Child svm;
    std::vector<std::string> svm_argv{svm_path, "--gdb", "127.0.0.1:0"};
    svm_argv.insert(svm_argv.end(), script.svm_args.begin(), script.svm_args.end());
    if (!svm.start(svm_argv, !script.typing.empty())) return fail("cannot start svm", svm, "");
    Typist typist{script.typing};
    std::smatch m;
    const std::regex listening(
        "(waiting for gdb on|gdb server listening on) (127\\.0\\.0\\.1:[0-9]+)");
    auto deadline = Clock::now() + std::chrono::seconds(20);
    while (!std::regex_search(svm.text, m, listening)) {
        if (Clock::now() > deadline || !svm.pump(100))
            return fail("svm did not say where it listens", svm, "");
    }
    const std::string address = m[2];

    if (script.wait_for) {
        const std::regex wanted(*script.wait_for);
        auto until = Clock::now() + std::chrono::seconds(30);
        while (!std::regex_search(svm.text, wanted)) {
            typist.poll(svm);
            if (Clock::now() > until || !svm.pump(100))
                return fail("svm's output never showed /" + *script.wait_for + "/", svm, "");
        }
        usleep(200000);
    }
    std::string gdb_text;
    if (script.garbage_first) {
        std::string reply = send_garbage(address);
        // The bad checksums were refused with '-' and the good 'g' still got its reply.
        if (reply.find('-') == std::string::npos || reply.find("$") == std::string::npos)
            return fail(
                "svm did not answer the hostile client as expected: '" + reply.substr(0, 200) + "'",
                svm, "");
        gdb_text += "garbage client answered: " + std::to_string(reply.size()) + " bytes\n";
    }
    for (size_t i = 0; i < script.sessions.size(); ++i) {
        std::string cmd_file =
            "/tmp/svm-gdb-" + std::to_string(getpid()) + "-" + std::to_string(i) + ".gdb";
        std::ofstream(cmd_file) << script.sessions[i];
        Child gdb;
        if (!gdb.start({"gdb", "-nx", "-batch", "-ex", "set pagination off", "-ex",
                        "set confirm off", "-ex", "target remote " + address, "-x", cmd_file}))
            return fail("cannot start gdb", svm, gdb_text);
        bool interrupted = false;
        auto gdb_deadline = Clock::now() + std::chrono::seconds(120);
        while (gdb.pump(50)) {
            svm.pump(0);
            typist.poll(svm);
            if (script.interrupt_after && !interrupted &&
                (std::regex_search(gdb.text, std::regex(*script.interrupt_after)) ||
                 std::regex_search(svm.text, std::regex(*script.interrupt_after)))) {
                usleep(300000);  // let the guest run a little
                kill(gdb.pid, SIGINT);
                interrupted = true;
            }
            if (Clock::now() > gdb_deadline) break;
        }
        int gdb_status = gdb.wait(10);
        unlink(cmd_file.c_str());
        gdb_text += gdb.text;
        if (gdb_status == -1) return fail("gdb did not finish", svm, gdb_text);
        usleep(100000);
        svm.pump(0);
    }

    int svm_status = svm.wait(script.exit_code ? 20 : 0.5);
    size_t pos = 0;
    for (const auto& e : script.expect) {
        std::smatch found;
        std::string rest = gdb_text.substr(pos);
        if (!std::regex_search(rest, found, std::regex(e)))
            return fail("expected (in order) /" + e + "/", svm, gdb_text);
        pos += static_cast<size_t>(found.position(0) + found.length(0));
    }
    for (const auto& r : script.reject)
        if (std::regex_search(gdb_text, std::regex(r)))
            return fail("rejected pattern found: /" + r + "/", svm, gdb_text);
    for (const auto& e : script.svm_expect)
        if (!std::regex_search(svm.text, std::regex(e)))
            return fail("expected in svm's output: /" + e + "/", svm, gdb_text);
    if (script.exit_code && svm_status != *script.exit_code)
        return fail("svm exit code " + std::to_string(svm_status) + ", expected " +
                        std::to_string(*script.exit_code),
                    svm, gdb_text);
    std::cout << "PASS (" << script.expect.size() << " expectations)\n";
    return 0;
}
