// The compat device family (see core/machine/device_context.h): --compat mini-kvm and --compat
// symphony, the port ABIs of the seed hypervisors' guests (docs/devices.md, "Compatibility with the
// seed hypervisors' guests"). The device models (devices/compat/) know nothing of KVM; what they
// need of the vCPU doing the access (BL, RAX, its page tables, the exit counts, console input)
// comes from current_exit() on the vCPU thread.
#include <svm/hypercall.h>

#include "core/log.h"
#include "core/machine/device_context.h"
#include "core/machine/pc/pc_layout.h"
#include "core/machine/vcpu_exits.h"
#include "core/x86_64/page_walker.h"
#include "devices/compat/mini_kvm_port.h"
#include "devices/compat/string_window.h"
#include "devices/compat/symphony_ports.h"

namespace svm {

namespace {

Result<void> add_mini_kvm(DeviceContext& ctx) {
    MiniKvmPort::Deps deps;
    deps.console = ctx.console;
    deps.take_input = []() -> std::optional<uint8_t> {
        const CurrentExit* exit = current_exit();
        return exit ? exit->hypercalls.take_console_input() : std::nullopt;
    };
    // mini-kvm ends with status 0 when its guest calls HC_EXIT.
    deps.exit = [stop = ctx.stop] {
        stop({RunOutcome::Kind::GuestExit, 0, "guest exited through mini-kvm's HC_EXIT", ""});
    };
    deps.read_bl = []() -> std::optional<uint8_t> {
        const CurrentExit* exit = current_exit();
        if (!exit) return std::nullopt;
        auto regs = exit->vcpu.get_regs();
        if (!regs) return std::nullopt;
        return static_cast<uint8_t>(regs->rbx & 0xff);
    };
    deps.set_rax = [](uint64_t rax) {
        const CurrentExit* exit = current_exit();
        if (!exit) return;
        auto regs = exit->vcpu.get_regs();
        if (!regs) return;
        regs->rax = rax;
        if (auto r = exit->vcpu.set_regs(*regs); !r)
            log::error("mini-kvm GETCHAR: {}", r.error().message);
    };
    deps.unknown = [](uint8_t function) {
        log::info("mini-kvm hypercall {:#04x} is unknown (0 exit, 1 putchar, 2 getchar); ignored",
                  function);
    };
    // Four ports so `out %ax`/`out %eax` at 0x500 reach it too; mini-kvm decodes only the port.
    return ctx.io_bus.add(SVM_HYPERCALL_PORT, 4, std::make_shared<MiniKvmPort>(std::move(deps)),
                          "mini-kvm");
}

Result<void> add_symphony(DeviceContext& ctx) {
    auto window = std::make_shared<StringWindow>(pc::kCompatStringWindowSize);
    TRY(ctx.mmio_bus.add(pc::kCompatStringWindow, pc::kCompatStringWindowSize, window,
                         "symphony-strings"));
    SymphonyPorts::Deps deps;
    deps.console = ctx.console;
    deps.read_string = [&memory = ctx.memory](uint64_t gpa, size_t max) {
        std::string out;
        // Byte by byte through the checked accessor: stops at the NUL, the cap or the end of RAM.
        for (size_t i = 0; i < max; ++i) {
            auto byte = memory.read_obj<uint8_t>(gpa + i);
            if (!byte || *byte == 0) break;
            out.push_back(static_cast<char>(*byte));
        }
        return out;
    };
    deps.io_exits = []() -> uint64_t {
        const CurrentExit* exit = current_exit();
        return exit ? exit->stats.reason(KVM_EXIT_IO) : 0;
    };
    deps.translate = [&memory = ctx.memory](uint64_t gva) -> std::optional<uint64_t> {
        const CurrentExit* exit = current_exit();
        if (!exit) return std::nullopt;
        auto state = exit->vcpu.get_state();
        if (!state) return std::nullopt;
        auto t = translate(memory, PagingRegs::from(*state), gva);
        if (!t) return std::nullopt;
        return t->gpa;
    };
    deps.publish_string = [window](const std::string& text) {
        window->set(text);
        return static_cast<uint32_t>(pc::kCompatStringWindow);
    };
    return ctx.io_bus.add(SymphonyPorts::kBasePort, SymphonyPorts::kDecodedPorts,
                          std::make_shared<SymphonyPorts>(std::move(deps)), "symphony");
}

}  // namespace

Result<void> add_compat_devices(DeviceContext& ctx, PcDevices& /*out*/) {
    if (ctx.config.compat.empty()) return {};
    if (ctx.config.compat == "mini-kvm") return add_mini_kvm(ctx);
    if (ctx.config.compat == "symphony") return add_symphony(ctx);
    return error("--compat {}: unknown ABI (mini-kvm or symphony)", ctx.config.compat);
}

}  // namespace svm
