#include "devices/virtio/switch_port.h"

#include <system_error>

namespace svm::virtio {

SwitchPort::~SwitchPort() {
    stop();
    switch_->detach(port_->id);
}

Result<void> SwitchPort::start(Receiver receiver) {
    if (thread_.joinable())
        return error("switch '{}': port {} is already receiving", switch_->name(), port_->name);
    // Open before the thread exists, so frames sent meanwhile wait for it instead of being lost.
    port_->queue->open();
    try {
        thread_ = std::thread([port = port_, r = std::move(receiver)] {
            while (auto frame = port->queue->pop()) {
                r(frame->header, frame->bytes);
                port->out_frames.fetch_add(1, std::memory_order_relaxed);
            }
        });
    } catch (const std::system_error& e) {
        port_->queue->close();
        return error("switch '{}': port {}: cannot start its thread: {}", switch_->name(),
                     port_->name, e.what());
    }
    return {};
}

void SwitchPort::stop() {
    if (!thread_.joinable()) return;
    port_->queue->close();
    thread_.join();
    switch_->forget(port_->id);
}

}  // namespace svm::virtio
