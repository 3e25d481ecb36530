// The modern virtio-pci transport (virtio 1.2, 4.1) driven as a guest driver drives it: PCI
// configuration cycles, BAR accesses, the initialisation sequence, requests, interrupts.
#include "devices/virtio/virtio_pci.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <map>
#include <random>
#include <thread>

#include "devices/virtio/virtio_blk.h"
#include "devices/virtio/virtio_rng.h"
#include "tests/unit/virtio/virtio_pci_harness.h"

namespace svm::virtio::test {
namespace {

constexpr uint8_t kAllStatus =
    kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk;

// A pattern source so tests can check what virtio-rng wrote.
std::shared_ptr<VirtioRng> pattern_rng() {
    return std::make_shared<VirtioRng>([](std::span<uint8_t> out) {
        for (size_t i = 0; i < out.size(); ++i) out[i] = static_cast<uint8_t>(0xa0 + i);
        return true;
    });
}

class VirtioPciTest : public ::testing::Test, public VirtioPciHarness {
protected:
    // Adds a chain of one writable buffer to queue 0, notifies through the BAR, returns the
    // used element.
    std::optional<UsedElem> rng_round_trip(uint32_t len = 8) {
        uint64_t buffer = driver_->alloc(len);
        driver_->add_chain({{buffer, len, true}});
        driver_->set_used_event(driver_->used_idx());  // with EVENT_IDX: interrupt for this one
        notify(0);
        return driver_->take_used();
    }
};

// --- Identity, BAR, capabilities (4.1.2, 4.1.4; PCI 3.0, 6.2.5.1, 6.7) ---

TEST_F(VirtioPciTest, HeaderIdentifiesAModernDevice) {
    attach(pattern_rng());
    EXPECT_EQ(cfg(PciFunction::kVendorId, 2), 0x1af4u);
    EXPECT_EQ(cfg(PciFunction::kDeviceId, 2), 0x1040u + 4);
    EXPECT_EQ(cfg(PciFunction::kRevisionId, 1), 1u);
    EXPECT_EQ(cfg(PciFunction::kClassCode, 1) | cfg(PciFunction::kClassCode + 1, 2) << 8,
              0xff0000u);
    EXPECT_EQ(cfg(PciFunction::kSubsystemVendorId, 2), 0x1af4u);
    EXPECT_EQ(cfg(PciFunction::kHeaderType, 1), 0u);
    EXPECT_EQ(cfg(Pci::kInterruptPin, 1), 1u);
    EXPECT_TRUE(cfg(PciFunction::kStatus, 2) & Pci::kStatusCapabilities);
    EXPECT_EQ(Pci::class_code(kDeviceBlock), 0x010000u);
    EXPECT_EQ(Pci::class_code(kDeviceNet), 0x020000u);
}

TEST_F(VirtioPciTest, BarIsA64BitMemoryBarThatSizesAndMoves) {
    attach(pattern_rng());
    EXPECT_EQ(cfg(Pci::kBar0), (kBarBase & 0xffffffff) | 0x4);
    EXPECT_EQ(cfg(Pci::kBar0 + 4), kBarBase >> 32);
    // Linux pci_read_bases: memory decoding off, all ones, read back, restore.
    set_cfg(PciFunction::kCommand, cfg(PciFunction::kCommand, 2) & ~Pci::kCommandMemory, 2);
    set_cfg(Pci::kBar0, 0xffffffff);
    set_cfg(Pci::kBar0 + 4, 0xffffffff);
    uint64_t sized = cfg(Pci::kBar0) | uint64_t{cfg(Pci::kBar0 + 4)} << 32;
    EXPECT_EQ(sized & 0xf, 0x4u);  // 64-bit, not prefetchable
    EXPECT_EQ(~(sized & ~0xfull) + 1, Pci::kBarSize);
    set_cfg(Pci::kBar0, 0x80000000);
    set_cfg(Pci::kBar0 + 4, 0x1);
    EXPECT_EQ(pci_->bar_address(), 0x180000000ull);
    EXPECT_FALSE(pci_->memory_decoding());
    set_cfg(PciFunction::kCommand, cfg(PciFunction::kCommand, 2) | Pci::kCommandMemory, 2);
    auto moves = bar_moves();
    ASSERT_FALSE(moves.empty());
    EXPECT_EQ(moves.front(), std::make_pair(kBarBase, false));
    EXPECT_EQ(moves.back(), std::make_pair(uint64_t{0x180000000}, true));
    for (size_t i = 0; i + 1 < moves.size(); ++i) EXPECT_FALSE(moves[i].second);
}

TEST_F(VirtioPciTest, CapabilityListWalksAsADriverWalksIt) {
    attach(pattern_rng());
    std::map<uint8_t, int> seen;
    uint64_t bar_size = Pci::kBarSize;
    unsigned at = cfg(Pci::kCapabilitiesPointer, 1);
    for (int guard = 0; at != 0 && guard < 48; ++guard) {
        ASSERT_EQ(at % 4, 0u);
        ASSERT_GE(at, 0x40u);
        uint8_t id = static_cast<uint8_t>(cfg(at, 1));
        if (id == MsixTable::kCapabilityId) {
            ++seen[0x11];
            uint32_t control = cfg(at + 2, 2);
            uint32_t vectors = (control & 0x7ff) + 1;
            EXPECT_EQ(vectors, 2u);  // config + one queue
            uint32_t table = cfg(at + 4), pba = cfg(at + 8);
            EXPECT_EQ(table & 7, 0u);  // BIR 0
            EXPECT_EQ(pba & 7, 0u);
            EXPECT_LE((table & ~7u) + 16 * vectors, bar_size);
            EXPECT_LE((pba & ~7u) + 8 * ((vectors + 63) / 64), bar_size);
        } else {
            ASSERT_EQ(id, Pci::kCapVendor);
            uint8_t len = static_cast<uint8_t>(cfg(at + 2, 1));
            uint8_t type = static_cast<uint8_t>(cfg(at + 3, 1));
            uint8_t bir = static_cast<uint8_t>(cfg(at + 4, 1));
            uint32_t offset = cfg(at + 8), length = cfg(at + 12);
            ++seen[type];
            EXPECT_EQ(bir, 0u);
            EXPECT_LE(uint64_t{offset} + length, bar_size) << "cfg_type " << int{type};
            switch (type) {
                case Pci::kCfgCommon:
                    EXPECT_EQ(len, 16);
                    EXPECT_GE(length, 0x38u);
                    break;
                case Pci::kCfgNotify: {
                    EXPECT_EQ(len, 20);
                    uint32_t multiplier = cfg(at + 16);
                    EXPECT_EQ(multiplier, 4u);
                    select(0);
                    uint32_t off = static_cast<uint32_t>(bar(Pci::kQueueNotifyOff, 2));
                    EXPECT_LE(off * multiplier + 2, length);  // 4.1.4.4.1
                    break;
                }
                case Pci::kCfgIsr:
                    EXPECT_GE(length, 1u);
                    break;
                case Pci::kCfgDevice:
                    EXPECT_GT(length, 0u);
                    break;
                case Pci::kCfgPci:
                    EXPECT_EQ(len, 20);
                    break;
                default:
                    ADD_FAILURE() << "unexpected cfg_type " << int{type};
            }
        }
        at = cfg(at + 1, 1);
    }
    EXPECT_EQ(at, 0u) << "capability list does not end";
    for (uint8_t type : {uint8_t{0x11}, Pci::kCfgCommon, Pci::kCfgNotify, Pci::kCfgIsr,
                         Pci::kCfgDevice, Pci::kCfgPci}) {
        EXPECT_EQ(seen[type], 1) << "capability " << int{type};
    }
}

// --- Initialisation (3.1.1) and requests ---

TEST_F(VirtioPciTest, RngInitialisesAndFillsABufferThroughTheNotifyAddress) {
    auto rng = pattern_rng();
    attach(rng);
    EXPECT_EQ(bar(Pci::kNumQueues, 2), 1u);
    uint64_t offered = device_features();
    EXPECT_EQ(offered, rng->device_features());
    EXPECT_EQ(init(), kAllStatus);
    uint64_t buffer = driver_->alloc(8);
    driver_->add_chain({{buffer, 8, true}});
    notify(0);
    auto used = driver_->take_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->len, 8u);
    EXPECT_EQ(memory_.read_obj<uint64_t>(buffer).value(), 0xa7a6a5a4a3a2a1a0ull);
    // MSI-X is off: INTx and the ISR's queue bit; reading the ISR clears it (4.1.4.5).
    EXPECT_TRUE(intx());
    EXPECT_TRUE(cfg(PciFunction::kStatus, 2) & Pci::kStatusInterrupt);
    EXPECT_EQ(bar(Pci::kIsrOffset, 1), Pci::kIsrQueue);
    EXPECT_FALSE(intx());
    EXPECT_EQ(bar(Pci::kIsrOffset, 1), 0u);
    EXPECT_FALSE(cfg(PciFunction::kStatus, 2) & Pci::kStatusInterrupt);
    EXPECT_TRUE(msis().empty());
}

class TempDisk {
public:
    static constexpr uint64_t kBytes = 64 * 1024;
    TempDisk() {
        int fd = ::mkstemp(path_.data());
        std::vector<uint8_t> data(kBytes);
        for (uint64_t i = 0; i < kBytes; ++i) data[i] = static_cast<uint8_t>(i * 7 % 251);
        EXPECT_EQ(::pwrite(fd, data.data(), data.size(), 0), ssize_t(kBytes));
        ::close(fd);
    }
    ~TempDisk() { ::unlink(path_.c_str()); }
    const std::string& path() const { return path_; }

private:
    std::string path_ = "/tmp/svm-virtio-pci-XXXXXX";
};

TEST_F(VirtioPciTest, BlockReadsASectorThroughTheTransport) {
    TempDisk disk;
    DiskConfig config;
    config.path = disk.path();
    auto image = BlockImage::open(config);
    ASSERT_TRUE(image) << image.error().message;
    attach(std::make_shared<VirtioBlk>(std::move(*image), "pci-disk"));
    EXPECT_EQ(cfg(PciFunction::kDeviceId, 2), 0x1042u);
    // The device configuration through the BAR (4.1.4.6): capacity in sectors.
    EXPECT_EQ(bar(Pci::kDeviceOffset, 8), TempDisk::kBytes / 512);
    EXPECT_EQ(bar(Pci::kDeviceOffset, 4), TempDisk::kBytes / 512);
    ASSERT_EQ(init(), kAllStatus);

    struct [[gnu::packed]] Header {
        uint32_t type, reserved;
        uint64_t sector;
    } header{kBlkTypeIn, 0, 3};
    uint64_t h = driver_->alloc_with(std::span(reinterpret_cast<uint8_t*>(&header), 16));
    uint64_t data = driver_->alloc(512), status = driver_->alloc(1);
    ASSERT_TRUE(memory_.write_obj<uint8_t>(status, 0xff));
    driver_->add_chain({{h, 16, false}, {data, 512, true}, {status, 1, true}});
    notify(0);
    auto used = driver_->take_used();
    ASSERT_TRUE(used);
    EXPECT_EQ(used->len, 513u);
    EXPECT_EQ(memory_.read_obj<uint8_t>(status).value(), kBlkStatusOk);
    for (uint64_t i = 0; i < 512; i += 97) {
        EXPECT_EQ(memory_.read_obj<uint8_t>(data + i).value(),
                  static_cast<uint8_t>((3 * 512 + i) * 7 % 251));
    }
    EXPECT_TRUE(intx());
}

// --- MSI-X (PCI 3.0, 6.8; virtio 1.2, 4.1.5.1.2) ---

TEST_F(VirtioPciTest, MsixDeliversTheProgrammedMessageAndHoldsMaskedOnesPending) {
    attach(pattern_rng());
    enable_msix();
    program_vector(0, 0xfee00000, 0x30);
    program_vector(1, 0xfee01000, 0x41);
    ASSERT_EQ(init(), kAllStatus);  // init maps config to vector 0, queue 0 to vector 1
    EXPECT_EQ(bar(Pci::kConfigMsixVector, 2), 0u);
    select(0);
    EXPECT_EQ(bar(Pci::kQueueMsixVector, 2), 1u);

    ASSERT_TRUE(rng_round_trip());
    ASSERT_EQ(msis().size(), 1u);
    EXPECT_EQ(msis()[0], (Msi{0xfee01000, 0x41}));
    EXPECT_FALSE(intx());
    EXPECT_EQ(bar(Pci::kIsrOffset, 1), 0u);  // the ISR is for INTx only

    // A masked vector sets its pending bit and delivers on unmask (6.8.3.4).
    set_bar(Pci::kMsixTableOffset + 16 + 12, 1, 4);
    ASSERT_TRUE(rng_round_trip());
    EXPECT_EQ(msis().size(), 1u);
    EXPECT_EQ(bar(Pci::kMsixPbaOffset, 8), 0b10u);
    set_bar(Pci::kMsixTableOffset + 16 + 12, 0, 4);
    ASSERT_EQ(msis().size(), 2u);
    EXPECT_EQ(msis()[1], (Msi{0xfee01000, 0x41}));
    EXPECT_EQ(bar(Pci::kMsixPbaOffset, 8), 0u);

    // The function mask holds every vector.
    set_cfg(Pci::kMsixCap + 2, cfg(Pci::kMsixCap + 2, 2) | MsixTable::kControlFunctionMask, 2);
    ASSERT_TRUE(rng_round_trip());
    EXPECT_EQ(msis().size(), 2u);
    EXPECT_EQ(bar(Pci::kMsixPbaOffset, 1), 0b10u);
    set_cfg(Pci::kMsixCap + 2, cfg(Pci::kMsixCap + 2, 2) & ~MsixTable::kControlFunctionMask, 2);
    EXPECT_EQ(msis().size(), 3u);

    // NO_VECTOR: no message at all.
    select(0);
    set_bar(Pci::kQueueMsixVector, Pci::kNoVector, 2);
    ASSERT_TRUE(rng_round_trip());
    EXPECT_EQ(msis().size(), 3u);
    EXPECT_FALSE(intx());
}

TEST_F(VirtioPciTest, MsixTableResetsMaskedAndRejectsOddAccesses) {
    attach(pattern_rng());
    for (uint16_t v = 0; v < 2; ++v) {
        EXPECT_EQ(bar(Pci::kMsixTableOffset + 16 * v + 12, 4), 1u) << "vector " << v;
    }
    set_bar(Pci::kMsixTableOffset + 8, 0x1234, 2);  // not a DWORD: dropped
    EXPECT_EQ(bar(Pci::kMsixTableOffset + 8, 4), 0u);
    set_bar(Pci::kMsixTableOffset + 9, 0x12345678, 4);  // misaligned: dropped
    EXPECT_EQ(bar(Pci::kMsixTableOffset + 8, 8), 0x100000000ull);
    // A vector past the table reads back NO_VECTOR (4.1.5.1.2.1).
    set_bar(Pci::kConfigMsixVector, 7, 2);
    EXPECT_EQ(bar(Pci::kConfigMsixVector, 2), Pci::kNoVector);
    // The Table Size is read-only.
    set_cfg(Pci::kMsixCap + 2, 0x07ff, 2);
    EXPECT_EQ(cfg(Pci::kMsixCap + 2, 2), 1u);
}

TEST_F(VirtioPciTest, InterruptDisableMasksIntx) {
    attach(pattern_rng());
    ASSERT_EQ(init(), kAllStatus);
    uint16_t command = static_cast<uint16_t>(cfg(PciFunction::kCommand, 2));
    set_cfg(PciFunction::kCommand, command | Pci::kCommandInterruptDisable, 2);
    ASSERT_TRUE(rng_round_trip());
    EXPECT_FALSE(intx());
    EXPECT_TRUE(cfg(PciFunction::kStatus, 2) & Pci::kStatusInterrupt);  // still pending
    set_cfg(PciFunction::kCommand, command, 2);
    EXPECT_TRUE(intx());
    enable_msix();  // MSI-X enabled: INTx is not used (4.1.4.5)
    EXPECT_FALSE(intx());
}

// --- The PCI configuration access capability (4.1.4.9) ---

TEST_F(VirtioPciTest, PciCfgWindowReachesTheBar) {
    attach(pattern_rng());
    const unsigned cap = Pci::kPciCfgCap;
    ASSERT_EQ(cfg(cap + 3, 1), Pci::kCfgPci);
    set_cfg(cap + 4, 0, 1);  // cap.bar
    set_cfg(cap + 12, 2);    // cap.length
    set_cfg(cap + 8, Pci::kCommonOffset + Pci::kNumQueues);
    EXPECT_EQ(cfg(Pci::kPciCfgData) & 0xffff, 1u);

    // Writes: the status through the window.
    set_cfg(cap + 12, 1);
    set_cfg(cap + 8, Pci::kCommonOffset + Pci::kDeviceStatus);
    set_cfg(Pci::kPciCfgData, kStatusAcknowledge, 1);
    EXPECT_EQ(status(), kStatusAcknowledge);
    EXPECT_EQ(cfg(Pci::kPciCfgData, 1), kStatusAcknowledge);

    // A 4-byte window: the device features.
    set_cfg(cap + 12, 4);
    set_cfg(cap + 8, Pci::kCommonOffset + Pci::kDeviceFeatureSelect);
    set_cfg(Pci::kPciCfgData, 1);
    set_cfg(cap + 8, Pci::kCommonOffset + Pci::kDeviceFeature);
    EXPECT_EQ(cfg(Pci::kPciCfgData), kFeatureVersion1 >> 32);

    // Reading the ISR through the window clears it as an MMIO read does.
    ASSERT_EQ(init(), kAllStatus);
    ASSERT_TRUE(rng_round_trip());
    ASSERT_TRUE(intx());
    set_cfg(cap + 12, 1);
    set_cfg(cap + 8, Pci::kIsrOffset);
    EXPECT_EQ(cfg(Pci::kPciCfgData, 1), Pci::kIsrQueue);
    EXPECT_FALSE(intx());

    // Bad windows do nothing: length 3, misaligned, another BAR, past the BAR.
    for (auto [bar_index, length, offset] :
         {std::tuple{0u, 3u, 0u}, {0u, 4u, 2u}, {2u, 4u, 0u}, {0u, 4u, 0x8000u}}) {
        set_cfg(cap + 4, bar_index, 1);
        set_cfg(cap + 12, length);
        set_cfg(cap + 8, offset);
        set_cfg(Pci::kPciCfgData, 0);
        (void)cfg(Pci::kPciCfgData);
    }
    EXPECT_EQ(status(), kAllStatus);
}

// --- Status machine (2.1, 3.1.1, 4.1.4.3) ---

TEST_F(VirtioPciTest, FeaturesOkIsRefusedForUnofferedFeaturesOrWithoutVersion1) {
    attach(pattern_rng());
    uint64_t offered = device_features();
    EXPECT_EQ(negotiate(offered & ~kFeatureVersion1) & kStatusFeaturesOk, 0);
    // DRIVER_OK without FEATURES_OK does not take.
    set_status(kStatusAcknowledge | kStatusDriver | kStatusDriverOk);
    EXPECT_EQ(status() & kStatusDriverOk, 0);
    EXPECT_EQ(negotiate(offered | 1), kStatusAcknowledge | kStatusDriver);  // bit 0 not offered
    EXPECT_EQ(negotiate(offered) & kStatusFeaturesOk, kStatusFeaturesOk);
    // Features are frozen after FEATURES_OK.
    set_bar(Pci::kDriverFeatureSelect, 1, 4);
    set_bar(Pci::kDriverFeature, 0, 4);
    EXPECT_EQ(bar(Pci::kDriverFeature, 4), offered >> 32);
}

TEST_F(VirtioPciTest, ResetRestoresEveryRegisterAndTheDeviceWorksAgain) {
    attach(pattern_rng());
    enable_msix();
    program_vector(1, 0xfee00000, 0x51);
    ASSERT_EQ(init(), kAllStatus);
    EXPECT_EQ(bar(Pci::kConfigMsixVector, 2), 0u);
    ASSERT_TRUE(rng_round_trip());

    set_status(0);
    EXPECT_EQ(status(), 0);  // the reset is complete when the write returns (4.1.4.3.2)
    EXPECT_EQ(bar(Pci::kConfigMsixVector, 2), Pci::kNoVector);
    set_bar(Pci::kDriverFeatureSelect, 1, 4);
    EXPECT_EQ(bar(Pci::kDriverFeature, 4), 0u);
    select(0);
    EXPECT_EQ(bar(Pci::kQueueEnable, 2), 0u);
    EXPECT_EQ(bar(Pci::kQueueSize, 2), VirtioRng::kQueueSize);
    EXPECT_EQ(bar(Pci::kQueueMsixVector, 2), Pci::kNoVector);
    EXPECT_EQ(bar(Pci::kQueueDesc, 8), 0u);
    // A notification after reset reaches nothing.
    driver_->add_chain({{driver_->alloc(4), 4, true}});
    notify(0);
    EXPECT_FALSE(driver_->take_used());

    size_t before = msis().size();
    ASSERT_EQ(init(), kAllStatus);
    ASSERT_TRUE(rng_round_trip());
    EXPECT_EQ(msis().size(), before + 1);
}

TEST_F(VirtioPciTest, MalformedRingSetsNeedsResetWithAConfigInterrupt) {
    attach(pattern_rng());
    ASSERT_EQ(init(), kAllStatus);
    driver_->set_avail_idx(100);  // more than the queue size past the last index seen
    notify(0);
    EXPECT_EQ(status(), kAllStatus | kStatusDeviceNeedsReset);
    EXPECT_TRUE(intx());
    EXPECT_EQ(bar(Pci::kIsrOffset, 1), Pci::kIsrConfig);
    // The driver keeps the bit when it writes the status back; only a reset clears it.
    set_status(kAllStatus);
    EXPECT_EQ(status(), kAllStatus | kStatusDeviceNeedsReset);
    set_status(0);
    EXPECT_EQ(status(), 0);
    ASSERT_EQ(init(), kAllStatus);
    ASSERT_TRUE(rng_round_trip());
}

TEST_F(VirtioPciTest, NeedsResetGoesToTheConfigVectorWithMsix) {
    attach(pattern_rng());
    enable_msix();
    program_vector(0, 0xfee00000, 0x22);
    ASSERT_EQ(init(), kAllStatus);
    driver_->set_avail_idx(100);
    notify(0);
    EXPECT_TRUE(status() & kStatusDeviceNeedsReset);
    ASSERT_EQ(msis().size(), 1u);
    EXPECT_EQ(msis()[0], (Msi{0xfee00000, 0x22}));
}

TEST_F(VirtioPciTest, BadQueueLayoutAtDriverOkSetsNeedsReset) {
    attach(pattern_rng());
    ASSERT_EQ(negotiate(device_features()) & kStatusFeaturesOk, kStatusFeaturesOk);
    setup_queue0();
    set_bar(Pci::kQueueSize, 6, 2);  // after queue_enable: ignored
    EXPECT_EQ(bar(Pci::kQueueSize, 2), kQueueEntries);
    set_status(0);
    ASSERT_EQ(negotiate(device_features()) & kStatusFeaturesOk, kStatusFeaturesOk);
    select(0);
    set_bar(Pci::kQueueSize, 6, 2);  // not a power of 2
    set_bar(Pci::kQueueDesc, 0x10000, 8);
    set_bar(Pci::kQueueDriver, 0x11000, 8);
    set_bar(Pci::kQueueDevice, 0x12000, 8);
    set_bar(Pci::kQueueEnable, 1, 2);
    set_status(kAllStatus);
    EXPECT_EQ(status(), kAllStatus | kStatusDeviceNeedsReset);
}

TEST_F(VirtioPciTest, WrongWidthsAndOutOfRangeQueuesAreIgnored) {
    attach(pattern_rng());
    set_bar(Pci::kQueueSelect, 0x0101, 1);  // an 8-bit write to a 16-bit field
    EXPECT_EQ(bar(Pci::kQueueSelect, 2), 0u);
    set_bar(Pci::kDeviceStatus, 0x0101, 2);  // a 16-bit write to an 8-bit field
    EXPECT_EQ(status(), 0);
    select(5);
    EXPECT_EQ(bar(Pci::kQueueSelect, 2), 5u);
    EXPECT_EQ(bar(Pci::kQueueSize, 2), 0u);  // unavailable (4.1.4.3.1)
    set_bar(Pci::kQueueEnable, 1, 2);
    set_bar(Pci::kQueueDesc, 0x1000, 8);
    EXPECT_EQ(bar(Pci::kQueueEnable, 2), 0u);
    EXPECT_EQ(bar(Pci::kQueueDesc, 8), 0u);
    select(0);
    set_bar(Pci::kQueueSize, 512, 2);  // above the maximum
    EXPECT_EQ(bar(Pci::kQueueSize, 2), VirtioRng::kQueueSize);
    set_bar(Pci::kQueueNotifyOff, 9, 2);  // read-only
    EXPECT_EQ(bar(Pci::kQueueNotifyOff, 2), 0u);
    set_bar(Pci::kQueueEnable, 0, 2);  // the driver must not write 0
    set_bar(Pci::kNumQueues, 9, 2);
    EXPECT_EQ(bar(Pci::kNumQueues, 2), 1u);
    // Reads of any width are served; accesses crossing a page or past the BAR read 0.
    EXPECT_EQ(bar(Pci::kNumQueues - 1, 4) >> 8 & 0xffff, 1u);
    EXPECT_EQ(bar(Pci::kIsrOffset - 2, 4), 0u);
    EXPECT_EQ(bar(Pci::kBarSize - 1, 2), 0u);
    EXPECT_EQ(bar(Pci::kBarSize + 0x100, 4), 0u);
}

// --- Hostile input ---

// Random writes and reads of every width all over the configuration space and the BAR, from
// several threads at once; then a clean reset and initialisation must still work.
TEST_F(VirtioPciTest, GarbageStormNeitherCrashesNorWedges) {
    attach(pattern_rng());
    auto storm = [this](unsigned seed) {
        std::mt19937_64 random(seed);
        const unsigned widths[] = {1, 2, 4, 8};
        for (int i = 0; i < 20000; ++i) {
            uint64_t value = random();
            unsigned width = widths[random() % 4];
            switch (random() % 4) {
                case 0: {
                    uint8_t bytes[4];
                    unsigned n = std::min(width, 4u);
                    for (unsigned b = 0; b < n; ++b)
                        bytes[b] = static_cast<uint8_t>(value >> (8 * b));
                    bus_.write(0, 3, 0, random() % 260, std::span(bytes, n));
                    break;
                }
                case 1: {
                    uint8_t bytes[4];
                    bus_.read(0, 3, 0, random() % 260, std::span(bytes, std::min(width, 4u)));
                    break;
                }
                case 2: {
                    uint8_t bytes[8];
                    for (unsigned b = 0; b < 8; ++b)
                        bytes[b] = static_cast<uint8_t>(value >> (8 * b));
                    // Mostly the interesting pages, sometimes anywhere (and past the end).
                    uint64_t offset =
                        random() % 2 ? random() % 0x40 : random() % (Pci::kBarSize + 64);
                    if (random() % 8 == 0) offset = Pci::kNotifyOffset + (random() % 4) * 4;
                    pci_->write(offset, std::span(bytes, width));
                    break;
                }
                default: {
                    uint8_t bytes[8];
                    pci_->read(random() % (Pci::kBarSize + 64), std::span(bytes, width));
                    break;
                }
            }
        }
    };
    std::vector<std::thread> threads;
    for (unsigned t = 0; t < 4; ++t) threads.emplace_back(storm, 1000 + t);
    for (auto& thread : threads) thread.join();

    // Put the function back as firmware left it, then a driver starts over.
    set_cfg(Pci::kBar0, static_cast<uint32_t>(kBarBase));
    set_cfg(Pci::kBar0 + 4, 0);
    set_cfg(PciFunction::kCommand, Pci::kCommandMemory | Pci::kCommandBusMaster, 2);
    set_cfg(Pci::kMsixCap + 2, 0, 2);
    EXPECT_EQ(pci_->bar_address(), kBarBase);
    ASSERT_EQ(init(), kAllStatus);
    ASSERT_TRUE(rng_round_trip());
}

}  // namespace
}  // namespace svm::virtio::test
