// `--net switch=NAME` wired as Machine wires it (core/machine/pc/virtio.cpp): the cards of a VM
// get ports on the process's switch of that name, with distinct default MACs; a second VM's card
// with the same address is refused; an uplink is made once; the switch goes with its last card.
// Also the option's parser and the switch checks (core/machine/pc/virtio_plan.h).
#include <optional>
#include <string>

#include "core/machine/pc/pc_layout.h"
#include "core/machine/pc/virtio_plan.h"
#include "devices/virtio/switch_registry.h"
#include "devices/virtio/virtio_pci.h"
#include "tests/unit/pc/pc_harness.h"

namespace svm::test {
namespace {

using virtio::SwitchRegistry;
using virtio::VirtioPci;

// A machine of `config` with its platform and virtio devices wired (or the error of the latter).
struct Wired {
    explicit Wired(MachineConfig config) : pc(std::move(config)) {
        EXPECT_TRUE(add_platform_devices(pc.ctx(), out).has_value());
        result = add_virtio_devices(pc.ctx(), out);
    }
    // The MAC in the configuration of virtio function `index` (5.1.4), through its BAR.
    uint64_t mac(size_t index) {
        return pc.mmio_read(
                   pc::kVirtioPciBarBase + index * VirtioPci::kBarSize + VirtioPci::kDeviceOffset,
                   8) &
               0xffffffffffffull;
    }
    PcHarness pc;
    PcDevices out;
    Result<void> result;
};

MachineConfig vm(const std::string& name, std::vector<std::string> nets) {
    MachineConfig config;
    config.vm_name = name;
    config.nets = std::move(nets);
    return config;
}

TEST(SwitchWiring, TheCardsOfAVmShareTheSwitchWithTheirOwnMacs) {
    {
        Wired one(vm("vm1", {"switch=wire-a", "switch=wire-a"}));
        ASSERT_TRUE(one.result) << one.result.error().message;
        auto lan = SwitchRegistry::process().find("wire-a");
        ASSERT_NE(lan, nullptr);
        const auto ports = lan->ports();
        ASSERT_EQ(ports.size(), 2u);
        EXPECT_EQ(ports[0].name, "virtio-net0");
        EXPECT_EQ(ports[1].name, "virtio-net1");
        EXPECT_EQ(lan->uplink(), "");
        EXPECT_NE(one.mac(0), one.mac(1));
        // The VM's stable default: the same rule as any card's (default_mac of the VM's name).
        const auto expected = virtio::default_mac("vm1").bytes;
        uint64_t first = 0;
        for (int i = 5; i >= 0; --i) first = first << 8 | expected[i];
        EXPECT_EQ(one.mac(0), first);
    }
    // The switch went with the machine's cards.
    EXPECT_EQ(SwitchRegistry::process().find("wire-a"), nullptr);
}

TEST(SwitchWiring, TwoVmsMeetOnOneSwitchIfTheirNamesDiffer) {
    Wired one(vm("vm1", {"switch=wire-b"}));
    ASSERT_TRUE(one.result) << one.result.error().message;
    Wired two(vm("vm2", {"switch=wire-b"}));
    ASSERT_TRUE(two.result) << two.result.error().message;
    EXPECT_EQ(SwitchRegistry::process().find("wire-b")->ports().size(), 2u);
    // A third VM with vm1's name would bring vm1's address: refused, naming the fix.
    Wired three(vm("vm1", {"switch=wire-b"}));
    ASSERT_FALSE(three.result);
    EXPECT_NE(three.result.error().message.find("already on the switch"), std::string::npos)
        << three.result.error().message;
    EXPECT_NE(three.result.error().message.find("--net switch=wire-b"), std::string::npos);
    // Unless it gives the card its own address.
    Wired four(vm("vm1", {"switch=wire-b,mac=52:54:00:00:00:04"}));
    EXPECT_TRUE(four.result) << four.result.error().message;
}

TEST(SwitchWiring, AUserModeUplinkIsMadeOnceAsOneMorePort) {
    Wired one(vm("vm1", {"switch=wire-c,uplink=user", "switch=wire-c,uplink=user"}));
    ASSERT_TRUE(one.result) << one.result.error().message;
    auto lan = SwitchRegistry::process().find("wire-c");
    ASSERT_NE(lan, nullptr);
    EXPECT_EQ(lan->uplink(), "user");
    const auto ports = lan->ports();
    ASSERT_EQ(ports.size(), 3u);
    EXPECT_TRUE(ports[1].uplink);  // made with the first card
}

// --- The option and the plan ---

TEST(NetOption, ParsesSwitchCardsAndUplinks) {
    auto plain = parse_net_option("switch=lan0");
    ASSERT_TRUE(plain) << plain.error().message;
    EXPECT_EQ(plain->kind, NetOption::Kind::Switch);
    EXPECT_EQ(plain->switch_name, "lan0");
    EXPECT_EQ(plain->uplink, "");
    EXPECT_FALSE(plain->mac);

    auto user = parse_net_option(
        "switch=lan_1,mac=52:54:00:01:02:03,uplink=user,"
        "hostfwd=tcp::8080-:80,hostfwd=udp:0.0.0.0:5353-10.0.2.16:53");
    ASSERT_TRUE(user) << user.error().message;
    EXPECT_EQ(user->switch_name, "lan_1");
    ASSERT_TRUE(user->mac);
    EXPECT_EQ(user->mac->to_string(), "52:54:00:01:02:03");
    EXPECT_EQ(user->uplink,
              "user,hostfwd=tcp:127.0.0.1:8080-:80,hostfwd=udp:0.0.0.0:5353-10.0.2.16:53");

    // hostfwd= may come before uplink=user; the defaults are written out.
    auto spelled = parse_net_option("switch=lan0,hostfwd=:127.0.0.1:8080-:80,uplink=user");
    ASSERT_TRUE(spelled) << spelled.error().message;
    EXPECT_EQ(spelled->uplink, "user,hostfwd=tcp:127.0.0.1:8080-:80");

    auto tap = parse_net_option("switch=lan0,uplink=tap:svm0");
    ASSERT_TRUE(tap) << tap.error().message;
    EXPECT_EQ(tap->uplink, "tap:svm0");
}

TEST(NetOption, RefusesBadSwitchOptionsWithOneLine) {
    const std::pair<const char*, const char*> cases[] = {
        {"switch=", "1 to 15"},
        {"switch=sixteen-chars-xx", "1 to 15"},
        {"switch=lan.0", "1 to 15"},
        {"switch=lan0,uplink=slirp", "user or tap:IFNAME"},
        {"switch=lan0,uplink=tap:", "interface name"},
        {"switch=lan0,uplink=user,uplink=user", "twice"},
        {"switch=lan0,hostfwd=tcp::8080-:80", "uplink=user"},
        {"switch=lan0,uplink=tap:t0,hostfwd=tcp::8080-:80", "uplink=user"},
        {"switch=lan0,uplink=user,hostfwd=tcp::0-:80", "host port"},
        {"switch=lan0,vlan=3", "unknown option"},
        {"switch=lan0,mac=01:00:00:00:00:00", "multicast"},
    };
    for (const auto& [text, what] : cases) {
        auto r = parse_net_option(text);
        ASSERT_FALSE(r) << text;
        EXPECT_EQ(r.error().message.find('\n'), std::string::npos) << r.error().message;
        EXPECT_NE(r.error().message.find(what), std::string::npos)
            << text << ": " << r.error().message;
    }
}

TEST(VirtioPlan, OneSwitchHasOneUplink) {
    MachineConfig config;
    config.nets = {"switch=lan0,uplink=user,hostfwd=tcp::8080-:80", "switch=lan0",
                   "switch=lan0,uplink=user,hostfwd=tcp:127.0.0.1:8080-:80",
                   "switch=lan1,uplink=tap:svm0"};
    EXPECT_TRUE(plan_virtio(config));
    config.nets.push_back("switch=lan0,uplink=tap:svm0");
    auto plan = plan_virtio(config);
    ASSERT_FALSE(plan);
    EXPECT_NE(plan.error().message.find("two uplinks"), std::string::npos) << plan.error().message;
    EXPECT_NE(plan.error().message.find("lan0"), std::string::npos);
    EXPECT_EQ(plan.error().message.find('\n'), std::string::npos);
    // Different forwards are different uplinks too.
    config.nets = {"switch=lan0,uplink=user,hostfwd=tcp::8080-:80",
                   "switch=lan0,uplink=user,hostfwd=tcp::8081-:80"};
    EXPECT_FALSE(plan_virtio(config));
}

TEST(VirtioPlan, CardsOnOneSwitchHaveTheirOwnMacs) {
    MachineConfig config;
    config.nets = {"switch=lan0,mac=52:54:00:00:00:01", "switch=lan1,mac=52:54:00:00:00:01",
                   "tap=t0,mac=52:54:00:00:00:01", "switch=lan0,mac=52:54:00:00:00:02"};
    EXPECT_TRUE(plan_virtio(config));
    config.nets.push_back("switch=lan0,mac=52:54:00:00:00:02");
    auto plan = plan_virtio(config);
    ASSERT_FALSE(plan);
    EXPECT_NE(plan.error().message.find("mac=52:54:00:00:00:02"), std::string::npos)
        << plan.error().message;
}

}  // namespace
}  // namespace svm::test
