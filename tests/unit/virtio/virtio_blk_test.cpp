// virtio-blk (virtio 1.2, 5.2) driven through the test driver's rings against a temporary image.
#include "devices/virtio/virtio_blk.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "tests/unit/virtio/test_driver.h"

namespace svm::virtio::test {
namespace {

constexpr uint64_t kRam = 4ull << 20;
constexpr uint64_t kImageBytes = 64 * 1024;  // 128 sectors
constexpr uint64_t kAllFeatures = ~0ull;     // "negotiate whatever the device offers"

uint8_t pattern(uint64_t offset) {
    return static_cast<uint8_t>(offset * 7 % 251);
}

// A temporary image of kImageBytes holding pattern(), removed at the end.
class TempImage {
public:
    TempImage() {
        int fd = ::mkstemp(path_.data());
        std::vector<uint8_t> data(kImageBytes);
        for (uint64_t i = 0; i < kImageBytes; ++i) data[i] = pattern(i);
        EXPECT_EQ(::pwrite(fd, data.data(), data.size(), 0), ssize_t(kImageBytes));
        ::close(fd);
    }
    ~TempImage() { ::unlink(path_.c_str()); }
    const std::string& path() const { return path_; }
    std::vector<uint8_t> contents(uint64_t offset, size_t len) const {
        std::vector<uint8_t> out(len);
        int fd = ::open(path_.c_str(), O_RDONLY);
        EXPECT_EQ(::pread(fd, out.data(), len, static_cast<off_t>(offset)), ssize_t(len));
        ::close(fd);
        return out;
    }
    bool unchanged() const {
        auto bytes = contents(0, kImageBytes);
        for (uint64_t i = 0; i < kImageBytes; ++i)
            if (bytes[i] != pattern(i)) return false;
        return true;
    }

private:
    std::string path_ = "/tmp/svm-virtio-blk-XXXXXX";
};

bool all(const std::vector<uint8_t>& bytes, uint8_t value) {
    for (uint8_t b : bytes)
        if (b != value) return false;
    return true;
}

struct Reply {
    uint8_t status = 0xff;
    uint32_t len = 0;
    bool used = false;
};

struct Header {
    uint32_t type;
    uint32_t reserved;
    uint64_t sector;
};

struct Segment {
    uint64_t sector;
    uint32_t num_sectors;
    uint32_t flags;
};

class VirtioBlkTest : public ::testing::Test {
protected:
    VirtioBlkTest() : memory_(GuestMemory::create(kRam).value()) {}

    // Opens the image, creates the device and activates it with `features` (masked to what the
    // device offers) on a queue of 16 entries.
    void start(bool read_only = false, std::string serial = "", uint64_t features = kAllFeatures,
               DiskCache cache = DiskCache::Writeback) {
        DiskConfig config;
        config.path = file_.path();
        config.read_only = read_only;
        config.cache = cache;
        auto image = BlockImage::open(config);
        ASSERT_TRUE(image) << image.error().message;
        blk_.emplace(std::move(*image), std::move(serial));
        activate(features & blk_->device_features());
    }

    void activate(uint64_t features) {
        features_ = features;
        driver_.emplace(memory_, TestDriver::layout_at(0x1000, 16));
        queues_[0].reset();
        ASSERT_TRUE(queues_[0].enable(memory_, driver_->layout(),
                                      (features & kFeatureEventIdx) != 0,
                                      (features & kFeatureIndirectDesc) != 0));
        DeviceContext context;
        context.memory = &memory_;
        context.queues = queues_;
        context.features = features;
        context.interrupt = [this](uint16_t index) {
            EXPECT_EQ(index, 0);
            ++interrupts_;
        };
        context.needs_reset = [this](const std::string& why) { resets_.push_back(why); };
        ASSERT_TRUE(blk_->activate(context));
    }

    uint64_t header(uint32_t type, uint64_t sector) {
        Header h{type, 0, sector};
        return driver_->alloc_with(std::span(reinterpret_cast<const uint8_t*>(&h), sizeof(h)));
    }

    // Notifies the device and returns the status of the one request expected back.
    Reply finish(uint64_t status_gpa) {
        blk_->notify(0);
        Reply reply;
        auto used = driver_->take_used();
        if (!used) return reply;
        reply.used = true;
        reply.len = used->len;
        reply.status = memory_.read_obj<uint8_t>(status_gpa).value();
        return reply;
    }

    // A request with `out` after the header (readable) and `in_lens` writable data buffers
    // before the status byte; `in_gpas` receives where those buffers are.
    Reply submit(uint32_t type, uint64_t sector, std::vector<uint8_t> out = {},
                 std::vector<uint32_t> in_lens = {}, std::vector<uint64_t>* in_gpas = nullptr,
                 bool indirect = false) {
        std::vector<TestBuffer> buffers{{header(type, sector), 16, false}};
        if (!out.empty()) {
            buffers.push_back({driver_->alloc_with(out), static_cast<uint32_t>(out.size()), false});
        }
        for (uint32_t len : in_lens) {
            uint64_t gpa = driver_->alloc(len);
            if (in_gpas) in_gpas->push_back(gpa);
            buffers.push_back({gpa, len, true});
        }
        uint64_t status = driver_->alloc(1);
        memory_.write_obj<uint8_t>(status, 0xff).value();
        buffers.push_back({status, 1, true});
        if (indirect) {
            driver_->add_indirect(driver_->alloc(16 * buffers.size()), buffers);
        } else {
            driver_->add_chain(buffers);
        }
        return finish(status);
    }

    // Reads `sectors` sectors at `sector` into one buffer; returns the reply and the data.
    Reply read(uint64_t sector, uint32_t sectors, std::vector<uint8_t>& data) {
        std::vector<uint64_t> gpas;
        Reply reply = submit(kBlkTypeIn, sector, {}, {sectors * 512}, &gpas);
        data.assign(sectors * 512, 0);
        EXPECT_TRUE(memory_.read(gpas[0], data));
        return reply;
    }

    Reply discard_or_zero(uint32_t type, std::vector<Segment> segments) {
        std::vector<uint8_t> bytes(segments.size() * sizeof(Segment));
        std::memcpy(bytes.data(), segments.data(), bytes.size());
        return submit(type, 0, bytes);
    }

    TempImage file_;
    GuestMemory memory_;
    SplitQueue queues_[1];
    std::optional<TestDriver> driver_;
    std::optional<VirtioBlk> blk_;
    uint64_t features_ = 0;
    int interrupts_ = 0;
    std::vector<std::string> resets_;
};

template <typename T>
T config_field(const VirtioBlk& blk, uint32_t offset) {
    T value{};
    blk.read_config(offset, std::span(reinterpret_cast<uint8_t*>(&value), sizeof(T)));
    return value;
}

// --- Identity and configuration space (5.2.1, 5.2.3, 5.2.4) ---

TEST_F(VirtioBlkTest, DeviceIdFeaturesAndQueues) {
    start(false, "", 0);
    EXPECT_EQ(blk_->device_id(), 2u);
    EXPECT_EQ(blk_->num_queues(), 1);
    EXPECT_EQ(blk_->queue_max_size(0), 256);
    uint64_t f = blk_->device_features();
    for (uint64_t bit :
         {kFeatureVersion1, kFeatureIndirectDesc, kFeatureEventIdx, kBlkFeatureSegMax,
          kBlkFeatureBlkSize, kBlkFeatureFlush, kBlkFeatureWriteZeroes}) {
        EXPECT_TRUE(f & bit) << std::hex << bit;
    }
    EXPECT_FALSE(f & kBlkFeatureRo);
    EXPECT_EQ((f & kBlkFeatureDiscard) != 0, blk_->image().discard_supported());
}

TEST_F(VirtioBlkTest, ConfigLayout) {
    start();
    EXPECT_EQ(config_field<uint64_t>(*blk_, 0), kImageBytes / 512);  // capacity
    EXPECT_EQ(config_field<uint32_t>(*blk_, 12), 254u);              // seg_max
    EXPECT_EQ(config_field<uint32_t>(*blk_, 20), 512u);              // blk_size
    EXPECT_EQ(config_field<uint32_t>(*blk_, 48), VirtioBlk::kMaxWriteZeroesSectors);
    EXPECT_EQ(config_field<uint32_t>(*blk_, 52), VirtioBlk::kMaxDiscardSegments);
    if (blk_->image().discard_supported()) {
        EXPECT_EQ(config_field<uint32_t>(*blk_, 36), VirtioBlk::kMaxDiscardSectors);
        EXPECT_EQ(config_field<uint32_t>(*blk_, 40), VirtioBlk::kMaxDiscardSegments);
        EXPECT_EQ(config_field<uint32_t>(*blk_, 44), 8u);
        EXPECT_EQ(config_field<uint8_t>(*blk_, 56), 1);
    }
    // A read straddling the end, and one past it, see zeroes beyond the structure.
    EXPECT_EQ(config_field<uint64_t>(*blk_, 68), 0u);
    EXPECT_EQ(config_field<uint32_t>(*blk_, 4096), 0u);
    // Byte-wise reads agree with wide ones.
    uint8_t low = 0;
    blk_->read_config(0, std::span(&low, 1));
    EXPECT_EQ(low, (kImageBytes / 512) & 0xff);
}

TEST_F(VirtioBlkTest, ReadOnlyImageOffersRoAndNoDiscard) {
    start(true);
    uint64_t f = blk_->device_features();
    EXPECT_TRUE(f & kBlkFeatureRo);
    EXPECT_FALSE(f & kBlkFeatureDiscard);
    EXPECT_FALSE(f & kBlkFeatureWriteZeroes);
    EXPECT_EQ(config_field<uint32_t>(*blk_, 48), 0u);
}

// --- Requests (5.2.6) ---

TEST_F(VirtioBlkTest, ReadReturnsTheImage) {
    start();
    std::vector<uint64_t> gpas;
    // Two sectors at sector 3, split into buffers of 100 and 924 bytes.
    Reply reply = submit(kBlkTypeIn, 3, {}, {100, 924}, &gpas);
    ASSERT_TRUE(reply.used);
    EXPECT_EQ(reply.status, kBlkStatusOk);
    EXPECT_EQ(reply.len, 1024u + 1);
    std::vector<uint8_t> a(100), b(924);
    ASSERT_TRUE(memory_.read(gpas[0], a));
    ASSERT_TRUE(memory_.read(gpas[1], b));
    for (size_t i = 0; i < 100; ++i) ASSERT_EQ(a[i], pattern(3 * 512 + i));
    for (size_t i = 0; i < 924; ++i) ASSERT_EQ(b[i], pattern(3 * 512 + 100 + i));
    EXPECT_EQ(interrupts_, 1);
}

TEST_F(VirtioBlkTest, WriteThenReadBack) {
    start();
    std::vector<uint8_t> data(1536);
    for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<uint8_t>(i ^ 0x5a);
    Reply reply = submit(kBlkTypeOut, 10, data);
    EXPECT_EQ(reply.status, kBlkStatusOk);
    EXPECT_EQ(reply.len, 1u);
    EXPECT_EQ(file_.contents(10 * 512, 1536), data);
    std::vector<uint8_t> back;
    EXPECT_EQ(read(10, 3, back).status, kBlkStatusOk);
    EXPECT_EQ(back, data);
    EXPECT_EQ(file_.contents(9 * 512, 512)[0], pattern(9 * 512));
}

TEST_F(VirtioBlkTest, IndirectChain) {
    start();
    std::vector<uint8_t> data(512, 0x42);
    EXPECT_EQ(submit(kBlkTypeOut, 0, data, {}, nullptr, true).status, kBlkStatusOk);
    std::vector<uint64_t> gpas;
    Reply reply = submit(kBlkTypeIn, 0, {}, {512}, &gpas, true);
    EXPECT_EQ(reply.status, kBlkStatusOk);
    EXPECT_EQ(reply.len, 513u);
    std::vector<uint8_t> back(512);
    ASSERT_TRUE(memory_.read(gpas[0], back));
    EXPECT_EQ(back, data);
}

TEST_F(VirtioBlkTest, Flush) {
    start();
    EXPECT_EQ(submit(kBlkTypeFlush, 0).status, kBlkStatusOk);
}

TEST_F(VirtioBlkTest, FlushWithoutTheFeatureIsUnsupported) {
    start(false, "", kAllFeatures & ~kBlkFeatureFlush);
    EXPECT_EQ(submit(kBlkTypeFlush, 0).status, kBlkStatusUnsupp);
}

TEST_F(VirtioBlkTest, GetIdPadsWithNul) {
    start(false, "SVM-SERIAL");
    std::vector<uint64_t> gpas;
    Reply reply = submit(kBlkTypeGetId, 0, {}, {20}, &gpas);
    EXPECT_EQ(reply.status, kBlkStatusOk);
    EXPECT_EQ(reply.len, 21u);
    char id[20];
    ASSERT_TRUE(memory_.read(gpas[0], std::span(reinterpret_cast<uint8_t*>(id), 20)));
    EXPECT_EQ(std::string(id, 10), "SVM-SERIAL");
    for (int i = 10; i < 20; ++i) EXPECT_EQ(id[i], 0);
}

TEST_F(VirtioBlkTest, GetIdOfTwentyBytesHasNoNul) {
    start(false, "abcdefghijklmnopqrst");
    std::vector<uint64_t> gpas;
    Reply reply = submit(kBlkTypeGetId, 0, {}, {20}, &gpas);
    EXPECT_EQ(reply.status, kBlkStatusOk);
    char id[20];
    ASSERT_TRUE(memory_.read(gpas[0], std::span(reinterpret_cast<uint8_t*>(id), 20)));
    EXPECT_EQ(std::string(id, 20), "abcdefghijklmnopqrst");
}

TEST_F(VirtioBlkTest, UnknownTypeIsUnsupported) {
    start();
    EXPECT_EQ(submit(10, 0, {}, {512}).status, kBlkStatusUnsupp);  // GET_LIFETIME
    EXPECT_EQ(submit(14, 0, {}).status, kBlkStatusUnsupp);         // SECURE_ERASE
    EXPECT_EQ(submit(0x12345, 0).status, kBlkStatusUnsupp);
    EXPECT_TRUE(resets_.empty());
}

TEST_F(VirtioBlkTest, OutOfRangeIsAnIoError) {
    start();
    std::vector<uint8_t> sector(512, 0xee);
    EXPECT_EQ(submit(kBlkTypeIn, 128, {}, {512}).status, kBlkStatusIoErr);
    EXPECT_EQ(submit(kBlkTypeIn, 127, {}, {1024}).status, kBlkStatusIoErr);
    EXPECT_EQ(submit(kBlkTypeIn, ~0ull, {}, {512}).status, kBlkStatusIoErr);
    EXPECT_EQ(submit(kBlkTypeOut, 128, sector).status, kBlkStatusIoErr);
    EXPECT_EQ(submit(kBlkTypeOut, ~0ull - 1, sector).status, kBlkStatusIoErr);
    Reply partial = submit(kBlkTypeOut, 0, std::vector<uint8_t>(100, 0xee));
    EXPECT_EQ(partial.status, kBlkStatusIoErr);
    EXPECT_EQ(partial.len, 1u);
    EXPECT_EQ(submit(kBlkTypeIn, 0, {}, {511}).status, kBlkStatusIoErr);
    EXPECT_EQ(submit(kBlkTypeIn, 127, {}, {512}).status, kBlkStatusOk);  // the last sector
    EXPECT_TRUE(file_.unchanged());
    EXPECT_TRUE(resets_.empty());
}

TEST_F(VirtioBlkTest, ReadOnlyRejectsWritesAndKeepsTheFile) {
    start(true);
    std::vector<uint8_t> data(512, 0x11);
    EXPECT_EQ(submit(kBlkTypeOut, 0, data).status, kBlkStatusIoErr);
    EXPECT_EQ(submit(kBlkTypeOut, 1, data).status, kBlkStatusIoErr);
    EXPECT_EQ(discard_or_zero(kBlkTypeDiscard, {{0, 1, 0}}).status, kBlkStatusIoErr);
    EXPECT_EQ(discard_or_zero(kBlkTypeWriteZeroes, {{0, 1, 0}}).status, kBlkStatusIoErr);
    std::vector<uint8_t> back;
    EXPECT_EQ(read(0, 1, back).status, kBlkStatusOk);
    EXPECT_EQ(back[1], pattern(1));
    EXPECT_EQ(submit(kBlkTypeFlush, 0).status, kBlkStatusOk);
    EXPECT_TRUE(file_.unchanged());
    EXPECT_TRUE(resets_.empty());
}

TEST_F(VirtioBlkTest, DiscardZeroesTheSegments) {
    start();
    if (!blk_->image().discard_supported()) GTEST_SKIP() << "/tmp cannot punch holes";
    Reply reply = discard_or_zero(kBlkTypeDiscard, {{8, 8, 0}, {32, 16, 0}});
    EXPECT_EQ(reply.status, kBlkStatusOk);
    EXPECT_EQ(reply.len, 1u);
    EXPECT_TRUE(all(file_.contents(8 * 512, 8 * 512), 0));
    EXPECT_TRUE(all(file_.contents(32 * 512, 16 * 512), 0));
    EXPECT_EQ(file_.contents(16 * 512, 1)[0], pattern(16 * 512 + 0));
    EXPECT_EQ(file_.contents(31 * 512 + 511, 1)[0], pattern(31 * 512 + 511));
}

TEST_F(VirtioBlkTest, DiscardRejectsUnmapAndUnknownFlags) {
    start();
    if (!blk_->image().discard_supported()) GTEST_SKIP() << "/tmp cannot punch holes";
    // 5.2.6.2: UNSUPP for the unmap flag on a discard, and for any unknown flag.
    EXPECT_EQ(discard_or_zero(kBlkTypeDiscard, {{0, 8, kBlkFlagUnmap}}).status, kBlkStatusUnsupp);
    EXPECT_EQ(discard_or_zero(kBlkTypeDiscard, {{0, 8, 2}}).status, kBlkStatusUnsupp);
    EXPECT_EQ(discard_or_zero(kBlkTypeWriteZeroes, {{0, 8, 4}}).status, kBlkStatusUnsupp);
    EXPECT_TRUE(file_.unchanged());
}

TEST_F(VirtioBlkTest, DiscardAndWriteZeroesCheckEverySegmentFirst) {
    start();
    // The second segment passes the end: nothing is changed, not even the first segment.
    EXPECT_EQ(discard_or_zero(kBlkTypeWriteZeroes, {{0, 8, 0}, {120, 9, 0}}).status,
              kBlkStatusIoErr);
    EXPECT_EQ(discard_or_zero(kBlkTypeWriteZeroes, {{~0ull, 1, 0}}).status, kBlkStatusIoErr);
    // Not a whole number of segments, none at all, or too many.
    EXPECT_EQ(submit(kBlkTypeWriteZeroes, 0, std::vector<uint8_t>(20)).status, kBlkStatusIoErr);
    EXPECT_EQ(submit(kBlkTypeWriteZeroes, 0).status, kBlkStatusIoErr);
    std::vector<Segment> many(VirtioBlk::kMaxDiscardSegments + 1, Segment{0, 1, 0});
    EXPECT_EQ(discard_or_zero(kBlkTypeWriteZeroes, many).status, kBlkStatusIoErr);
    EXPECT_TRUE(file_.unchanged());
}

TEST_F(VirtioBlkTest, WriteZeroesWithAndWithoutUnmap) {
    start();
    EXPECT_EQ(discard_or_zero(kBlkTypeWriteZeroes, {{1, 2, 0}, {64, 64, kBlkFlagUnmap}}).status,
              kBlkStatusOk);
    EXPECT_TRUE(all(file_.contents(512, 1024), 0));
    EXPECT_TRUE(all(file_.contents(64 * 512, 64 * 512), 0));
    EXPECT_EQ(file_.contents(0, 1)[0], pattern(0));
    EXPECT_EQ(file_.contents(3 * 512, 1)[0], pattern(3 * 512));
    std::vector<uint8_t> back;
    EXPECT_EQ(read(1, 2, back).status, kBlkStatusOk);
    EXPECT_TRUE(all(back, 0));
}

TEST_F(VirtioBlkTest, WriteZeroesWithoutTheFeatureIsUnsupported) {
    start(false, "", kAllFeatures & ~kBlkFeatureWriteZeroes & ~kBlkFeatureDiscard);
    EXPECT_EQ(discard_or_zero(kBlkTypeWriteZeroes, {{0, 1, 0}}).status, kBlkStatusUnsupp);
    EXPECT_EQ(discard_or_zero(kBlkTypeDiscard, {{0, 1, 0}}).status, kBlkStatusUnsupp);
    EXPECT_TRUE(file_.unchanged());
}

// --- Malformed chains: DEVICE_NEEDS_RESET (2.1.2) ---

TEST_F(VirtioBlkTest, ShortHeaderNeedsReset) {
    start();
    uint64_t status = driver_->alloc(1);
    driver_->add_chain({{header(kBlkTypeIn, 0), 8, false}, {status, 1, true}});
    blk_->notify(0);
    ASSERT_EQ(resets_.size(), 1u);
    EXPECT_NE(resets_[0].find("header"), std::string::npos) << resets_[0];
    EXPECT_FALSE(driver_->take_used());
    // Once failed, the device ignores the queue until reset.
    submit(kBlkTypeFlush, 0);
    EXPECT_EQ(resets_.size(), 1u);
    EXPECT_FALSE(driver_->take_used());
}

TEST_F(VirtioBlkTest, NoStatusByteNeedsReset) {
    start();
    std::vector<uint8_t> data(512, 0x77);
    driver_->add_chain(
        {{header(kBlkTypeOut, 0), 16, false}, {driver_->alloc_with(data), 512, false}});
    blk_->notify(0);
    ASSERT_EQ(resets_.size(), 1u);
    EXPECT_NE(resets_[0].find("status"), std::string::npos) << resets_[0];
    EXPECT_FALSE(driver_->take_used());
    EXPECT_TRUE(file_.unchanged());
}

TEST_F(VirtioBlkTest, BadRingNeedsResetAndResetRecovers) {
    start();
    driver_->write_desc(0, 0x100000, 16, kDescNext, 99);  // next index past the queue
    driver_->make_available(0);
    blk_->notify(0);
    EXPECT_EQ(resets_.size(), 1u);
    // The transport resets the device and the driver sets it up again.
    blk_->reset();
    activate(features_);
    EXPECT_EQ(submit(kBlkTypeFlush, 0).status, kBlkStatusOk);
    EXPECT_EQ(resets_.size(), 1u);
}

// --- Notifications (2.7.7, 2.7.10) ---

TEST_F(VirtioBlkTest, OneInterruptPerBatch) {
    start(false, "", kAllFeatures & ~kFeatureEventIdx);
    std::vector<uint64_t> statuses;
    for (int i = 0; i < 3; ++i) {
        statuses.push_back(driver_->alloc(1));
        driver_->add_chain({{header(kBlkTypeFlush, 0), 16, false}, {statuses.back(), 1, true}});
    }
    blk_->notify(0);
    EXPECT_EQ(driver_->used_idx(), 3);
    EXPECT_EQ(interrupts_, 1);
    EXPECT_EQ(driver_->used_flags(), 0);  // notifications are back on after the batch
    // A driver that asked for no interrupts gets none.
    driver_->set_avail_flags(kAvailNoInterrupt);
    submit(kBlkTypeFlush, 0);
    EXPECT_EQ(interrupts_, 1);
}

TEST_F(VirtioBlkTest, EventIdxSuppressesInterrupts) {
    start();
    ASSERT_TRUE(features_ & kFeatureEventIdx);
    driver_->set_used_event(2);  // "interrupt me when used entry 2 is written"
    EXPECT_EQ(submit(kBlkTypeFlush, 0).status, kBlkStatusOk);  // entry 0
    EXPECT_EQ(submit(kBlkTypeFlush, 0).status, kBlkStatusOk);  // entry 1
    EXPECT_EQ(interrupts_, 0);
    EXPECT_EQ(submit(kBlkTypeFlush, 0).status, kBlkStatusOk);  // entry 2
    EXPECT_EQ(interrupts_, 1);
    // avail_event asks for a notification at the next chain.
    EXPECT_EQ(driver_->avail_event(), driver_->avail_idx());
}

// --- Nothing lost: a write the guest saw completed and then flushed survives SIGKILL. ---

void write_flush_then_die(const std::string& path, DiskCache cache, int ready_fd) {
    // The child: a device of its own writes sectors 5..12, flushes, tells the parent, and waits
    // to be killed. Any failure exits with a code the parent reports.
    DiskConfig config;
    config.path = path;
    config.cache = cache;
    auto image = BlockImage::open(config);
    if (!image) ::_exit(10);
    VirtioBlk blk(std::move(*image), "");
    auto memory = GuestMemory::create(kRam);
    if (!memory) ::_exit(11);
    SplitQueue queues[1];
    TestDriver driver(*memory, TestDriver::layout_at(0x1000, 16));
    if (!queues[0].enable(*memory, driver.layout(), true, true)) ::_exit(12);
    DeviceContext context;
    context.memory = &*memory;
    context.queues = queues;
    context.features = blk.device_features();
    context.interrupt = [](uint16_t) {};
    context.needs_reset = [](const std::string&) { ::_exit(13); };
    if (!blk.activate(context)) ::_exit(14);
    std::vector<uint8_t> data(8 * 512, 0xd7);
    for (uint32_t type : {kBlkTypeOut, kBlkTypeFlush}) {
        Header h{type, 0, 5};
        uint64_t header_gpa =
            driver.alloc_with(std::span(reinterpret_cast<const uint8_t*>(&h), sizeof(h)));
        uint64_t status = driver.alloc(1);
        std::vector<TestBuffer> buffers{{header_gpa, 16, false}};
        if (type == kBlkTypeOut) buffers.push_back({driver.alloc_with(data), 4096, false});
        buffers.push_back({status, 1, true});
        driver.add_chain(buffers);
        blk.notify(0);
        if (!driver.take_used() || memory->read_obj<uint8_t>(status).value() != kBlkStatusOk) {
            ::_exit(15);
        }
    }
    char done = 1;
    if (::write(ready_fd, &done, 1) != 1) ::_exit(16);
    for (;;) ::pause();
}

void expect_flushed_write_survives_sigkill(DiskCache cache) {
    TempImage file;
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(pipe_fds[0]);
        write_flush_then_die(file.path(), cache, pipe_fds[1]);
    }
    ::close(pipe_fds[1]);
    char done = 0;
    ssize_t n = ::read(pipe_fds[0], &done, 1);
    ::close(pipe_fds[0]);
    ::kill(child, SIGKILL);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_EQ(n, 1) << "the child failed with exit code " << WEXITSTATUS(status);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    EXPECT_TRUE(all(file.contents(5 * 512, 8 * 512), 0xd7));
    EXPECT_EQ(file.contents(4 * 512, 1)[0], pattern(4 * 512));
    EXPECT_EQ(file.contents(13 * 512, 1)[0], pattern(13 * 512));
    // The dead process's lock went with it.
    DiskConfig config;
    config.path = file.path();
    EXPECT_TRUE(BlockImage::open(config));
}

TEST(VirtioBlkDurability, FlushedWriteSurvivesSigkill) {
    expect_flushed_write_survives_sigkill(DiskCache::Writeback);
}

TEST(VirtioBlkDurability, FlushedDirectWriteSurvivesSigkill) {
    expect_flushed_write_survives_sigkill(DiskCache::None);
}

}  // namespace
}  // namespace svm::virtio::test
