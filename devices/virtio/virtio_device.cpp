#include "devices/virtio/virtio_device.h"

namespace svm::virtio {

Result<void> Activation::activate(const DeviceContext& context, size_t queues, std::string name) {
    if (context.memory == nullptr || context.queues.size() < queues)
        return error("{}: activated without guest memory or its {} queue(s)", name, queues);
    context_ = context;
    name_ = std::move(name);
    active_ = true;
    failed_ = false;
    return {};
}

void Activation::fail(const std::string& why) {
    if (failed_) return;
    failed_ = true;
    if (context_.needs_reset) context_.needs_reset(name_ + ": " + why);
}

void Activation::drain(uint16_t index, const std::function<bool(Chain)>& handle) {
    if (!running() || index >= context_.queues.size()) return;
    SplitQueue& q = context_.queues[index];
    GuestMemory& mem = *context_.memory;
    if (!q.enabled()) return;
    for (;;) {
        if (auto r = q.set_notification(mem, false); !r) return fail(r.error().message);
        for (;;) {
            auto chain = q.pop(mem);
            if (!chain) return fail(chain.error().message);
            if (!*chain) break;
            if (!handle(std::move(**chain))) return;
        }
        if (auto r = q.set_notification(mem, true); !r) return fail(r.error().message);
        if (!q.has_available(mem)) break;
    }
    if (q.should_interrupt(mem) && context_.interrupt) context_.interrupt(index);
}

}  // namespace svm::virtio
