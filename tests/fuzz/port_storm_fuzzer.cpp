// libFuzzer target: svm's PC as a guest sees it, minus the CPU. The device families of
// core/machine/pc/ (platform, input, display, compat) and COM1, the 0xE9 console and the debug
// exit port are wired onto plain I/O and MMIO buses at the addresses of pc_layout.h, as
// Machine::create_devices() wires them (tests/unit/pc/pc_harness.h does the same for the unit
// tests), and a storm of port and MMIO accesses, host input, guest RAM writes (fw_cfg DMA
// descriptors, the text buffer) and clock steps hits them.
//
// Unlike the real machine, time is a fake clock the input advances, and the HPET and RTC timer
// threads are replaced by what those threads do (Hpet::next_deadline_ns(), CmosRtc::tick()),
// called between operations: every input replays the same way.
//
// Invariants: every device stays inside its bus range (the bus guarantees it) and guest RAM
// (fw_cfg DMA and the compat ports go through GuestMemory, which has guard pages around it);
// IRQs go to ISA/GSI lines 0-23 only; the i8042 resets the CPU only with the commands that do;
// the POST port reads back what was written; the ACPI PM timer is the 3.579545 MHz count of the
// fake clock; the HPET's and the RTC's next events lie in the future; text-screen snapshots keep
// their cursor on the screen and render.
//
// Input: u8 configuration (bits 0-1: 0 no compat ABI, 1 --compat mini-kvm, 2 --compat
// symphony), u32 RTC epoch (seconds since 1970), then operations until the input ends:
//   0 PORT, u8 size code                 in  (1, 2 or 4 bytes)
//   1 PORT, u8 size code, u32 value      out
//   2 MMIO, u8 size code                 MMIO read  (1, 2, 4 or 8 bytes)
//   3 MMIO, u8 size code, u64 value      MMIO write
//   4 u8 shift, u16 count                advance the clock by count << (shift % 24) ns (shift
//                                        < 240, else shift % 32)
//   5                                    advance the clock to the next timer deadline
//   6 sized bytes                        type on svm's standard input (--stdin keyboard)
//   7 i8 dx, i8 dy, u8 buttons, i8 dz    move the mouse
//   8 sized bytes                        bytes for COM1 (svm's standard input by default)
//   9 u32 gpa, sized bytes               write guest RAM
//  10 u32 gpa, u32 control, u32 length, u32 buffer, u8 form   write an FWCfgDmaAccess at gpa
//                                        and start it (form 0: 32-bit halves, 1: one 64-bit out)
//  11                                    snapshot and render the text screen (4 times per
//                                        input at most)
//  12 u8 value                           the BL register a mini-kvm `out` passes
// PORT: u8 device (index into kPorts), u8 offset within it (up to 2 past its end); an index past
// the table takes a raw u16 port instead. MMIO: u8 form (0 HPET, 1 symphony string window, else
// a raw u64) and a u16 offset.
#include <svm/hypercall.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bus.h"
#include "core/log.h"
#include "core/machine/device_context.h"
#include "core/machine/machine_config.h"
#include "core/machine/pc/display_ansi.h"
#include "core/machine/pc/display_report.h"
#include "core/machine/pc/pc_layout.h"
#include "core/machine/pc/platform_fw_cfg.h"
#include "devices/compat/mini_kvm_port.h"
#include "devices/compat/string_window.h"
#include "devices/compat/symphony_ports.h"
#include "devices/debug_console.h"
#include "devices/debug_exit.h"
#include "devices/display/text_screen.h"
#include "devices/legacy/acpi_pm.h"
#include "devices/legacy/cmos_rtc.h"
#include "devices/legacy/hpet.h"
#include "devices/legacy/i8042.h"
#include "devices/legacy/pci_bus.h"
#include "devices/legacy/pci_config_port.h"
#include "devices/legacy/pci_host_bridge.h"
#include "devices/legacy/port92.h"
#include "devices/legacy/post_port.h"
#include "devices/legacy/power_off_port.h"
#include "devices/legacy/scancode_ascii.h"
#include "devices/uart16550.h"
#include "tests/fuzz/common/check.h"
#include "tests/fuzz/common/fuzz_input.h"
#include "tests/fuzz/common/guarded_memory.h"

using namespace svm;

namespace {

constexpr uint64_t kRam = 2ull << 20;
constexpr uint16_t kCom1 = 0x3f8;
constexpr uint32_t kIrqLines = 24;
constexpr size_t kIoSizes[] = {1, 2, 4};
constexpr size_t kMmioSizes[] = {1, 2, 4, 8};

struct PortRange {
    uint16_t base;
    uint16_t size;
};
constexpr PortRange kPorts[] = {
    {pc::kI8042Data, 1},
    {pc::kI8042Command, 1},
    {pc::kCmosIndex, 2},
    {pc::kPostPort, 1},
    {pc::kPort92, 1},
    {pc::kVgaPortsBase, pc::kVgaPortsSize},
    {kCom1, 8},
    {pc::kFwCfgSelector, 12},
    {pc::kAcpiPmBase, 12},
    {pc::kPciConfigAddress, 8},
    {0xe9, 10},
    {0xf4, 4},
    {SVM_HYPERCALL_PORT, 4},
    {pc::kPiix4Pm1aControl, 2},
    {pc::kBochsPowerOff, 2},
};

// Presents one register of a device at offset 0 of its own range (core/machine/pc/input.cpp).
class ShiftedRegister final : public BusDevice {
public:
    ShiftedRegister(std::shared_ptr<BusDevice> device, uint64_t offset)
        : device_(std::move(device)), offset_(offset) {}
    void read(uint64_t offset, std::span<uint8_t> data) override {
        device_->read(offset_ + offset, data);
    }
    void write(uint64_t offset, std::span<const uint8_t> data) override {
        device_->write(offset_ + offset, data);
    }

private:
    std::shared_ptr<BusDevice> device_;
    uint64_t offset_;
};

template <typename T>
void check(const Result<T>& r) {
    FUZZ_CHECK(r.has_value(), "wiring: {}", r ? "" : r.error().message);
}

// One machine's devices on plain buses, with a fake clock.
class Storm {
public:
    Storm(uint8_t config, uint32_t epoch)
        : memory_(fuzz::fresh_memory(kRam)), epoch_ns_(int64_t{epoch} * 1'000'000'000) {
        config_.memory_size = kRam;
        config_.compat = (config & 3) == 1 ? "mini-kvm" : (config & 3) == 2 ? "symphony" : "";
        wire_console_ports();
        wire_platform();
        wire_input();
        wire_display();
        if (config_.compat == "mini-kvm") wire_mini_kvm();
        if (config_.compat == "symphony") wire_symphony();
    }

    void run(fuzz::FuzzInput& in);

private:
    uint64_t clock() const { return now_ns_; }
    void set_irq(uint32_t irq, bool level) {
        FUZZ_CHECK(irq < kIrqLines, "IRQ {} driven", irq);
        levels_[irq] = level;
    }
    void stop(const RunOutcome&) { ++stops_; }

    void wire_console_ports();
    void wire_platform();
    void wire_input();
    void wire_display();
    void wire_mini_kvm();
    void wire_symphony();

    uint16_t read_port(fuzz::FuzzInput& in);
    uint64_t read_mmio(fuzz::FuzzInput& in);
    void fire_timers();
    void check_timers();
    void dma(fuzz::FuzzInput& in);
    void render();

    GuestMemory& memory_;
    MachineConfig config_;
    Bus io_{"I/O port bus"};
    Bus mmio_{"MMIO bus"};
    uint64_t now_ns_ = 1'000'000'000;
    const uint64_t start_ns_ = now_ns_;
    int64_t epoch_ns_;
    bool levels_[kIrqLines] = {};
    int stops_ = 0;
    std::string console_;
    std::optional<uint8_t> bl_;
    std::vector<svm_device> entries_;
    std::function<void(std::span<const uint8_t>)> stdin_sink_;
    std::vector<std::function<void(const RunOutcome&)>> at_end_;
    std::vector<std::shared_ptr<void>> owned_;

    std::shared_ptr<Uart16550> uart_;
    std::shared_ptr<AcpiPm> pm_;
    std::shared_ptr<PostPort> post_;
    std::shared_ptr<Hpet> hpet_;
    std::shared_ptr<I8042> i8042_;
    std::shared_ptr<CmosRtc> rtc_;
    std::shared_ptr<TextScreen> screen_;
    std::optional<TextSnapshot> last_frame_;
    static constexpr int kMaxRenders = 4;
    int renders_ = 0;
    AsciiKeyDecoder decoder_;
};

void Storm::wire_console_ports() {
    OutputSink sink = [this](std::span<const uint8_t> bytes) {
        if (console_.size() < 4096) console_.append(bytes.begin(), bytes.end());
    };
    uart_ = std::make_shared<Uart16550>(sink, [this](bool level) { set_irq(pc::kIrqCom1, level); });
    check(io_.add(kCom1, 8, uart_, "com1"));
    if (config_.compat != "symphony")
        check(io_.add(0xe9, 1, std::make_shared<DebugConsole>(sink), "debugcon"));
    check(io_.add(DebugExit::kPort, DebugExit::kSize,
                  std::make_shared<DebugExit>([this](int) { ++stops_; }), "debug-exit"));
}

// core/machine/pc/platform.cpp, with the fake clock.
void Storm::wire_platform() {
    auto reset = [this] { ++stops_; };
    auto pci = std::make_shared<PciBus>();
    FUZZ_CHECK(pci->add(0, 0, 0, std::make_shared<PciHostBridge>()), "host bridge");
    check(io_.add(pc::kPciConfigAddress, PciConfigPort::kSize,
                  std::make_shared<PciConfigPort>(pci, reset), "pci"));
    pm_ = std::make_shared<AcpiPm>([this] { return clock(); }, pc::kAcpiSlpTypS5, reset);
    check(io_.add(pc::kAcpiPmBase, AcpiPm::kSize, pm_, "acpi-pm"));
    check(io_.add(pc::kPiix4Pm1aControl, PowerOffPort::kSize,
                  std::make_shared<PowerOffPort>(pc::kAcpiSlpTypS5, reset), "piix4-pm1a-cnt"));
    check(io_.add(pc::kBochsPowerOff, PowerOffPort::kSize,
                  std::make_shared<PowerOffPort>(std::nullopt, reset), "bochs-pm1a-cnt"));
    post_ = std::make_shared<PostPort>([](uint8_t) {});
    check(io_.add(pc::kPostPort, 1, post_, "post"));
    check(io_.add(pc::kPort92, 1, std::make_shared<Port92>(reset), "port92"));

    DeviceContext ctx{config_,
                      memory_,
                      io_,
                      mmio_,
                      [this](uint32_t irq, bool level) { set_irq(irq, level); },
                      [this](RunOutcome o) { stop(o); },
                      entries_,
                      {},
                      stdin_sink_,
                      at_end_,
                      2,
                      [] {
                          return std::vector<svm_mem_range>{{0, kRam, SVM_MEM_RAM, 0}};
                      },
                      owned_};
    check(io_.add(pc::kFwCfgSelector, FwCfg::kSize, make_fw_cfg(ctx), "fw_cfg"));

    Hpet::Config hpet;
    hpet.timers = pc::kHpetTimers;
    hpet.period_fs = pc::kHpetPeriodFs;
    hpet.legacy_irq0 = pc::kIrqTimer;
    hpet.legacy_irq1 = pc::kIrqRtc;
    hpet_ = std::make_shared<Hpet>(
        hpet, [this] { return clock(); },
        [this](uint32_t line, bool level) { set_irq(line, level); }, [] {});
    check(mmio_.add(pc::kHpetBase, pc::kHpetSize, hpet_, "hpet"));
}

// core/machine/pc/input.cpp, with the fake clock.
void Storm::wire_input() {
    i8042_ = std::make_shared<I8042>(I8042::Callbacks{
        [this](bool level) { set_irq(pc::kIrqKeyboard, level); },
        [this](bool level) { set_irq(pc::kIrqMouse, level); },
        [this](uint8_t command) {
            FUZZ_CHECK(command == 0xd1 || (command >= 0xf0 && !(command & 1)),
                       "i8042 reset by command {:#x}", command);
            ++stops_;
        },
    });
    check(io_.add(pc::kI8042Data, 1, i8042_, "i8042"));
    check(io_.add(pc::kI8042Command, 1,
                  std::make_shared<ShiftedRegister>(i8042_, I8042::kCommandOffset), "i8042"));
    rtc_ = std::make_shared<CmosRtc>(CmosRtc::Options{
        [this] { return epoch_ns_ + static_cast<int64_t>(clock()); },
        [this](bool level) {
            if (hpet_ && hpet_->legacy_replacement()) return;
            set_irq(pc::kIrqRtc, level);
        },
        kRam,
        [] {},
    });
    check(io_.add(pc::kCmosIndex, 2, rtc_, "cmos-rtc"));
}

// core/machine/pc/display.cpp: the registers and the text screen over guest RAM.
void Storm::wire_display() {
    auto registers = std::make_shared<VgaRegisters>();
    check(io_.add(pc::kVgaPortsBase, pc::kVgaPortsSize, registers, "vga"));
    GuestMemory& memory = memory_;
    screen_ = std::make_shared<TextScreen>(
        registers, [&memory](uint64_t offset, std::span<uint8_t> bytes) {
            return memory.read(pc::kVgaTextBase + offset, bytes).has_value();
        });
    screen_->remember_initial();
}

// core/machine/pc/compat.cpp, with the vCPU's registers taken from the input.
void Storm::wire_mini_kvm() {
    MiniKvmPort::Deps deps;
    deps.console = [this](std::span<const uint8_t> b) { console_.append(b.begin(), b.end()); };
    deps.take_input = [this] { return uart_->take_received_byte(); };
    deps.exit = [this] { ++stops_; };
    deps.read_bl = [this] { return bl_; };
    deps.set_rax = [](uint64_t) {};
    check(
        io_.add(SVM_HYPERCALL_PORT, 4, std::make_shared<MiniKvmPort>(std::move(deps)), "mini-kvm"));
}

void Storm::wire_symphony() {
    auto window = std::make_shared<StringWindow>(pc::kCompatStringWindowSize);
    check(mmio_.add(pc::kCompatStringWindow, pc::kCompatStringWindowSize, window,
                    "symphony-strings"));
    SymphonyPorts::Deps deps;
    deps.console = [this](std::span<const uint8_t> b) {
        if (console_.size() < 4096) console_.append(b.begin(), b.end());
    };
    deps.read_string = [this](uint64_t gpa, size_t max) {
        std::string out;
        for (size_t i = 0; i < max; ++i) {
            auto byte = memory_.read_obj<uint8_t>(gpa + i);
            if (!byte || *byte == 0) break;
            out.push_back(static_cast<char>(*byte));
        }
        return out;
    };
    deps.io_exits = [] { return uint64_t{42}; };
    deps.translate = [](uint64_t gva) -> std::optional<uint64_t> {
        if (gva & 1) return std::nullopt;
        return gva;
    };
    deps.publish_string = [window](const std::string& text) {
        window->set(text);
        return static_cast<uint32_t>(pc::kCompatStringWindow);
    };
    check(io_.add(SymphonyPorts::kBasePort, SymphonyPorts::kDecodedPorts,
                  std::make_shared<SymphonyPorts>(std::move(deps)), "symphony"));
}

uint16_t Storm::read_port(fuzz::FuzzInput& in) {
    const uint8_t device = in.u8();
    const uint8_t offset = in.u8();
    if (device >= std::size(kPorts)) return static_cast<uint16_t>(offset | in.u8() << 8);
    const PortRange& r = kPorts[device];
    return static_cast<uint16_t>(r.base + offset % (r.size + 2));
}

uint64_t Storm::read_mmio(fuzz::FuzzInput& in) {
    const uint8_t form = in.u8();
    const uint16_t offset = in.u16();
    if (form == 0) return pc::kHpetBase + offset % (pc::kHpetSize + 0x10);
    if (form == 1) return pc::kCompatStringWindow + offset % (pc::kCompatStringWindowSize + 0x10);
    return in.u64();
}

// What the HPET ticker and the RTC timer threads do when they wake
// (core/machine/pc/platform_hpet_ticker.cpp, input_rtc_timer.cpp).
void Storm::fire_timers() {
    auto deadline = hpet_->next_deadline_ns();
    FUZZ_CHECK(!deadline || *deadline > now_ns_, "HPET deadline {} is not after now {}", *deadline,
               now_ns_);
    rtc_->tick();
    auto event = rtc_->next_event();
    FUZZ_CHECK(!event || *event > epoch_ns_ + static_cast<int64_t>(now_ns_),
               "RTC event {} is not after now", *event);
}

void Storm::check_timers() {
    // The PM timer counts 3.579545 MHz ticks of the clock since power-on (ACPI 6.4, 4.8.3.3).
    const auto elapsed = static_cast<unsigned __int128>(now_ns_ - start_ns_);
    const auto ticks = static_cast<uint64_t>(elapsed * AcpiPm::kTimerHz / 1'000'000'000u);
    FUZZ_CHECK(pm_->timer() == (ticks & AcpiPm::kTimerMask), "PM timer {:#x}, expected {:#x}",
               pm_->timer(), ticks & AcpiPm::kTimerMask);
}

void Storm::dma(fuzz::FuzzInput& in) {
    const uint64_t gpa = in.u32() % kRam;
    const uint32_t control = in.u32();
    const uint32_t length = in.u32();
    const uint64_t buffer = in.u32() % (kRam + 0x1000);  // a little past RAM too
    const bool wide = in.u8() & 1;
    auto be = [](uint64_t v, int bytes) {
        std::vector<uint8_t> out;
        for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
        return out;
    };
    std::vector<uint8_t> access = be(control, 4);
    for (uint8_t b : be(length, 4)) access.push_back(b);
    for (uint8_t b : be(buffer, 8)) access.push_back(b);
    (void)memory_.write(gpa, access);
    const uint16_t port = pc::kFwCfgDma;
    if (wide) {
        io_.write(port, be(gpa, 8));
    } else {
        io_.write(port, be(gpa >> 32, 4));
        io_.write(port + 4, be(gpa & 0xffffffff, 4));
    }
}

void Storm::render() {
    // The renderers are pure functions of the snapshot and cost more than everything else here:
    // a few renders per input exercise them; what the guest changes in between matters more.
    if (++renders_ > kMaxRenders) return;
    TextSnapshot frame = screen_->snapshot();
    if (frame.cursor_visible)
        FUZZ_CHECK(frame.cursor_row >= 0 && frame.cursor_row < TextSnapshot::kRows &&
                       frame.cursor_column >= 0 && frame.cursor_column < TextSnapshot::kColumns,
                   "cursor at {},{}", frame.cursor_row, frame.cursor_column);
    (void)frame.text();
    (void)ansi_frame(last_frame_ ? &*last_frame_ : nullptr, frame);
    (void)final_screen_report(frame);
    (void)screen_->was_written();
    last_frame_ = frame;
}

void Storm::run(fuzz::FuzzInput& in) {
    while (!in.empty()) {
        switch (in.u8() % 13) {
            case 0: {
                const uint16_t port = read_port(in);
                std::vector<uint8_t> bytes(kIoSizes[in.u8() % 3]);
                io_.read(port, bytes);
                break;
            }
            case 1: {
                const uint16_t port = read_port(in);
                const size_t size = kIoSizes[in.u8() % 3];
                const uint32_t value = in.u32();
                std::vector<uint8_t> bytes(size);
                for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(value >> (8 * i));
                io_.write(port, bytes);
                if (port == pc::kPostPort && size == 1)
                    FUZZ_CHECK(post_->last_code() == bytes[0],
                               "POST code {:#x} after writing {:#x}", post_->last_code(), bytes[0]);
                break;
            }
            case 2: {
                const uint64_t addr = read_mmio(in);
                std::vector<uint8_t> bytes(kMmioSizes[in.u8() % 4]);
                mmio_.read(addr, bytes);
                break;
            }
            case 3: {
                const uint64_t addr = read_mmio(in);
                const size_t size = kMmioSizes[in.u8() % 4];
                const uint64_t value = in.u64();
                std::vector<uint8_t> bytes(size);
                for (size_t i = 0; i < size; ++i) bytes[i] = static_cast<uint8_t>(value >> (8 * i));
                mmio_.write(addr, bytes);
                break;
            }
            case 4: {
                // Mostly steps of up to 10 minutes; rarely up to 1.6 days, which makes the RTC
                // look at a whole day of alarm matches (slow, so rare).
                const uint8_t shift = in.u8();
                now_ns_ += uint64_t{in.u16()} << (shift < 240 ? shift % 24 : shift % 32);
                fire_timers();
                break;
            }
            case 5: {
                // The earliest of the two timer threads' next wake-ups, if it is near.
                std::optional<uint64_t> next = hpet_->next_deadline_ns();
                if (auto rtc = rtc_->next_event()) {
                    const int64_t at = *rtc - epoch_ns_;
                    if (at > static_cast<int64_t>(now_ns_) && (!next || uint64_t(at) < *next))
                        next = static_cast<uint64_t>(at);
                }
                if (next && *next - now_ns_ < 10'000'000'000ull) now_ns_ = *next;
                fire_timers();
                break;
            }
            case 6: {
                std::vector<KeyEvent> events;
                decoder_.feed(in.sized_bytes(), events);
                FUZZ_CHECK(i8042_->press_keys(events) <= events.size(), "press_keys");
                break;
            }
            case 7: {
                const auto dx = static_cast<int8_t>(in.u8());
                const auto dy = static_cast<int8_t>(in.u8());
                const uint8_t buttons = in.u8();
                const auto dz = static_cast<int8_t>(in.u8());
                i8042_->move_mouse(dx, dy, buttons, dz);
                break;
            }
            case 8: {
                auto bytes = in.sized_bytes();
                FUZZ_CHECK(uart_->receive(bytes) <= bytes.size(), "receive");
                break;
            }
            case 9: {
                const uint64_t gpa = in.u32() % kRam;
                (void)memory_.write(gpa, in.sized_bytes());
                break;
            }
            case 10:
                dma(in);
                break;
            case 11:
                render();
                break;
            case 12:
                bl_ = in.u8();
                break;
        }
        check_timers();
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    log::g_level = log::Level::Error;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t config = in.u8();
    const uint32_t epoch = in.u32();
    Storm storm(config, epoch);
    storm.run(in);
    return 0;
}
