// libFuzzer target: virtio-blk and virtio-net (devices/virtio/) as a transport drives them
// (activate with a DeviceContext, notify, reset), against a driver that writes anything into a
// small guarded guest RAM: descriptor tables, rings, indices, request headers, at any layout;
// and, for virtio-net, a host side that delivers frames of any length up to past kMaxFrameBytes.
//
// It checks that svm never touches memory outside guest RAM (the guards fault); that every used
// element a device publishes has a head below the queue size and a len no larger than the
// chain's device-writable bytes (the queue's write observer reports the chain's writable bytes
// the device claims, clipped to the chain: they must add up to len), with used->idx moving by
// one per element; that a malformed ring or request makes the device call needs_reset (once)
// and then publish nothing until reset, rather than crash; that interrupts come only through the
// callback, during a device call, for an enabled queue; that the block image never changes size
// and a read-only image never changes content; that the fake back-end never gets a frame longer
// than kMaxFrameBytes; and that each call does bounded work (the -timeout catches a hang).
//
// Input: a header, then operations until the input ends:
//   header: u8 setup (bit 0: net, else blk; bit 1: read-only image; bit 2: the image on a file
//           system with O_DIRECT, cache=none; bit 3: 256 KiB of RAM, else 64 KiB),
//           u16 features (see features_from), then per queue (blk 1, net 2) a LAYOUT
// LAYOUT: u8 size form (bit 7 set: then a raw u16 % 257, else 1 << (form % 9)), 3 x ADDRESS
//         (desc, avail, used)
//   0 u16 gpa, u8 n, n bytes                         the driver writes bytes anywhere
//   1 u8 queue, u16 index, ADDRESS, u8 len form, u16 flags, u16 next   writes a descriptor (len
//                                                    form: bit 7 set: then a u32, else the form)
//   2 u8 queue, u16 head                             makes head available (entry, then idx + 1)
//   3 u8 queue, u16 idx                              writes avail->idx
//   4 u8 queue                                       notify(queue % 4): past num_queues too
//   5 u8 len form, [u32], u8 n, n bytes              net: the host sends a frame (len form: bit 7
//                                                    set: then a u32 % (kMaxFrameBytes + 11),
//                                                    else the form); its first bytes, then a
//                                                    pattern
//   6 u16 gpa, u8 type, SECTOR                       writes a virtio_blk_req header (type < 0x80:
//                                                    one of the known types, else a raw u32)
//   7 u16 gpa, SECTOR, u32 num_sectors, u32 flags    writes a discard/write-zeroes segment
//   8 u16 features                                   device reset, queues enabled again, activate
//   9 u8 queue, u16 flags, u16 used_event            avail->flags and used_event
//   10 u8 queue, u8 ready, LAYOUT                    the driver takes a queue down (ready 0) or
//                                                    brings it up again with LAYOUT while the
//                                                    device runs (virtio-mmio QueueReady, through
//                                                    change_queues); LAYOUT is read either way
// ADDRESS: u8 form, then 0: a u16 (inside RAM, any alignment); 1: a u16 aligned down to 16;
// 2: a u64; 3: RAM size minus a u8. SECTOR: u8 form, then bit 7 set: a u64, else form % 72.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/guest_memory.h"
#include "core/log.h"
#include "devices/virtio/block_image.h"
#include "devices/virtio/net_backend.h"
#include "devices/virtio/virtio_blk.h"
#include "devices/virtio/virtio_device.h"
#include "devices/virtio/virtio_net.h"
#include "devices/virtio/virtqueue.h"
#include "tests/fuzz/common/check.h"
#include "tests/fuzz/common/fuzz_input.h"
#include "tests/fuzz/common/guarded_memory.h"

using namespace svm;
using namespace svm::virtio;

namespace {

constexpr uint64_t kImageSectors = 64;
constexpr uint64_t kImageBytes = kImageSectors * kSectorSize;
// More used elements than one call can publish on a sane device: each pop advances the device's
// available index, which may move at most one ring (256) past the driver's, and device writes
// into the ring can move the driver's at most 2^16 times before the index repeats.
constexpr uint64_t kMaxPushesPerCall = 1u << 17;

// SVM_FUZZ_VERBOSE=1 prints each call's outcome (to see what a seed does).
bool g_verbose = false;

uint64_t read_address(fuzz::FuzzInput& in, uint64_t ram) {
    switch (in.u8() % 4) {
        case 0:
            return in.u16() % ram;
        case 1:
            return (in.u16() % ram) & ~uint64_t{15};
        case 2:
            return in.u64();
        default:
            return ram - in.u8();
    }
}

QueueLayout read_layout(fuzz::FuzzInput& in, uint64_t ram) {
    QueueLayout layout;
    const uint8_t size_form = in.u8();
    // The transports refuse sizes above queue_max_size (256); odd sizes fail enable().
    layout.size = (size_form & 0x80) ? static_cast<uint16_t>(in.u16() % 257)
                                     : static_cast<uint16_t>(1u << (size_form % 9));
    layout.desc = read_address(in, ram);
    layout.avail = read_address(in, ram);
    layout.used = read_address(in, ram);
    return layout;
}

uint64_t read_sector(fuzz::FuzzInput& in) {
    const uint8_t form = in.u8();
    return (form & 0x80) ? in.u64() : form % 72;  // a few past the end of the image too
}

uint8_t image_byte(uint64_t offset) {
    return static_cast<uint8_t>(offset * 131 + (offset >> 9) * 7 + 1);
}

// The disk image behind virtio-blk: one file per kind for the whole process, opened by the
// device through /proc/self/fd (a new open file description, so BlockImage's flock works as on
// any file), and put back to its pattern before each input. A memfd (tmpfs: no O_DIRECT), or an
// unnamed O_TMPFILE in /tmp, whose file system usually allows O_DIRECT (cache=none's bounce
// buffers); neither leaves a file behind.
class ImageFile {
public:
    static ImageFile& get(bool direct) {
        static ImageFile memfd(false), tmpfile(true);
        return direct ? tmpfile : memfd;
    }

    std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

    // Writes the pattern where it differs (most inputs change nothing: no I/O then).
    void restore() {
        FUZZ_CHECK(::ftruncate(fd_, kImageBytes) == 0, "cannot size the image");
        std::vector<uint8_t> now(kImageBytes);
        FUZZ_CHECK(::pread(fd_, now.data(), now.size(), 0) == ssize_t(kImageBytes),
                   "cannot read the image");
        if (now != pattern_)
            FUZZ_CHECK(::pwrite(fd_, pattern_.data(), pattern_.size(), 0) == ssize_t(kImageBytes),
                       "cannot write the image");
    }

    // The image is as large as it was; if read-only, it still holds the pattern.
    void check(bool read_only, const char* after) const {
        struct stat st {};
        FUZZ_CHECK(::fstat(fd_, &st) == 0, "fstat of the image failed");
        FUZZ_CHECK(uint64_t(st.st_size) == kImageBytes, "the image is {} bytes after {}, not {}",
                   st.st_size, after, kImageBytes);
        if (!read_only) return;
        std::vector<uint8_t> now(kImageBytes);
        FUZZ_CHECK(::pread(fd_, now.data(), now.size(), 0) == ssize_t(kImageBytes),
                   "cannot read the image");
        FUZZ_CHECK(now == pattern_, "the read-only image changed during {}", after);
    }

private:
    explicit ImageFile(bool direct) {
        fd_ = direct ? ::open("/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600) : -1;
        if (fd_ < 0) fd_ = ::memfd_create("svm-fuzz-disk", MFD_CLOEXEC);
        FUZZ_CHECK(fd_ >= 0, "cannot create a disk image file");
        pattern_.resize(kImageBytes);
        for (uint64_t i = 0; i < kImageBytes; ++i) pattern_[i] = image_byte(i);
    }

    int fd_ = -1;
    std::vector<uint8_t> pattern_;
};

// The host side of virtio-net: checks what the device sends, and hands the harness the receiver.
struct BackendState {
    NetBackend::Receiver receiver;
    const bool* in_call = nullptr;  // the harness's "a device call is running"
    uint64_t sent = 0;
};

class FakeBackend final : public NetBackend {
public:
    explicit FakeBackend(BackendState& state) : state_(state) {}

    // ^NetBackend
    Result<void> send(const VirtioNetHdr& header, std::span<const uint8_t> frame) override {
        FUZZ_CHECK(*state_.in_call, "the device sent a frame outside a call");
        FUZZ_CHECK(frame.size() <= kMaxFrameBytes, "the device sent a frame of {} bytes",
                   frame.size());
        FUZZ_CHECK(header.num_buffers == 0, "a sent header has num_buffers {}", header.num_buffers);
        ++state_.sent;
        // Every other frame is refused, as a full host queue would.
        if (state_.sent % 2 == 0) return error("host queue full");
        return {};
    }
    Result<void> start(Receiver receiver) override {
        state_.receiver = std::move(receiver);
        return {};
    }
    void stop() override { state_.receiver = nullptr; }

private:
    BackendState& state_;
};

// What the harness knows of one queue: its layout, and the used element being published.
struct QueueWatch {
    QueueLayout layout;
    bool enabled = false;
    uint16_t pushed = 0;  // used elements since enable, mod 2^16: the device's used->idx
    // The element whose observer calls are arriving: its len, the bytes reported so far but for
    // the latest range (which is the element itself if it is the last call).
    bool open = false;
    uint32_t len = 0;
    uint64_t reported = 0;
    uint64_t last_gpa = 0, last_len = 0;
};

class Harness {
public:
    Harness(GuestMemory& memory, bool net, bool read_only, bool direct)
        : memory_(memory), net_(net), read_only_(read_only) {
        backend_.in_call = &in_call_;
        if (net) {
            auto device = VirtioNet::create(std::make_unique<FakeBackend>(backend_),
                                            MacAddress{{0x52, 0x54, 0x00, 0x12, 0x34, 0x56}});
            FUZZ_CHECK(device.has_value(), "VirtioNet::create failed: {}", device.error().message);
            device_ = std::move(*device);
        } else {
            image_ = &ImageFile::get(direct);
            image_->restore();
            DiskConfig config;
            config.path = image_->path();
            config.read_only = read_only;
            config.cache = direct ? DiskCache::None : DiskCache::Writeback;
            auto image = BlockImage::open(config);
            FUZZ_CHECK(image.has_value(), "BlockImage::open failed: {}", image.error().message);
            device_ = std::make_unique<VirtioBlk>(std::move(*image), "fuzz-serial");
        }
        queues_.resize(device_->num_queues());
        watches_.resize(device_->num_queues());
        for (size_t q = 0; q < queues_.size(); ++q)
            queues_[q].set_write_observer(
                [this, q](uint64_t gpa, uint64_t length) { observed(q, gpa, length); });
    }

    ~Harness() {
        call("the final reset", [&] { device_->reset(); });
        // The receiver points into the device: it goes first.
        device_.reset();
    }

    uint16_t num_queues() const { return static_cast<uint16_t>(queues_.size()); }
    const QueueLayout& layout(size_t q) const { return watches_[q].layout; }
    void set_layout(size_t q, const QueueLayout& layout) { watches_[q].layout = layout; }

    // The features the driver accepts: bit 0 EVENT_IDX, bit 1 INDIRECT_DESC, then bit 2 + i the
    // i-th other bit the device offers (VERSION_1 always).
    uint64_t features_from(uint16_t selection) const {
        const uint64_t offered = device_->device_features();
        uint64_t features = kFeatureVersion1;
        if (selection & 1) features |= kFeatureEventIdx;
        if (selection & 2) features |= kFeatureIndirectDesc;
        int i = 2;
        for (int bit = 0; bit < 64; ++bit) {
            const uint64_t f = 1ull << bit;
            if (!(offered & f) || f == kFeatureEventIdx || f == kFeatureIndirectDesc ||
                f == kFeatureVersion1)
                continue;
            if (i < 16 && (selection & (1u << i))) features |= f;
            ++i;
        }
        return features & offered;
    }

    // Enables every queue the layout allows (the driver may leave one off) and activates.
    void activate(uint64_t features) {
        failed_ = false;
        for (size_t q = 0; q < queues_.size(); ++q) {
            queues_[q].reset();
            QueueWatch& w = watches_[q];
            w.pushed = 0;
            w.open = false;
            w.enabled = queues_[q]
                            .enable(memory_, w.layout, (features & kFeatureEventIdx) != 0,
                                    (features & kFeatureIndirectDesc) != 0)
                            .has_value();
        }
        DeviceContext context;
        context.memory = &memory_;
        context.queues = queues_;
        context.features = features;
        context.interrupt = [this](uint16_t index) { interrupted(index); };
        context.needs_reset = [this](const std::string& why) { needs_reset(why); };
        call("activate", [&] {
            auto r = device_->activate(context);
            FUZZ_CHECK(r.has_value(), "activate failed: {}", r.error().message);
        });
    }

    // virtio-mmio's QueueReady write while the device runs: 0 takes queue `q` down, 1 brings a
    // queue that is down up with `layout` (and does nothing to one that is up). Returns true if
    // the queue was brought up (its rings start from 0 again).
    bool change_queue(size_t q, bool ready, const QueueLayout& layout, uint64_t features) {
        QueueWatch& w = watches_[q];
        const bool was_up = queues_[q].enabled();
        if (ready && was_up) return false;
        call("change_queues", [&] {
            device_->change_queues([&] {
                queues_[q].reset();
                w = QueueWatch{};
                w.layout = layout;
                if (ready)
                    w.enabled = queues_[q]
                                    .enable(memory_, layout, (features & kFeatureEventIdx) != 0,
                                            (features & kFeatureIndirectDesc) != 0)
                                    .has_value();
            });
        });
        return ready;
    }

    void reset_and_activate(uint64_t features) {
        call("reset", [&] { device_->reset(); });
        activate(features);
    }

    void notify(uint16_t index) {
        call("notify", [&] { device_->notify(index); });
    }

    void receive(std::span<const uint8_t> frame) {
        if (!net_ || !backend_.receiver) return;
        call("receive", [&] { backend_.receiver(VirtioNetHdr{}, frame); });
    }

private:
    template <typename F>
    void call(const char* what, F&& f) {
        in_call_ = true;
        pushes_ = 0;
        f();
        in_call_ = false;
        for (size_t q = 0; q < watches_.size(); ++q) close_element(q);
        if (g_verbose)
            std::fprintf(stderr, "%s: %llu used elements, %llu frames sent\n", what,
                         static_cast<unsigned long long>(pushes_),
                         static_cast<unsigned long long>(backend_.sent));
        if (image_) image_->check(read_only_, what);
    }

    uint16_t read_u16(uint64_t gpa) const {
        auto value = memory_.read_obj<uint16_t>(gpa);
        FUZZ_CHECK(value.has_value(), "{:#x} is not RAM", gpa);
        return *value;
    }

    // The queue's write observer: for each used element the device publishes, the first `len`
    // bytes of the chain's writable buffers (clipped to them), then the element itself. Each
    // element moves used->idx by one before its calls, so a new value starts a new element.
    void observed(size_t q, uint64_t gpa, uint64_t length) {
        QueueWatch& w = watches_[q];
        FUZZ_CHECK(in_call_, "queue {} published a used element outside a device call", q);
        FUZZ_CHECK(!failed_, "queue {} published a used element after needs_reset", q);
        FUZZ_CHECK(w.enabled, "disabled queue {} published a used element", q);
        FUZZ_CHECK(memory_.contains(gpa, length), "queue {} reported {:#x}+{:#x}, not RAM", q, gpa,
                   length);
        const uint16_t idx = read_u16(w.layout.used + 2);
        if (!w.open || idx != w.pushed) {
            close_element(q);
            w.pushed = static_cast<uint16_t>(w.pushed + 1);
            FUZZ_CHECK(idx == w.pushed, "queue {}: used->idx is {} after element {}", q, idx,
                       w.pushed);
            FUZZ_CHECK(++pushes_ <= kMaxPushesPerCall, "one call published {} used elements",
                       pushes_);
            const uint64_t slot =
                w.layout.used + 4 + 8ull * (static_cast<uint16_t>(w.pushed - 1) % w.layout.size);
            auto elem = memory_.read_obj<std::array<uint32_t, 2>>(slot);
            FUZZ_CHECK(elem.has_value(), "used element at {:#x} is not RAM", slot);
            FUZZ_CHECK((*elem)[0] < w.layout.size, "queue {}: used element names head {} of {}", q,
                       (*elem)[0], w.layout.size);
            w.open = true;
            w.len = (*elem)[1];
            w.reported = 0;
        } else {
            w.reported += w.last_len;
        }
        w.last_gpa = gpa;
        w.last_len = length;
    }

    // The open element's last call was the element itself; the ones before it add up to len
    // unless len is more than the chain's writable bytes.
    void close_element(size_t q) {
        QueueWatch& w = watches_[q];
        if (!w.open) return;
        w.open = false;
        const uint64_t slot =
            w.layout.used + 4 + 8ull * (static_cast<uint16_t>(w.pushed - 1) % w.layout.size);
        FUZZ_CHECK(w.last_gpa == slot && w.last_len == 8,
                   "queue {}: element {} ended with {:#x}+{:#x}, not its slot {:#x}", q, w.pushed,
                   w.last_gpa, w.last_len, slot);
        FUZZ_CHECK(w.reported == w.len,
                   "queue {}: used element {} has len {}, but its chain has {} writable bytes", q,
                   w.pushed, w.len, w.reported);
    }

    void interrupted(uint16_t index) {
        FUZZ_CHECK(in_call_, "interrupt outside a device call");
        FUZZ_CHECK(index < queues_.size(), "interrupt for queue {} of {}", index, queues_.size());
        FUZZ_CHECK(watches_[index].enabled, "interrupt for disabled queue {}", index);
        if (g_verbose) std::fprintf(stderr, "interrupt %u\n", index);
    }

    void needs_reset(const std::string& why) {
        FUZZ_CHECK(in_call_, "needs_reset outside a device call: {}", why);
        FUZZ_CHECK(!failed_, "needs_reset twice without a reset: {}", why);
        FUZZ_CHECK(!why.empty(), "needs_reset without a reason");
        failed_ = true;
        if (g_verbose) std::fprintf(stderr, "needs_reset: %s\n", why.c_str());
    }

    GuestMemory& memory_;
    bool net_;
    bool read_only_;
    ImageFile* image_ = nullptr;
    BackendState backend_;
    std::unique_ptr<VirtioDevice> device_;
    std::vector<SplitQueue> queues_;
    std::vector<QueueWatch> watches_;
    bool in_call_ = false;
    bool failed_ = false;
    uint64_t pushes_ = 0;  // used elements published in the current call
};

constexpr uint32_t kRequestTypes[] = {kBlkTypeIn,    kBlkTypeOut,     kBlkTypeFlush,
                                      kBlkTypeGetId, kBlkTypeDiscard, kBlkTypeWriteZeroes};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    log::g_level = log::Level::Error;
    g_verbose = std::getenv("SVM_FUZZ_VERBOSE") != nullptr;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    fuzz::FuzzInput in(data, size);
    const uint8_t setup = in.u8();
    const bool net = setup & 1;
    const uint64_t ram = (setup & 8) ? 0x40000 : 0x10000;
    GuestMemory& memory = fuzz::fresh_memory(ram);
    Harness harness(memory, net, (setup & 2) != 0, (setup & 4) != 0);
    const uint16_t features = in.u16();
    for (uint16_t q = 0; q < harness.num_queues(); ++q) harness.set_layout(q, read_layout(in, ram));
    uint64_t negotiated = harness.features_from(features);
    harness.activate(negotiated);

    std::vector<uint16_t> avail_idx(harness.num_queues(), 0);  // the driver's own counts
    static std::vector<uint8_t> frame;
    while (!in.empty()) {
        switch (in.u8() % 11) {
            case 0: {
                const uint64_t gpa = in.u16() % ram;
                auto bytes = in.sized_bytes();
                (void)memory.write(gpa, bytes.first(std::min<uint64_t>(bytes.size(), ram - gpa)));
                break;
            }
            case 1: {
                const QueueLayout& layout = harness.layout(in.u8() % harness.num_queues());
                const uint16_t index = in.u16();
                const uint64_t addr = read_address(in, ram);
                const uint8_t len_form = in.u8();
                const uint32_t len = (len_form & 0x80) ? in.u32() : len_form;
                const uint16_t flags = in.u16();
                const uint16_t next = in.u16();
                if (layout.size == 0) break;
                uint8_t desc[16];
                std::memcpy(desc, &addr, 8);
                std::memcpy(desc + 8, &len, 4);
                std::memcpy(desc + 12, &flags, 2);
                std::memcpy(desc + 14, &next, 2);
                (void)memory.write(layout.desc + 16ull * (index % layout.size), desc);
                break;
            }
            case 2: {
                const size_t q = in.u8() % harness.num_queues();
                const QueueLayout& layout = harness.layout(q);
                const uint16_t head = in.u16();
                if (layout.size == 0) break;
                (void)memory.write_obj(layout.avail + 4 + 2ull * (avail_idx[q] % layout.size),
                                       head);
                avail_idx[q] = static_cast<uint16_t>(avail_idx[q] + 1);
                (void)memory.write_obj(layout.avail + 2, avail_idx[q]);
                break;
            }
            case 3: {
                const size_t q = in.u8() % harness.num_queues();
                avail_idx[q] = in.u16();
                (void)memory.write_obj(harness.layout(q).avail + 2, avail_idx[q]);
                break;
            }
            case 4:
                harness.notify(in.u8() % 4);
                break;
            case 5: {
                const uint8_t len_form = in.u8();
                const size_t len = (len_form & 0x80) ? in.u32() % (kMaxFrameBytes + 11) : len_form;
                auto bytes = in.sized_bytes();
                frame.resize(len);
                for (size_t i = 0; i < len; ++i)
                    frame[i] = i < bytes.size() ? bytes[i] : static_cast<uint8_t>(i);
                harness.receive(frame);
                break;
            }
            case 6: {
                const uint64_t gpa = in.u16() % ram;
                const uint8_t type_form = in.u8();
                const uint32_t type = (type_form & 0x80) ? in.u32() : kRequestTypes[type_form % 6];
                const uint64_t sector = read_sector(in);
                uint8_t header[16] = {};
                std::memcpy(header, &type, 4);
                std::memcpy(header + 8, &sector, 8);
                (void)memory.write(gpa, std::span(header).first(std::min<uint64_t>(16, ram - gpa)));
                break;
            }
            case 7: {
                const uint64_t gpa = in.u16() % ram;
                const uint64_t sector = read_sector(in);
                const uint32_t count = in.u32();
                const uint32_t flags = in.u32();
                uint8_t segment[16];
                std::memcpy(segment, &sector, 8);
                std::memcpy(segment + 8, &count, 4);
                std::memcpy(segment + 12, &flags, 4);
                (void)memory.write(gpa,
                                   std::span(segment).first(std::min<uint64_t>(16, ram - gpa)));
                break;
            }
            case 8:
                negotiated = harness.features_from(in.u16());
                harness.reset_and_activate(negotiated);
                std::fill(avail_idx.begin(), avail_idx.end(), 0);
                break;
            case 9: {
                const QueueLayout& layout = harness.layout(in.u8() % harness.num_queues());
                const uint16_t flags = in.u16();
                const uint16_t used_event = in.u16();
                (void)memory.write_obj(layout.avail, flags);
                (void)memory.write_obj(layout.avail + 4 + 2ull * layout.size, used_event);
                break;
            }
            case 10: {
                const size_t q = in.u8() % harness.num_queues();
                const bool ready = in.flag();
                const QueueLayout layout = read_layout(in, ram);
                if (harness.change_queue(q, ready, layout, negotiated)) avail_idx[q] = 0;
                break;
            }
        }
    }
    return 0;
}
