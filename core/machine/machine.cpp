#include "core/machine/machine.h"

#include <poll.h>
#include <signal.h>
#include <svm/hypercall.h>
#include <svm/machine.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "core/display/display_hub.h"
#include "core/display/png_writer.h"
#include "core/display/std_vga_screen.h"
#include "core/kvm/data_breakpoint_probe.h"
#include "core/loader/host_file.h"
#include "core/log.h"
#include "core/machine/acpi.h"
#include "core/machine/boot_cpu.h"
#include "core/machine/machine_table.h"
#include "core/machine/unclaimed_report.h"
#include "core/x86_64/boot_page_tables.h"
#include "devices/debug_console.h"
#include "devices/debug_exit.h"
#include "devices/display/text_screen.h"
#include "devices/legacy/i8042.h"
#include "devices/uart16550.h"

namespace svm {

namespace {

constexpr uint16_t kCom1Base = 0x3f8;
constexpr uint32_t kCom1Irq = 4;
constexpr uint16_t kDebugConsolePort = 0xe9;
constexpr uint16_t kDebugExitPort = 0xf4;

// An ELF kernel may carry far more debug information than it loads, so its file may be larger
// than the guest's RAM; svm reads at most this much of one.
constexpr uint64_t kMaxElfKernelFile = 1ull << 30;

// After a run that the user ended (signal, timeout, gdb kill), how long svm still writes the
// guest's buffered output to a destination that takes it before giving up on the rest.
constexpr auto kStopDrainGrace = std::chrono::milliseconds(250);

// Reads the kernel with a bound (HostFile): a flat or Multiboot image must fit in RAM, so a
// larger file is refused before a byte of it is read.
Result<std::vector<uint8_t>> read_kernel(const std::string& path, uint64_t ram_size,
                                         bool boot_disk) {
    if (boot_disk) {
        // --boot-disk / --boot-floppy: only the boot sector is loaded; int 0x13 reads the rest
        // from the file (core/bios/bios_disk_image.h), so the image may be larger than RAM.
        auto disk = TRY(HostFile::open(path, "disk image"));
        if (!disk.is_regular()) return error("{}: the disk image must be a regular file", path);
        std::ifstream in(path, std::ios::binary);
        std::vector<uint8_t> sector(512);
        in.read(reinterpret_cast<char*>(sector.data()),
                static_cast<std::streamsize>(sector.size()));
        sector.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
        return sector;
    }
    auto file = TRY(HostFile::open(path, "kernel"));
    std::string ram = fmt::format("the guest's {} of RAM (-m)", HostFile::describe_size(ram_size));
    if (file.is_regular() && file.size() > ram_size && file.has_elf_magic())
        return file.read_all(std::max(ram_size, kMaxElfKernelFile),
                             fmt::format("the {} svm reads of an ELF kernel",
                                         HostFile::describe_size(kMaxElfKernelFile)));
    return file.read_all(ram_size, ram);
}

}  // namespace

Result<std::unique_ptr<Machine>> Machine::create(const MachineConfig& config,
                                                 std::shared_ptr<DisplayHub> display_hub) {
    if (config.memory_size < kMinMemory || config.memory_size > kMaxMemory ||
        config.memory_size % 4096)
        return with_exit_code(Error{fmt::format("memory size {:#x} must be a multiple of 4 KiB "
                                                "between 1M and 3G",
                                                config.memory_size)},
                              exit_code::kUsage);
    if (config.cpus < 1 || config.cpus > kMaxCpus)
        return with_exit_code(
            Error{fmt::format("--cpus {} must be between 1 and {}", config.cpus, kMaxCpus)},
            exit_code::kUsage);
    auto kernel = read_kernel(config.kernel_path, config.memory_size, config.boot_disk.has_value());
    if (!kernel) return with_exit_code(kernel.error(), exit_code::kBadKernel);
    auto memory = GuestMemory::create(config.memory_size);
    if (!memory) return with_exit_code(memory.error(), exit_code::kHostSetup);

    std::unique_ptr<Machine> m(new Machine(config, std::move(*memory)));
    if (auto r = m->load(*kernel); !r) return with_exit_code(r.error(), exit_code::kBadKernel);

    auto kvm = Kvm::open();
    if (!kvm) return with_exit_code(kvm.error(), exit_code::kHostSetup);
    m->kvm_ = std::move(*kvm);
    if (config.cpus > m->kvm_->max_vcpus())
        return with_exit_code(
            Error{fmt::format("--cpus {}: this host's KVM allows at most {} vCPUs", config.cpus,
                              m->kvm_->max_vcpus())},
            exit_code::kUsage);
    if (auto r = m->kvm_->create_vm(m->memory_); !r)
        return with_exit_code(r.error(), exit_code::kHostSetup);

    int fd = eventfd(0, EFD_CLOEXEC);
    if (fd < 0) return error("eventfd failed: {}", std::strerror(errno));
    m->stop_fd_.reset(fd);

    if (auto r = m->create_devices(); !r) return with_exit_code(r.error(), exit_code::kUsage);
    if (auto r = m->create_vcpus(); !r) return with_exit_code(r.error(), exit_code::kHostSetup);
    if (auto r = m->create_debugger(); !r)
        return with_exit_code(r.error(),
                              r.error().exit_code ? r.error().exit_code : exit_code::kHostSetup);
    // Exit dispatch, wired once every part it routes to exists.
    m->exits_ = std::make_unique<VcpuExits>(
        VcpuExits::Deps{m->memory_, m->io_bus_, m->mmio_bus_, *m->hypercalls_, m->stats_,
                        [raw = m.get()](RunOutcome o) { raw->request_stop(std::move(o)); },
                        m->stopping_, static_cast<int>(m->vcpus_.size()), m->debugger_.get(),
                        /*svm_hypercall_port=*/config.compat != "mini-kvm",
                        /*triple_fault_resets=*/config.triple_fault_resets});
    if (display_hub && m->pc_.screen) {
        // Viewers (--vnc) see this machine's screen and type into its i8042 from now on.
        InputSink input;
        if (auto i8042 = m->pc_.i8042) {
            input.key = [i8042](KeyEvent event) { i8042->press_keys(std::span(&event, 1)); };
            input.pointer = [i8042](int dx, int dy, uint8_t buttons, int dz) {
                i8042->move_mouse(dx, dy, buttons, dz);
            };
        }
        display_hub->attach(m->pc_.screen, std::move(input));
        m->display_hub_ = std::move(display_hub);
    }
    return m;
}

void Machine::stop_vcpus() {
    // Every vCPU is asked first, then each is joined: a vCPU that waits for another gives up
    // (TaskMailbox::cancel_waits) instead of waiting for one that was already joined.
    for (auto& vcpu : vcpus_) vcpu->request_stop();
    for (auto& vcpu : vcpus_) vcpu->stop();
}

Machine::~Machine() {
    // Viewers keep the last picture; nothing of this machine is used once it is detached.
    if (display_hub_) display_hub_->detach();
    // A vCPU waiting for room in the console buffer must not hold up its own stop.
    if (console_) console_->stop_waiting();
    // vCPUs first: a server thread waiting in run_on_thread gets its answer as they drain.
    stop_vcpus();
    if (gdb_server_) gdb_server_->stop();
    if (console_) {
        console_->stop_input();
        // The writer thread calls request_stop() on EPIPE: end it while this Machine is whole.
        console_->abandon();
    }
    while (!owned_.empty()) owned_.pop_back();
}

Result<void> Machine::create_debugger() {
    if (!config_.gdb_endpoint) return {};
    auto endpoint = gdb::Server::parse_endpoint(*config_.gdb_endpoint);
    if (!endpoint)
        return with_exit_code(Error{"--gdb: " + endpoint.error().message}, exit_code::kUsage);
    const bool data_breakpoints = host_honours_data_breakpoints(*kvm_);
    log::verbose("debugger: watchpoints use {}",
                 data_breakpoints ? "debug registers first, then page protection"
                                  : "page protection (the host ignores data breakpoints)");
    auto kill = [this] {
        request_stop(
            {RunOutcome::Kind::Killed, exit_code::kKilled, "killed from the debugger", ""});
    };
    // monitor screen: the VGA text screen, as --screen-text writes it.
    std::function<std::string()> screen_text;
    if (pc_.text_screen)
        screen_text = [screen = pc_.text_screen] { return screen->snapshot().text(); };
    VmDebugger::Deps deps{memory_,
                          *kvm_,
                          vcpus_,
                          image_,
                          config_.kernel_path,
                          kill,
                          data_breakpoints,
                          std::move(screen_text)};
    // monitor info mtree / devices / exits / system_reset (core/debug/monitor/).
    // monitor screendump FILE: the screen as viewers see it, as a PNG file.
    if (auto screen = pc_.screen)
        deps.screendump = [screen](const std::string& path) {
            if (auto r = write_png(path, screen->picture()); !r)
                return fmt::format("screendump: {}\n", r.error().message);
            return fmt::format("screendump: wrote {}\n", path);
        };
    deps.memory_map = [this] { return memory_map_; };
    deps.devices = [this] { return device_entries_; };
    deps.exit_table = [this] { return stats_.format_table(); };
    deps.reset = [this] {
        request_stop({RunOutcome::Kind::Reset, exit_code::kReset,
                      "guest reset requested from the debugger (monitor system_reset)", ""});
    };
    // --gdb (waiting): a debugger that disconnects while the guest is stopped leaves it stopped.
    deps.keep_stopped_on_disconnect = config_.gdb_wait;
    debugger_ = std::make_unique<VmDebugger>(std::move(deps));
    gdb::ServerOptions options;
    options.session.log = [](std::string_view line) { log::verbose("gdb: {}", line); };
    if (log::enabled(log::Level::Debug))
        options.session.trace = [](char direction, std::string_view payload) {
            log::debug("gdb {} {}", direction, payload.substr(0, 200));
        };
    auto server = gdb::Server::create(*endpoint, *debugger_, options);
    if (!server) return error("--gdb: {}", server.error().message);
    gdb_server_ = std::move(*server);
    debugger_->connect(
        [this](gdb::StopReason reason, std::function<void()> after) {
            gdb_server_->notify_stop(std::move(reason), std::move(after));
        },
        [this] { return gdb_server_->has_client(); });
    return {};
}

Result<void> Machine::create_devices() {
    if (config_.set_console_output && config_.serial == "stdio")
        console_ = Console::create_forwarding(config_.set_console_output, false);
    else
        console_ = TRY(Console::create(config_.serial, config_.stdin_keyboard));
    // `svm k | head`: the reader of standard output left. End the run in order (the terminal is
    // restored) with SIGPIPE's shell exit code, as `cat` killed by SIGPIPE would.
    console_->set_output_closed_handler([this] {
        request_stop({RunOutcome::Kind::OutputClosed, exit_code::kOutputClosed,
                      "standard output was closed by its reader: the run was ended", ""});
    });
    OutputSink sink = [this](std::span<const uint8_t> bytes) { console_->write(bytes); };

    uart_ = std::make_shared<Uart16550>(
        sink, [kvm = kvm_.get()](bool level) { kvm->set_irq_line(kCom1Irq, level); });
    TRY(io_bus_.add(kCom1Base, 8, uart_, "com1"));
    device_entries_.push_back(make_device(SVM_DEV_UART16550, "com1", kCom1Base, 8, kCom1Irq));

    // With --compat symphony, Hypervisor-Symphony's ports 0xE9-0xEF replace it (compat.cpp).
    if (config_.compat != "symphony") {
        TRY(io_bus_.add(kDebugConsolePort, 1, std::make_shared<DebugConsole>(sink), "debugcon"));
        device_entries_.push_back(make_device(SVM_DEV_DEBUGCON, "debugcon", kDebugConsolePort, 1));
    }

    auto on_debug_exit = [this](int code) {
        request_stop({RunOutcome::Kind::GuestExit, code & 0xff,
                      fmt::format("guest exited through isa-debug-exit with code {}", code & 0xff),
                      ""});
    };
    TRY(io_bus_.add(kDebugExitPort, 4, std::make_shared<DebugExit>(on_debug_exit), "debug-exit"));
    device_entries_.push_back(make_device(SVM_DEV_EXIT, "debug-exit", kDebugExitPort, 4));
    if (config_.compat != "mini-kvm")
        device_entries_.push_back(
            make_device(SVM_DEV_HYPERCALL, "hypercall", SVM_HYPERCALL_PORT, 4));
    // KVM's in-kernel interrupt controllers and PIT (Kvm::create_vm).
    device_entries_.push_back(
        make_device(SVM_DEV_LAPIC, "lapic", 0, 0, SVM_IRQ_NONE, SVM_LAPIC_ADDR, 0x1000));
    device_entries_.push_back(
        make_device(SVM_DEV_IOAPIC, "ioapic", 0, 0, 0, SVM_IOAPIC_ADDR, 0x1000));
    device_entries_.push_back(make_device(SVM_DEV_PIT, "pit", 0x40, 4, 0));
    device_entries_.push_back(make_device(SVM_DEV_PIC, "pic-master", 0x20, 2));
    device_entries_.push_back(make_device(SVM_DEV_PIC, "pic-slave", 0xa0, 2, 2));

    hypercalls_ = std::make_unique<Hypercalls>(
        Hypercalls::Deps{memory_, sink, stats_, [this] { return uart_->take_received_byte(); },
                         [this](int code) {
                             request_stop({RunOutcome::Kind::GuestExit, code,
                                           fmt::format("guest exited with code {}", code), ""});
                         },
                         [this](int caller, const HypercallRegs& regs, const CpuState& state) {
                             return start_cpu(caller, regs, state);
                         }});

    stdin_sink_ = [this](std::span<const uint8_t> bytes) { uart_->receive(bytes); };

    DeviceContext ctx = device_context();
    TRY(add_platform_devices(ctx, pc_));
    TRY(add_input_devices(ctx, pc_));
    TRY(add_display(ctx, pc_));
    TRY(add_virtio_devices(ctx, pc_));
    // A boot sector gets a BIOS (docs/bios.md); Machine::load set config_.boot_disk for it.
    if (image_.format == "bootsector") TRY(add_bios(ctx, pc_));
    TRY(add_compat_devices(ctx, pc_));
    return write_boot_tables();
}

DeviceContext Machine::device_context() {
    return DeviceContext{
        config_,
        memory_,
        io_bus_,
        mmio_bus_,
        [kvm = kvm_.get()](uint32_t irq, bool level) { kvm->set_irq_line(irq, level); },
        [this](RunOutcome outcome) { request_stop(std::move(outcome)); },
        device_entries_,
        [this](std::span<const uint8_t> bytes) { console_->write(bytes); },
        stdin_sink_,
        at_end_,
        config_.cpus,
        [this] { return memory_map_; },
        owned_,
        image_.video,
        [this](uint64_t gpa, std::span<uint8_t> host) { return map_device_memory(gpa, host); },
        [kvm = kvm_.get()](uint64_t address, uint32_t data) { kvm->signal_msi(address, data); },
        [kvm = kvm_.get()](const IoEventFd& e) {
            return kvm->add_ioeventfd({e.address, e.length, e.datamatch, e.fd});
        },
        [kvm = kvm_.get()](const IoEventFd& e) {
            kvm->remove_ioeventfd({e.address, e.length, e.datamatch, e.fd});
        },
        // The debugger is created after the devices, before anything runs.
        config_.gdb_endpoint ? std::function<void(uint64_t, uint64_t)>(
                                   [this](uint64_t gpa, uint64_t length) {
                                       if (debugger_) debugger_->on_device_write(gpa, length);
                                   })
                             : std::function<void(uint64_t, uint64_t)>(),
    };
}

Result<DeviceMemoryMapping> Machine::map_device_memory(uint64_t gpa, std::span<uint8_t> host) {
    const uint32_t slot = TRY(kvm_->add_device_memory(gpa, host.data(), host.size(), true));
    // The slot exists while this Machine does (Kvm lives as long as it).
    Kvm* kvm = kvm_.get();
    auto mapped = std::make_shared<std::atomic<bool>>(true);
    DeviceMemoryMapping mapping;
    mapping.move = [kvm, slot, mapped](std::optional<uint64_t> to) -> Result<void> {
        auto r = kvm->move_device_memory(slot, to);
        mapped->store(r.has_value() && to.has_value(), std::memory_order_release);
        return r;
    };
    mapping.dirty_log = [kvm, slot, mapped](std::span<uint64_t> bitmap) {
        return mapped->load(std::memory_order_acquire) &&
               kvm->get_dirty_log(slot, bitmap).has_value();
    };
    return mapping;
}

bool Machine::record_outcome(RunOutcome outcome) {
    std::lock_guard lock(stop_mutex_);
    if (outcome_) return false;
    outcome_ = std::move(outcome);
    stopping_.store(true, std::memory_order_release);
    return true;
}

void Machine::wake_main_thread() {
    uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(stop_fd_.get(), &one, sizeof one);
}

void Machine::request_stop(RunOutcome outcome) {
    const bool tell_debugger =
        outcome.kind == RunOutcome::Kind::GuestExit && debugger_ && debugger_->attached();
    const int code = outcome.code;
    if (!record_outcome(std::move(outcome))) return;
    // vCPUs waiting for room in the console buffer give up now, so that they can be stopped.
    if (console_) console_->stop_waiting();
    // gdb hears "exited with code N" before svm goes away.
    if (tell_debugger)
        debugger_->on_guest_exit(code, [this] { wake_main_thread(); });
    else
        wake_main_thread();
}

RunOutcome Machine::run() {
    // SIGINT, SIGTERM and SIGHUP end the run cleanly: block them here (threads started below
    // inherit the mask) and read them from a signalfd next to the stop eventfd.
    const sigset_t signals = stop_signals();
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    UniqueFd signal_fd;  // none in a VM set: its loop reads the signals (signals_from_caller)
    if (!config_.signals_from_caller) signal_fd.reset(signalfd(-1, &signals, SFD_CLOEXEC));

    if (config_.set_input_sink)
        config_.set_input_sink([this](std::span<const uint8_t> bytes) { stdin_sink_(bytes); });
    else
        console_->start_input([this](std::span<const uint8_t> bytes) { stdin_sink_(bytes); });
    for (auto& vcpu : vcpus_) vcpu->start(*exits_);
    if (gdb_server_) {
        gdb_server_->start();
        if (config_.gdb_wait) {
            // gdb-scripts/svm.py makes gdb's architecture follow the CPU mode (docs/gdb.md).
            std::error_code ec;
            const bool extension = std::filesystem::exists(SVM_GDB_EXTENSION, ec);
            log::info(
                "waiting for gdb on {} before the first instruction (gdb {}-ex \"target "
                "remote {}\"{})",
                gdb_server_->address(), extension ? "-x " SVM_GDB_EXTENSION " " : "",
                gdb_server_->address(), image_.is_elf ? " " + config_.kernel_path : "");
        } else
            log::info("gdb server listening on {}", gdb_server_->address());
    }
    // With --gdb (and no --gdb-nowait) the debugger starts the guest.
    if (!gdb_server_ || !config_.gdb_wait)
        for (auto& vcpu : vcpus_) vcpu->resume();  // APs wait in KVM for INIT-SIPI-SIPI

    using Clock = std::chrono::steady_clock;
    const auto deadline =
        config_.timeout_seconds
            ? std::optional(Clock::now() +
                            std::chrono::duration_cast<Clock::duration>(
                                std::chrono::duration<double>(*config_.timeout_seconds)))
            : std::nullopt;
    pollfd fds[2] = {{stop_fd_.get(), POLLIN, 0}, {signal_fd.get(), POLLIN, 0}};
    // With a viewer possibly looking (--vnc), a guest that halted for good stays on screen until
    // the user ends svm or --timeout expires, as under QEMU; the run then ends with the halt's
    // own outcome and exit code (docs/display.md).
    std::optional<RunOutcome> held_halt;
    for (;;) {
        // With KVM's in-kernel APIC a halted vCPU sleeps inside KVM, so svm looks every
        // kHaltCheckMs whether every vCPU sleeps for good (HLT with interrupts off, or waiting
        // for a SIPI nobody can send).
        int timeout_ms = kHaltCheckMs;
        bool deadline_first = false;
        if (deadline) {
            auto left = std::chrono::ceil<std::chrono::milliseconds>(*deadline - Clock::now());
            deadline_first = left.count() <= kHaltCheckMs;
            timeout_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 0, kHaltCheckMs));
        }
        int r = poll(fds, signal_fd ? 2 : 1, timeout_ms);
        if (r < 0 && errno == EINTR) continue;
        if (r == 0 && !deadline_first) {
            if (held_halt) continue;
            if (auto halted = check_all_halted()) {
                if (config_.keep_screen_after_halt) {
                    log::info("{}; the screen stays on VNC until svm is ended (Ctrl-C){}",
                              halted->summary, deadline ? " or --timeout expires" : "");
                    held_halt = std::move(halted);
                    continue;
                }
                request_stop(std::move(*halted));
                break;
            }
            continue;
        }
        if (held_halt && (r == 0 || (fds[1].revents & POLLIN))) {
            if (fds[1].revents & POLLIN) {
                signalfd_siginfo info{};
                [[maybe_unused]] ssize_t n = ::read(signal_fd.get(), &info, sizeof info);
            }
            request_stop(std::move(*held_halt));
            break;
        }
        if (r == 0) {
            // What the guest was polling where no device is, if anything (unclaimed_report.h).
            request_stop({RunOutcome::Kind::Timeout, exit_code::kTimeout,
                          fmt::format("timeout: the guest was still running after {} s",
                                      *config_.timeout_seconds),
                          format_unclaimed_report(io_bus_.unclaimed_accesses(),
                                                  mmio_bus_.unclaimed_accesses())});
            break;
        }
        if (fds[1].revents & POLLIN) {
            signalfd_siginfo info{};
            [[maybe_unused]] ssize_t n = ::read(signal_fd.get(), &info, sizeof info);
            request_stop({RunOutcome::Kind::Interrupted, exit_code::kInterrupted,
                          fmt::format("stopped by signal {} ({})", info.ssi_signo,
                                      strsignal(static_cast<int>(info.ssi_signo))),
                          format_unclaimed_report(io_bus_.unclaimed_accesses(),
                                                  mmio_bus_.unclaimed_accesses())});
        }
        break;
    }
    stop_vcpus();
    if (gdb_server_) {
        // After 'kill', gdb waits for the OK; the connection closes itself once it is sent.
        if (outcome_->kind == RunOutcome::Kind::Killed)
            gdb_server_->wait_for_no_client(std::chrono::milliseconds(1000));
        gdb_server_->stop();
    }
    console_->stop_input();
    if (config_.set_input_sink) config_.set_input_sink(nullptr);
    RunOutcome outcome;
    {
        std::lock_guard lock(stop_mutex_);
        outcome = *outcome_;
    }
    finish_console_output(outcome, signal_fd.get(), deadline);
    for (auto& hook : at_end_) hook(outcome);
    return outcome;
}

void Machine::finish_console_output(RunOutcome& outcome, int signal_fd,
                                    std::optional<Console::Clock::time_point> deadline) {
    // Writing out what the guest printed is part of the run, as for any program writing to a
    // pipe: after a guest exit, a crash or a halt, svm waits until it is written, unless a
    // signal or the --timeout deadline ends the wait. After the user ended the run (a signal,
    // the timeout, gdb's kill), svm writes for kStopDrainGrace at most, so that a destination
    // that drains gets the last lines but svm still ends promptly. Either way the exit code stays
    // the one the run ended with; what could not be written is counted in a note
    // (docs/machine.md, "Console output when standard output stalls").
    using Kind = RunOutcome::Kind;
    const bool user_ended = outcome.kind == Kind::Interrupted || outcome.kind == Kind::Timeout ||
                            outcome.kind == Kind::Killed || outcome.kind == Kind::OutputClosed ||
                            outcome.kind == Kind::StoppedBySet;
    console_->drain(signal_fd, user_ended ? Console::Clock::now() + kStopDrainGrace : deadline);
    console_->abandon();
    outcome.note = console_->unwritten_report();
}

}  // namespace svm
