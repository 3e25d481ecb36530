// Named switches (devices/virtio/switch_registry.h): one switch per name while cards hold it.
#include "devices/virtio/switch_registry.h"

#include <gtest/gtest.h>

namespace svm::virtio {
namespace {

TEST(SwitchRegistry, OneSwitchPerNameWhileACardHoldsIt) {
    SwitchRegistry registry;
    auto lan0 = registry.get_or_create("lan0");
    auto port = lan0->attach("card", std::nullopt).value();
    EXPECT_EQ(registry.get_or_create("lan0"), lan0);
    EXPECT_NE(registry.get_or_create("lan1"), lan0);  // made and, unheld, gone at once
    EXPECT_EQ(registry.names(), std::vector<std::string>{"lan0"});
    EXPECT_EQ(registry.find("lan0"), lan0);
    EXPECT_EQ(registry.find("lan1"), nullptr);

    // The registry does not keep a switch: it goes with its last port.
    std::weak_ptr<EthernetSwitch> weak = lan0;
    lan0.reset();
    EXPECT_FALSE(weak.expired());
    port.reset();
    EXPECT_TRUE(weak.expired());
    EXPECT_TRUE(registry.names().empty());
    auto again = registry.get_or_create("lan0");
    EXPECT_EQ(again->name(), "lan0");
    EXPECT_TRUE(again->ports().empty());
}

TEST(SwitchRegistry, ThereIsOneForTheProcess) {
    EXPECT_EQ(&SwitchRegistry::process(), &SwitchRegistry::process());
}

TEST(SwitchName, LettersDigitsDashUnderscoreUpTo15) {
    for (const char* good : {"lan0", "a", "LAN-1_x", "fifteen-chars-x"})
        EXPECT_TRUE(check_switch_name(good)) << good;
    for (const char* bad : {"", "sixteen-chars-xx", "lan 0", "lan/0", "lan.0", "lan,0", "län"}) {
        auto r = check_switch_name(bad);
        ASSERT_FALSE(r) << bad;
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos);
        EXPECT_NE(r.error().message.find("1 to 15"), std::string::npos);
    }
}

}  // namespace
}  // namespace svm::virtio
