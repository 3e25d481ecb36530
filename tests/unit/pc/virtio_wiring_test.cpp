// The virtio family wired into a PcHarness as Machine wires it (core/machine/pc/virtio.cpp): a
// driver finds the devices as a guest does (PCI configuration mechanism #1, the virtio-mmio
// windows, the machine table), runs block requests through the buses, the interrupts reach the
// ISA IRQs or MSI-X, BAR moves are followed, and doorbells caught by (fake) ioeventfds are
// served by the I/O thread.
#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "core/machine/pc/pc_layout.h"
#include "core/machine/pc/virtio_plan.h"
#include "devices/legacy/pci_memory_window.h"
#include "devices/virtio/virtio_blk.h"
#include "devices/virtio/virtio_mmio.h"
#include "devices/virtio/virtio_pci.h"
#include "tests/unit/pc/pc_harness.h"
#include "tests/unit/virtio/test_driver.h"

namespace svm::test {
namespace {

using virtio::VirtioMmio;
using virtio::VirtioPci;
using virtio::test::TestDriver;

constexpr uint16_t kQueueEntries = 16;
constexpr uint8_t kDriverOk = virtio::kStatusAcknowledge | virtio::kStatusDriver |
                              virtio::kStatusFeaturesOk | virtio::kStatusDriverOk;

// A disk image of `sectors` sectors in which byte i of sector s is (s * 31 + i) % 253.
class TempImage {
public:
    explicit TempImage(uint64_t sectors = 64) {
        char name[] = "/tmp/svm-virtio-wiring-XXXXXX";
        const int fd = mkstemp(name);
        EXPECT_GE(fd, 0);
        path_ = name;
        std::vector<uint8_t> bytes(sectors * 512);
        for (size_t i = 0; i < bytes.size(); ++i)
            bytes[i] = static_cast<uint8_t>(((i / 512) * 31 + i % 512) % 253);
        EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
        ::close(fd);
    }
    ~TempImage() { ::unlink(path_.c_str()); }
    const std::string& path() const { return path_; }
    static uint8_t expected(uint64_t sector, size_t i) {
        return static_cast<uint8_t>((sector * 31 + i) % 253);
    }

private:
    std::string path_;
};

MachineConfig with_disk(const std::string& path, const std::string& transport) {
    MachineConfig config;
    virtio::DiskConfig disk;
    disk.path = path;
    config.disks.push_back(disk);
    config.virtio_transport = transport;
    return config;
}

// Waits up to 5 s for `done` (work handed to an I/O thread).
template <typename F>
bool eventually(F done) {
    for (int i = 0; i < 500; ++i) {
        if (done()) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done();
}

class VirtioWiring : public ::testing::Test {
protected:
    // PCI configuration mechanism #1 (PCI 3.0, 3.2.2.3.2) on bus 0, function 0.
    uint32_t cfg_read(uint8_t device, uint8_t offset) {
        pc->outl(pc::kPciConfigAddress, 0x80000000u | (uint32_t{device} << 11) | (offset & 0xfc));
        return pc->inl(pc::kPciConfigData) >> (8 * (offset & 3));
    }
    void cfg_write32(uint8_t device, uint8_t offset, uint32_t value) {
        pc->outl(pc::kPciConfigAddress, 0x80000000u | (uint32_t{device} << 11) | offset);
        pc->outl(pc::kPciConfigData, value);
    }

    void wire(MachineConfig config, bool ioeventfds = false) {
        pc.emplace(std::move(config));
        if (ioeventfds) pc->use_ioeventfds();
        ASSERT_TRUE(add_platform_devices(pc->ctx(), out).has_value());
        auto r = add_virtio_devices(pc->ctx(), out);
        ASSERT_TRUE(r.has_value()) << r.error().message;
    }

    // 3.1.1 over the common configuration structure of a virtio-pci BAR at `bar`, with queue 0
    // (kQueueEntries entries) at `queue_base`. Returns the status read back.
    uint8_t init_pci(uint64_t bar, uint64_t queue_base) {
        auto common = [bar](uint64_t offset) { return bar + VirtioPci::kCommonOffset + offset; };
        pc->mmio_write(common(VirtioPci::kDeviceStatus), 0, 1);
        pc->mmio_write(common(VirtioPci::kDeviceStatus), virtio::kStatusAcknowledge, 1);
        pc->mmio_write(common(VirtioPci::kDeviceStatus),
                       virtio::kStatusAcknowledge | virtio::kStatusDriver, 1);
        pc->mmio_write(common(VirtioPci::kDriverFeatureSelect), 1, 4);
        pc->mmio_write(common(VirtioPci::kDriverFeature), 1, 4);  // VERSION_1 only
        pc->mmio_write(common(VirtioPci::kDeviceStatus),
                       kDriverOk & ~virtio::kStatusDriverOk, 1);
        pc->mmio_write(common(VirtioPci::kQueueSelect), 0, 2);
        pc->mmio_write(common(VirtioPci::kQueueSize), kQueueEntries, 2);
        driver.emplace(pc->memory(), TestDriver::layout_at(queue_base, kQueueEntries));
        pc->mmio_write(common(VirtioPci::kQueueDesc), driver->layout().desc, 8);
        pc->mmio_write(common(VirtioPci::kQueueDriver), driver->layout().avail, 8);
        pc->mmio_write(common(VirtioPci::kQueueDevice), driver->layout().used, 8);
        pc->mmio_write(common(VirtioPci::kQueueEnable), 1, 2);
        pc->mmio_write(common(VirtioPci::kDeviceStatus), kDriverOk, 1);
        return static_cast<uint8_t>(pc->mmio_read(common(VirtioPci::kDeviceStatus), 1));
    }

    // 3.1.1 over a virtio-mmio window at `base` (4.2.3.2), queue 0 at `queue_base`.
    uint8_t init_mmio(uint64_t base, uint64_t queue_base) {
        auto reg = [base](uint64_t offset) { return base + offset; };
        pc->mmio_write(reg(VirtioMmio::kStatusOffset), 0, 4);
        pc->mmio_write(reg(VirtioMmio::kStatusOffset), virtio::kStatusAcknowledge, 4);
        pc->mmio_write(reg(VirtioMmio::kStatusOffset),
                       virtio::kStatusAcknowledge | virtio::kStatusDriver, 4);
        pc->mmio_write(reg(VirtioMmio::kDriverFeaturesSelOffset), 1, 4);
        pc->mmio_write(reg(VirtioMmio::kDriverFeaturesOffset), 1, 4);
        pc->mmio_write(reg(VirtioMmio::kStatusOffset), kDriverOk & ~virtio::kStatusDriverOk, 4);
        pc->mmio_write(reg(VirtioMmio::kQueueSelOffset), 0, 4);
        pc->mmio_write(reg(VirtioMmio::kQueueNumOffset), kQueueEntries, 4);
        driver.emplace(pc->memory(), TestDriver::layout_at(queue_base, kQueueEntries));
        const auto& l = driver->layout();
        pc->mmio_write(reg(VirtioMmio::kQueueDescLowOffset), l.desc, 4);
        pc->mmio_write(reg(VirtioMmio::kQueueDriverLowOffset), l.avail, 4);
        pc->mmio_write(reg(VirtioMmio::kQueueDeviceLowOffset), l.used, 4);
        pc->mmio_write(reg(VirtioMmio::kQueueReadyOffset), 1, 4);
        pc->mmio_write(reg(VirtioMmio::kStatusOffset), kDriverOk, 4);
        return static_cast<uint8_t>(pc->mmio_read(reg(VirtioMmio::kStatusOffset), 4));
    }

    // Queues a read of `sector` (5.2.6); returns the data buffer's address.
    uint64_t queue_read(uint64_t sector) {
        struct [[gnu::packed]] Header {
            uint32_t type, reserved;
            uint64_t sector;
        } header{virtio::kBlkTypeIn, 0, sector};
        const uint64_t h =
            driver->alloc_with(std::span(reinterpret_cast<const uint8_t*>(&header), 16));
        const uint64_t data = driver->alloc(512);
        status_at = driver->alloc(1);
        EXPECT_TRUE(pc->memory().write_obj<uint8_t>(status_at, 0xff).has_value());
        driver->add_chain({{h, 16, false}, {data, 512, true}, {status_at, 1, true}});
        return data;
    }
    void expect_sector(uint64_t data, uint64_t sector) {
        EXPECT_EQ(pc->memory().read_obj<uint8_t>(status_at).value(), virtio::kBlkStatusOk);
        for (size_t i = 0; i < 512; i += 61)
            EXPECT_EQ(pc->memory().read_obj<uint8_t>(data + i).value(),
                      TempImage::expected(sector, i));
    }

    std::optional<PcHarness> pc;
    PcDevices out;
    std::optional<TestDriver> driver;
    uint64_t status_at = 0;
};

TEST_F(VirtioWiring, PciFunctionsAppearWhereThePlanPutsThem) {
    TempImage image;
    wire(with_disk(image.path(), "pci"));
    // 00:03.0 the disk, 00:04.0 the entropy device (plan order), nothing at 00:05.0.
    EXPECT_EQ(cfg_read(3, 0), 0x10421af4u);
    EXPECT_EQ(cfg_read(4, 0), 0x10441af4u);
    EXPECT_EQ(cfg_read(5, 0), 0xffffffffu);
    EXPECT_EQ(cfg_read(3, 0x10), uint32_t(pc::kVirtioPciBarBase) | VirtioPci::kBarFlags);
    EXPECT_EQ(cfg_read(3, 0x14), 0u);
    EXPECT_EQ(cfg_read(4, 0x10),
              uint32_t(pc::kVirtioPciBarBase + VirtioPci::kBarSize) | VirtioPci::kBarFlags);
    // Interrupt Line (what firmware would write) and Pin INTA#.
    EXPECT_EQ(cfg_read(3, 0x3c) & 0xffff, 0x0100u | virtio::kMmioIrqs[0]);
    EXPECT_EQ(cfg_read(4, 0x3c) & 0xffff, 0x0100u | virtio::kMmioIrqs[1]);

    // The machine table lists both, with the device ID and PCI device number.
    std::vector<svm_device> virtio;
    for (const auto& e : pc->entries())
        if (e.type == SVM_DEV_VIRTIO_PCI) virtio.push_back(e);
    ASSERT_EQ(virtio.size(), 2u);
    EXPECT_STREQ(virtio[0].name, "virtio-blk0");
    EXPECT_EQ(SVM_VIRTIO_ID(&virtio[0]), 2u);
    EXPECT_EQ(SVM_VIRTIO_PCI_DEVICE(&virtio[0]), 3u);
    EXPECT_EQ(virtio[0].mmio_base, pc::kVirtioPciBarBase);
    EXPECT_EQ(virtio[0].mmio_size, VirtioPci::kBarSize);
    EXPECT_EQ(virtio[0].irq, virtio::kMmioIrqs[0]);
    EXPECT_STREQ(virtio[1].name, "virtio-rng");
    EXPECT_EQ(SVM_VIRTIO_ID(&virtio[1]), 4u);
    EXPECT_EQ(SVM_VIRTIO_PCI_DEVICE(&virtio[1]), 4u);
}

TEST_F(VirtioWiring, PciBlockReadCompletesAndRaisesIntxOnItsIrq) {
    TempImage image;
    wire(with_disk(image.path(), "pci"));
    const uint64_t bar = pc::kVirtioPciBarBase;
    ASSERT_EQ(init_pci(bar, 0x100000), kDriverOk);
    const uint64_t data = queue_read(7);
    EXPECT_FALSE(pc->irq_level(virtio::kMmioIrqs[0]));
    pc->mmio_write(bar + VirtioPci::notify_address(0), 0, 2);
    ASSERT_TRUE(driver->take_used());
    expect_sector(data, 7);
    EXPECT_TRUE(pc->irq_level(virtio::kMmioIrqs[0]));
    // Reading the ISR clears it and deasserts INTA# (4.1.4.5).
    EXPECT_EQ(pc->mmio_read(bar + VirtioPci::kIsrOffset, 1), 1u);
    EXPECT_FALSE(pc->irq_level(virtio::kMmioIrqs[0]));
}

TEST_F(VirtioWiring, PciMsixGoesToTheMachinesMsiPath) {
    TempImage image;
    wire(with_disk(image.path(), "pci"));
    const uint64_t bar = pc::kVirtioPciBarBase;
    // MSI-X enable (PCI 3.0, 6.8.2.3: Message Control bit 15), vector 1 = 0xFEE00000 / 0x45.
    const uint32_t control = cfg_read(3, VirtioPci::kMsixCap) & 0xffff0000u;
    cfg_write32(3, VirtioPci::kMsixCap, (control | 0x80000000u) | (cfg_read(3, 0x40) & 0xffff));
    const uint64_t entry = bar + VirtioPci::kMsixTableOffset + 16;
    pc->mmio_write(entry, 0xfee00000, 4);
    pc->mmio_write(entry + 4, 0, 4);
    pc->mmio_write(entry + 8, 0x45, 4);
    pc->mmio_write(entry + 12, 0, 4);  // unmasked
    ASSERT_EQ(init_pci(bar, 0x100000), kDriverOk);
    pc->mmio_write(bar + VirtioPci::kQueueSelect, 0, 2);
    pc->mmio_write(bar + VirtioPci::kQueueMsixVector, 1, 2);
    const uint64_t data = queue_read(2);
    pc->mmio_write(bar + VirtioPci::notify_address(0), 0, 2);
    ASSERT_TRUE(driver->take_used());
    expect_sector(data, 2);
    ASSERT_EQ(pc->msis().size(), 1u);
    EXPECT_EQ(pc->msis()[0], (std::pair<uint64_t, uint32_t>{0xfee00000, 0x45}));
    EXPECT_FALSE(pc->irq_level(virtio::kMmioIrqs[0]));
}

TEST_F(VirtioWiring, AMovedBarDecodesAtItsNewAddressOnly) {
    TempImage image;
    wire(with_disk(image.path(), "pci"));
    const uint64_t old_bar = pc::kVirtioPciBarBase;
    const uint64_t new_bar = 0xe0000000;
    EXPECT_EQ(pc->mmio_read(old_bar + VirtioPci::kNumQueues, 2), 1u);
    cfg_write32(3, 0x10, uint32_t(new_bar));
    EXPECT_EQ(cfg_read(3, 0x10), uint32_t(new_bar) | VirtioPci::kBarFlags);
    EXPECT_EQ(pc->mmio_read(old_bar + VirtioPci::kNumQueues, 2), 0xffffu);
    EXPECT_EQ(pc->mmio_read(new_bar + VirtioPci::kNumQueues, 2), 1u);
    ASSERT_EQ(init_pci(new_bar, 0x100000), kDriverOk);
    const uint64_t data = queue_read(5);
    pc->mmio_write(new_bar + VirtioPci::notify_address(0), 0, 2);
    ASSERT_TRUE(driver->take_used());
    expect_sector(data, 5);

    // Memory space decoding off (command register bit 1): the BAR answers nowhere.
    const uint32_t command = cfg_read(3, 4) & 0xffff;
    cfg_write32(3, 4, command & ~2u);
    EXPECT_EQ(pc->mmio_read(new_bar + VirtioPci::kNumQueues, 2), 0xffffu);
    // Outside the PCI memory window (below it lies RAM's range): refused, not decoded anywhere.
    cfg_write32(3, 4, command);
    cfg_write32(3, 0x10, 0x10000000);
    EXPECT_EQ(pc->mmio_read(new_bar + VirtioPci::kNumQueues, 2), 0xffffu);
    EXPECT_GT(out.pci_window->unclaimed(), 0u);
}

TEST_F(VirtioWiring, PciDoorbellsUseIoeventfdsThatFollowTheBar) {
    TempImage image;
    wire(with_disk(image.path(), "pci"), /*ioeventfds=*/true);
    const uint64_t bar = pc::kVirtioPciBarBase;
    auto attached = pc->ioeventfds();
    // One per queue: the disk's queue 0 and the entropy device's queue 0, any write length.
    ASSERT_EQ(attached.size(), 2u);
    EXPECT_EQ(attached[0].address, bar + VirtioPci::notify_address(0));
    EXPECT_EQ(attached[0].length, 0u);
    EXPECT_FALSE(attached[0].datamatch);

    ASSERT_EQ(init_pci(bar, 0x100000), kDriverOk);
    uint64_t data = queue_read(9);
    pc->mmio_write(bar + VirtioPci::notify_address(0), 0, 2);
    EXPECT_EQ(pc->ioeventfd_signals(), 1);  // KVM (here the harness) caught the doorbell
    ASSERT_TRUE(eventually([&] { return driver->used_idx() == 1; }));  // the I/O thread
    ASSERT_TRUE(driver->take_used());
    expect_sector(data, 9);
    EXPECT_TRUE(eventually([&] { return pc->irq_level(virtio::kMmioIrqs[0]); }));

    // The BAR moves: so does the ioeventfd.
    cfg_write32(3, 0x10, 0xe0000000);
    attached = pc->ioeventfds();
    ASSERT_EQ(attached.size(), 2u);
    bool moved = false;
    for (const auto& e : attached) moved |= e.address == 0xe0000000 + VirtioPci::notify_address(0);
    EXPECT_TRUE(moved);
    data = queue_read(10);
    pc->mmio_write(0xe0000000 + VirtioPci::notify_address(0), 0, 2);
    ASSERT_TRUE(eventually([&] { return driver->used_idx() == 2; }));
    ASSERT_TRUE(driver->take_used());
    expect_sector(data, 10);
}

TEST_F(VirtioWiring, WithoutAnyLengthIoeventfdsTheDoorbellTakes16BitOnes) {
    TempImage image;
    pc.emplace(with_disk(image.path(), "pci"));
    pc->use_ioeventfds({2, 4});
    ASSERT_TRUE(add_platform_devices(pc->ctx(), out).has_value());
    ASSERT_TRUE(add_virtio_devices(pc->ctx(), out).has_value());
    auto attached = pc->ioeventfds();
    ASSERT_EQ(attached.size(), 2u);
    EXPECT_EQ(attached[0].length, 2u);
}

TEST_F(VirtioWiring, MmioWindowsAndTheirIrqs) {
    TempImage image;
    wire(with_disk(image.path(), "mmio"), /*ioeventfds=*/true);
    const uint64_t blk = virtio::mmio_slot_base(0), rng = virtio::mmio_slot_base(1);
    EXPECT_EQ(pc->mmio_read(blk + VirtioMmio::kMagicValueOffset, 4), VirtioMmio::kMagic);
    EXPECT_EQ(pc->mmio_read(blk + VirtioMmio::kVersionOffset, 4), 2u);
    EXPECT_EQ(pc->mmio_read(blk + VirtioMmio::kDeviceIdOffset, 4), 2u);
    EXPECT_EQ(pc->mmio_read(rng + VirtioMmio::kDeviceIdOffset, 4), 4u);
    // No PCI function with virtio-mmio.
    EXPECT_EQ(cfg_read(3, 0), 0xffffffffu);
    std::vector<svm_device> virtio;
    for (const auto& e : pc->entries())
        if (e.type == SVM_DEV_VIRTIO_MMIO) virtio.push_back(e);
    ASSERT_EQ(virtio.size(), 2u);
    EXPECT_EQ(virtio[0].mmio_base, blk);
    EXPECT_EQ(virtio[0].irq, virtio::kMmioIrqs[0]);
    EXPECT_EQ(SVM_VIRTIO_ID(&virtio[0]), 2u);
    EXPECT_EQ(virtio[1].mmio_base, rng);
    EXPECT_EQ(virtio[1].irq, virtio::kMmioIrqs[1]);

    // QueueNotify doorbells: one ioeventfd per queue, matching the queue's index.
    auto attached = pc->ioeventfds();
    ASSERT_EQ(attached.size(), 2u);
    EXPECT_EQ(attached[0].address, blk + VirtioMmio::kQueueNotifyOffset);
    EXPECT_EQ(attached[0].length, 4u);
    EXPECT_EQ(attached[0].datamatch, std::optional<uint64_t>(0));

    ASSERT_EQ(init_mmio(blk, 0x100000), kDriverOk);
    const uint64_t data = queue_read(11);
    pc->mmio_write(blk + VirtioMmio::kQueueNotifyOffset, 0, 4);
    EXPECT_EQ(pc->ioeventfd_signals(), 1);
    ASSERT_TRUE(eventually([&] { return driver->used_idx() == 1; }));
    ASSERT_TRUE(driver->take_used());
    expect_sector(data, 11);
    EXPECT_TRUE(eventually([&] { return pc->irq_level(virtio::kMmioIrqs[0]); }));
    EXPECT_EQ(pc->mmio_read(blk + VirtioMmio::kInterruptStatusOffset, 4), 1u);
    pc->mmio_write(blk + VirtioMmio::kInterruptAckOffset, 1, 4);
    EXPECT_FALSE(pc->irq_level(virtio::kMmioIrqs[0]));
}

// When the machine goes, so do its devices: the image's lock is released (a --reboot builds a
// new machine on the same image) for both transports.
TEST_F(VirtioWiring, TheDiskIsReleasedWithTheMachine) {
    TempImage image;
    for (const char* transport : {"pci", "mmio"}) {
        wire(with_disk(image.path(), transport), /*ioeventfds=*/true);
        virtio::DiskConfig disk;
        disk.path = image.path();
        EXPECT_FALSE(virtio::BlockImage::open(disk)) << transport << ": not locked while wired";
        pc.reset();
        out = PcDevices{};
        auto again = virtio::BlockImage::open(disk);
        EXPECT_TRUE(again) << transport << ": " << again.error().message;
    }
}

TEST_F(VirtioWiring, EntropyDeviceIsAlwaysThere) {
    wire(MachineConfig{});
    EXPECT_EQ(cfg_read(3, 0), 0x10441af4u);
    ASSERT_EQ(out.virtio_devices.size(), 1u);
}

TEST_F(VirtioWiring, AMissingDiskIsAnErrorNamingIt) {
    pc.emplace(with_disk("/nonexistent/disk.img", "pci"));
    ASSERT_TRUE(add_platform_devices(pc->ctx(), out).has_value());
    auto r = add_virtio_devices(pc->ctx(), out);
    ASSERT_FALSE(r);
    EXPECT_NE(r.error().message.find("/nonexistent/disk.img"), std::string::npos)
        << r.error().message;
}

TEST_F(VirtioWiring, UserNetworkingCardIsAVirtioNetFunction) {
    MachineConfig config;
    config.nets.push_back("user,mac=52:54:00:aa:bb:cc");
    wire(config);
    EXPECT_EQ(cfg_read(3, 0), 0x10411af4u);
    // The MAC in the device configuration (5.1.4), through the BAR's device-specific page.
    const uint64_t mac = pc->mmio_read(pc::kVirtioPciBarBase + VirtioPci::kDeviceOffset, 8);
    EXPECT_EQ(mac & 0xffffffffffffull, 0xccbbaa005452ull);
}

// --- The plan and the option parser (core/machine/pc/virtio_plan.h) ---

TEST(VirtioPlan, OrderIsDisksThenCardsThenEntropy) {
    MachineConfig config;
    config.disks.resize(2);
    config.nets = {"user", "tap=tap0"};
    auto plan = plan_virtio(config);
    ASSERT_TRUE(plan);
    ASSERT_EQ(plan->size(), 5u);
    EXPECT_EQ((*plan)[0].name, "virtio-blk0");
    EXPECT_EQ((*plan)[1].name, "virtio-blk1");
    EXPECT_EQ((*plan)[2].name, "virtio-net0");
    EXPECT_EQ((*plan)[3].name, "virtio-net1");
    EXPECT_EQ((*plan)[4].name, "virtio-rng");
    for (size_t i = 0; i < plan->size(); ++i) {
        EXPECT_EQ((*plan)[i].irq, virtio::kMmioIrqs[i]);
        EXPECT_EQ((*plan)[i].pci_device, 3 + i);
    }
}

TEST(VirtioPlan, RefusesTooManyDevicesAndUnknownTransports) {
    MachineConfig config;
    config.disks.resize(kMaxVirtioDevices);
    auto plan = plan_virtio(config);
    ASSERT_FALSE(plan);
    EXPECT_NE(plan.error().message.find("at most 7"), std::string::npos) << plan.error().message;
    config.disks.resize(1);
    config.virtio_transport = "isa";
    ASSERT_FALSE(plan_virtio(config));
}

TEST(VirtioPlan, AcpiListsMmioTransportsOnly) {
    MachineConfig config;
    config.disks.resize(1);
    EXPECT_TRUE(acpi_virtio_mmio(config).empty());
    config.virtio_transport = "mmio";
    auto devices = acpi_virtio_mmio(config);
    ASSERT_EQ(devices.size(), 2u);
    EXPECT_EQ(devices[1].base, virtio::mmio_slot_base(1));
    EXPECT_EQ(devices[1].size, virtio::kMmioSlotSize);
    EXPECT_EQ(devices[1].irq, virtio::kMmioIrqs[1]);
}

TEST(NetOption, ParsesTapAndUser) {
    auto tap = parse_net_option("tap=svm0,mac=52:54:00:01:02:03");
    ASSERT_TRUE(tap) << tap.error().message;
    EXPECT_EQ(tap->kind, NetOption::Kind::Tap);
    EXPECT_EQ(tap->tap_name, "svm0");
    ASSERT_TRUE(tap->mac);
    EXPECT_EQ(tap->mac->to_string(), "52:54:00:01:02:03");
    auto user = parse_net_option("user,hostfwd=tcp::5555-:7");
    ASSERT_TRUE(user) << user.error().message;
    EXPECT_EQ(user->kind, NetOption::Kind::User);
    EXPECT_FALSE(user->mac);
}

TEST(NetOption, RefusesBadValuesWithOneLine) {
    for (const char* bad : {"", "bridge=br0", "tap=", "tap=a-name-longer-than-15", "tap=x,mtu=9000",
                            "tap=x,mac=01:00:00:00:00:00", "user,hostfwd=tcp::0-:7",
                            "user,bogus=1"}) {
        auto r = parse_net_option(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
    }
}

}  // namespace
}  // namespace svm::test
