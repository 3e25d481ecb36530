#include "devices/virtio/virtio_rng.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <vector>

#include "core/log.h"

namespace svm::virtio {

namespace {

// Fills `out` from getrandom(2): retries after EINTR and short reads (a request above 32 MiB,
// or one interrupted by a signal, returns fewer bytes).
bool host_random(std::span<uint8_t> out) {
    size_t filled = 0;
    while (filled < out.size()) {
        ssize_t n = ::getrandom(out.data() + filled, out.size() - filled, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        filled += static_cast<size_t>(n);
    }
    return true;
}

}  // namespace

VirtioRng::VirtioRng() : source_(host_random) {}

void VirtioRng::read_config(uint32_t, std::span<uint8_t> out) const {
    std::fill(out.begin(), out.end(), 0);
}

Result<void> VirtioRng::activate(const DeviceContext& context) {
    return activation_.activate(context, 1, "virtio-rng");
}

void VirtioRng::reset() {
    activation_.reset();
}

uint32_t VirtioRng::fill(const Chain& chain) {
    auto bytes =
        static_cast<uint32_t>(std::min<uint64_t>(chain.writable_bytes(), kMaxBytesPerRequest));
    std::vector<uint8_t> random(bytes);
    if (!source_(random)) {
        // 5.4.6.1 lets the device return fewer bytes than asked: none, here. The driver asks
        // again; the host's entropy source failing is logged, not fatal.
        log::error("virtio-rng: getrandom failed; returning an empty buffer");
        return 0;
    }
    auto written = write_to(activation_.memory(), chain, 0, random);
    return written ? static_cast<uint32_t>(*written) : 0;
}

void VirtioRng::notify(uint16_t index) {
    if (index != 0) return;
    activation_.drain(0, [this](Chain chain) {
        uint32_t written = fill(chain);
        if (auto r = activation_.queue(0).push_used(activation_.memory(), chain, written);
            !r) {
            activation_.fail(r.error().message);
            return false;
        }
        return true;
    });
}

}  // namespace svm::virtio
