#include "devices/virtio/switch_registry.h"

namespace svm::virtio {

Result<void> check_switch_name(std::string_view name) {
    bool ok = !name.empty() && name.size() <= kMaxSwitchName;
    for (char c : name)
        ok = ok && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_');
    if (!ok)
        return error("switch name '{}' must be 1 to {} letters, digits, '-' or '_' (such as lan0)",
                     name, kMaxSwitchName);
    return {};
}

SwitchRegistry& SwitchRegistry::process() {
    // Never destroyed: switches die with their cards, not at exit.
    static auto* registry = new SwitchRegistry();
    return *registry;
}

std::shared_ptr<EthernetSwitch> SwitchRegistry::get_or_create(const std::string& name) {
    std::lock_guard lock(mutex_);
    std::erase_if(switches_, [](const auto& item) { return item.second.expired(); });
    if (auto it = switches_.find(name); it != switches_.end())
        if (auto existing = it->second.lock()) return existing;
    auto created = EthernetSwitch::create(name, options_);
    switches_[name] = created;
    return created;
}

std::shared_ptr<EthernetSwitch> SwitchRegistry::find(const std::string& name) const {
    std::lock_guard lock(mutex_);
    auto it = switches_.find(name);
    return it == switches_.end() ? nullptr : it->second.lock();
}

std::vector<std::string> SwitchRegistry::names() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (const auto& [name, weak] : switches_)
        if (!weak.expired()) out.push_back(name);
    return out;
}

}  // namespace svm::virtio
