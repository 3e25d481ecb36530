// The named switches of a process (`--net switch=NAME`): every card that names `lan0`, in any VM
// of the process, reaches the same EthernetSwitch.
//
// The registry does not keep a switch alive: it remembers each one weakly, and a switch lives
// while a card's port holds it. When the last card goes (its VM ended), the switch goes with its
// MAC table and its uplink, which frees the uplink's host resources (forwarded ports, the TAP
// device); the next card to name it makes a new one. A switch with no card would carry nothing.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "devices/virtio/ethernet_switch.h"

namespace svm::virtio {

// Linux's IFNAMSIZ - 1: a switch's name is as long as an interface's at most.
constexpr size_t kMaxSwitchName = 15;

// Checks a switch name: 1 to 15 letters, digits, '-' and '_'. Returns a one-line error naming
// it and the rule.
Result<void> check_switch_name(std::string_view name);

class SwitchRegistry {
public:
    // The registry of this process.
    static SwitchRegistry& process();

    explicit SwitchRegistry(SwitchOptions options = {}) : options_(std::move(options)) {}

    // The switch called `name`, made now if no card holds one.
    std::shared_ptr<EthernetSwitch> get_or_create(const std::string& name);
    // The switch called `name` if a card holds one, else null.
    std::shared_ptr<EthernetSwitch> find(const std::string& name) const;
    // The names of the switches that exist, sorted.
    std::vector<std::string> names() const;

private:
    const SwitchOptions options_;
    mutable std::mutex mutex_;  // a leaf lock; guards switches_
    mutable std::map<std::string, std::weak_ptr<EthernetSwitch>, std::less<>> switches_;
};

}  // namespace svm::virtio
