// A card's port on an EthernetSwitch, the NetBackend the card holds (ethernet_switch.h has the
// design). send() goes into the switch on the caller's thread; frames for the card wait in the
// port's PortQueue and reach the receiver on the port's own thread, which start() creates and
// stop() joins. Destroying the port detaches it from the switch.
#pragma once

#include <memory>
#include <thread>

#include "devices/virtio/ethernet_switch.h"

namespace svm::virtio {

class SwitchPort final : public NetBackend {
public:
    SwitchPort(std::shared_ptr<EthernetSwitch> owner, std::shared_ptr<EthernetSwitch::Port> port)
        : switch_(std::move(owner)), port_(std::move(port)) {}
    ~SwitchPort() override;

    SwitchPort(const SwitchPort&) = delete;
    SwitchPort& operator=(const SwitchPort&) = delete;

    // ^NetBackend
    Result<void> send(const VirtioNetHdr& header, std::span<const uint8_t> frame) override {
        return switch_->forward(*port_, header, frame);
    }
    Result<void> start(Receiver receiver) override;
    // Closes the queue (frames still in it are dropped), joins the thread and forgets the
    // addresses learned on this port, so frames for them are flooded until they are heard again.
    void stop() override;

private:
    std::shared_ptr<EthernetSwitch> switch_;
    std::shared_ptr<EthernetSwitch::Port> port_;
    std::thread thread_;
};

}  // namespace svm::virtio
