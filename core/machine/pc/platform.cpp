// The platform device family (see core/machine/device_context.h): PCI configuration mechanism #1
// with its host bridge and the 0xCF9 reset register, the ACPI PM block and the other power-off
// ports, ports 0x80 and 0x92, fw_cfg and the HPET. Register-level behaviour: docs/devices.md.
#include <string>

#include "core/log.h"
#include "core/machine/device_context.h"
#include "core/machine/machine_table.h"
#include "core/machine/pc/pc_layout.h"
#include "core/machine/pc/platform_fw_cfg.h"
#include "core/machine/pc/platform_hpet_ticker.h"
#include "devices/legacy/acpi_pm.h"
#include "devices/legacy/hpet.h"
#include "devices/legacy/pci_bus.h"
#include "devices/legacy/pci_config_port.h"
#include "devices/legacy/pci_host_bridge.h"
#include "devices/legacy/port92.h"
#include "devices/legacy/post_port.h"
#include "devices/legacy/power_off_port.h"

namespace svm {
namespace {

constexpr uint16_t kPostPortSize = 1;
constexpr uint16_t kPort92Size = 1;

// A callback that ends the run with a reset request made through `port`.
std::function<void()> reset_request(const std::function<void(RunOutcome)>& stop,
                                    const std::string& port) {
    return [stop, summary = "guest requested a reset (port " + port + ")"] {
        stop(RunOutcome{RunOutcome::Kind::Reset, exit_code::kReset, summary, ""});
    };
}

Result<void> add_pci(DeviceContext& ctx, PcDevices& out) {
    auto pci = std::make_shared<PciBus>();
    SVM_ASSERT(pci->add(0, 0, 0, std::make_shared<PciHostBridge>()));
    auto port = std::make_shared<PciConfigPort>(pci, reset_request(ctx.stop, "0xCF9"));
    TRY(ctx.io_bus.add(pc::kPciConfigAddress, PciConfigPort::kSize, port, "pci"));
    // 0xCF9 lies inside the PCI range (it is a byte register of the 0xCF8 dword); the machine
    // table lists it separately so a guest can find the reset register by type.
    ctx.device_entries.push_back(
        make_device(SVM_DEV_PCI_HOST, "pci", pc::kPciConfigAddress, PciConfigPort::kSize));
    ctx.device_entries.push_back(make_device(SVM_DEV_RESET, "reset", pc::kResetControl, 1));
    out.pci = pci;
    return {};
}

Result<void> add_power(DeviceContext& ctx) {
    auto power_off = [stop = ctx.stop] {
        stop(RunOutcome{RunOutcome::Kind::PowerOff, 0, "guest powered off", ""});
    };
    auto pm = std::make_shared<AcpiPm>(HpetTicker::now_ns, pc::kAcpiSlpTypS5, power_off);
    TRY(ctx.io_bus.add(pc::kAcpiPmBase, AcpiPm::kSize, pm, "acpi-pm"));
    ctx.device_entries.push_back(
        make_device(SVM_DEV_ACPI_PM, "acpi-pm", pc::kAcpiPmBase, AcpiPm::kSize, pc::kIrqSci));
    // QEMU i440fx's PIIX4 PM1a control (\_S5 = 0) and the Bochs/VirtualBox one (any type).
    TRY(ctx.io_bus.add(pc::kPiix4Pm1aControl, PowerOffPort::kSize,
                       std::make_shared<PowerOffPort>(pc::kAcpiSlpTypS5, power_off),
                       "piix4-pm1a-cnt"));
    TRY(ctx.io_bus.add(pc::kBochsPowerOff, PowerOffPort::kSize,
                       std::make_shared<PowerOffPort>(std::nullopt, power_off), "bochs-pm1a-cnt"));

    auto post = std::make_shared<PostPort>(
        [](uint8_t code) { log::verbose("POST code {:#04x} (port 0x80)", code); });
    TRY(ctx.io_bus.add(pc::kPostPort, kPostPortSize, post, "post"));
    TRY(ctx.io_bus.add(pc::kPort92, kPort92Size,
                       std::make_shared<Port92>(reset_request(ctx.stop, "0x92")), "port92"));
    return {};
}

Result<void> add_hpet(DeviceContext& ctx, PcDevices& out) {
    auto ticker = std::make_shared<HpetTicker>();
    Hpet::Config config;
    config.timers = pc::kHpetTimers;
    config.period_fs = pc::kHpetPeriodFs;
    config.legacy_irq0 = pc::kIrqTimer;
    config.legacy_irq1 = pc::kIrqRtc;
    auto hpet = std::make_shared<Hpet>(
        config, HpetTicker::now_ns,
        [set_irq = ctx.set_irq](uint32_t line, bool level) { set_irq(line, level); },
        ticker->waker());
    TRY(ctx.mmio_bus.add(pc::kHpetBase, pc::kHpetSize, hpet, "hpet"));
    ctx.device_entries.push_back(
        make_device(SVM_DEV_HPET, "hpet", 0, 0, SVM_IRQ_NONE, pc::kHpetBase, pc::kHpetSize));
    ticker->start(hpet);
    ctx.owned.push_back(ticker);
    out.hpet = hpet;
    return {};
}

}  // namespace

Result<void> add_platform_devices(DeviceContext& ctx, PcDevices& out) {
    TRY(add_pci(ctx, out));
    TRY(add_power(ctx));
    TRY(ctx.io_bus.add(pc::kFwCfgSelector, FwCfg::kSize, make_fw_cfg(ctx), "fw_cfg"));
    ctx.device_entries.push_back(
        make_device(SVM_DEV_FW_CFG, "fw_cfg", pc::kFwCfgSelector, FwCfg::kSize));
    TRY(add_hpet(ctx, out));
    return {};
}

}  // namespace svm
