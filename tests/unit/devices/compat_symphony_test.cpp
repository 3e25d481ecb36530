#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>

#include "devices/compat/string_window.h"
#include "devices/compat/symphony_ports.h"

namespace svm {
namespace {

// SymphonyPorts on a fake guest: a byte map as RAM, an exit counter and a page table as a map.
class Symphony : public ::testing::Test {
protected:
    Symphony() {
        SymphonyPorts::Deps deps;
        deps.console = [this](std::span<const uint8_t> b) { console.append(b.begin(), b.end()); };
        deps.read_string = [this](uint64_t gpa, size_t max) {
            std::string out;
            for (size_t i = 0; i < max && ram.count(gpa + i) && ram[gpa + i]; ++i)
                out.push_back(ram[gpa + i]);
            return out;
        };
        deps.io_exits = [this] { return io_exits; };
        deps.translate = [this](uint64_t gva) -> std::optional<uint64_t> {
            auto it = pages.find(gva & ~0xfffull);
            if (it == pages.end()) return std::nullopt;
            return it->second + (gva & 0xfff);
        };
        deps.publish_string = [this](const std::string& text) {
            window.set(text);
            return uint32_t{0xfeb00000};
        };
        ports = std::make_unique<SymphonyPorts>(std::move(deps));
    }
    // A guest's `outl`/`outb` to port 0xE9 + offset. Every access is an I/O exit.
    void out(uint16_t port, uint32_t value, size_t size = 4) {
        ++io_exits;
        uint8_t b[4];
        std::memcpy(b, &value, 4);
        ports->write(port - 0xe9, std::span(b, size));
    }
    uint32_t in(uint16_t port, size_t size = 4) {
        ++io_exits;
        uint8_t b[4] = {0xcc, 0xcc, 0xcc, 0xcc};
        ports->read(port - 0xe9, std::span(b, size));
        uint32_t v = 0;
        std::memcpy(&v, b, size);
        return v;
    }
    void put(uint64_t gpa, const std::string& s) {
        for (size_t i = 0; i <= s.size(); ++i) ram[gpa + i] = i < s.size() ? s[i] : 0;
    }
    std::string window_text() {
        std::string out;
        for (uint64_t i = 0;; ++i) {
            uint8_t b = 0;
            window.read(i, std::span(&b, 1));
            if (!b) return out;
            out.push_back(static_cast<char>(b));
        }
    }

    std::unique_ptr<SymphonyPorts> ports;
    std::string console;
    std::map<uint64_t, char> ram;
    std::map<uint64_t, uint64_t> pages;
    uint64_t io_exits = 0;
    StringWindow window{0x1000};
};

TEST_F(Symphony, E9PrintsBytesAndReadsAsE9) {
    for (char c : std::string("Hello 695!\n")) out(0xe9, static_cast<uint8_t>(c), 1);
    EXPECT_EQ(console, "Hello 695!\n");
    EXPECT_EQ(in(0xe9, 1), 0xe9u);
}

TEST_F(Symphony, EbPrints32BitValuesInDecimal) {
    out(0xeb, 2048);
    out(0xeb, 4294967295u);
    EXPECT_EQ(console, "2048\n4294967295\n");
}

TEST_F(Symphony, EaPrintsTheStringAtAGuestPhysicalAddress) {
    put(0x1234, "CS695 Assignment 2\n");
    out(0xea, 0x1234);
    EXPECT_EQ(console, "CS695 Assignment 2\n");
}

TEST_F(Symphony, EaStopsAtTheCapAndAtTheEndOfRam) {
    std::string big(SymphonyPorts::kMaxString + 100, 'a');
    put(0x10, big);
    out(0xea, 0x10);
    EXPECT_EQ(console.size(), SymphonyPorts::kMaxString);
    console.clear();
    out(0xea, 0xdead0000);  // not RAM: nothing
    EXPECT_EQ(console, "");
}

TEST_F(Symphony, EcCountsIoExitsIncludingThisOne) {
    out(0xe9, 'x', 1);
    out(0xe9, 'y', 1);
    EXPECT_EQ(in(0xec), 3u);
    EXPECT_EQ(in(0xec), 4u);
}

TEST_F(Symphony, EdPublishesExitCountsByType) {
    out(0xeb, 1);              // out 1
    EXPECT_EQ(in(0xec), 2u);   // in 1
    uint32_t addr = in(0xed);  // in 2, 3 exits in all
    EXPECT_EQ(addr, 0xfeb00000u);
    EXPECT_EQ(window_text(), "IO in: 2\nIO out: 1\n");
}

TEST_F(Symphony, EdTruncatesTo24CharactersAsSymphonysBufferDoes) {
    io_exits = 123456789;
    in(0xed);
    std::string text = window_text();
    EXPECT_EQ(text.size(), 24u);
    EXPECT_EQ(text, std::string("IO in: 1\nIO out: 123456789\n").substr(0, 24));
}

TEST_F(Symphony, EeEfTranslateToGuestPhysical) {
    pages[0x400000] = 0x123000;
    out(0xee, 0x400abc);
    EXPECT_EQ(in(0xef), 0x123abcu);
    EXPECT_EQ(console, "");
}

TEST_F(Symphony, EeOnAnUnmappedAddressPrintsInvalidGvaAndGivesZero) {
    pages[0] = 0;
    out(0xee, 1024);
    EXPECT_EQ(in(0xef), 1024u);
    out(0xee, 0xffffffff);
    EXPECT_EQ(console, "Invalid GVA\n");
    EXPECT_EQ(in(0xef), 0u);
}

TEST_F(Symphony, InExitsCountReadsOfEcEdEfOnly) {
    in(0xef);  // in 1
    in(0xe9);  // not counted as "in" by Symphony
    in(0xed);  // in 2; 3 exits
    EXPECT_EQ(window_text(), "IO in: 2\nIO out: 1\n");
}

TEST_F(Symphony, OutputPortsReadAsZeroAndInputPortsIgnoreWrites) {
    EXPECT_EQ(in(0xea), 0u);
    EXPECT_EQ(in(0xeb), 0u);
    EXPECT_EQ(in(0xee), 0u);
    out(0xec, 5);
    out(0xed, 5);
    out(0xef, 5);
    EXPECT_EQ(console, "");
}

TEST(StringWindow, ReadsTheStringThenZeroesAndIgnoresWrites) {
    StringWindow w(8);
    w.set("abcdefghij");  // cut to 7 bytes + NUL
    uint8_t b[10];
    w.read(0, b);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(b), 7), "abcdefg");
    EXPECT_EQ(b[7], 0);
    const uint8_t x = 'Z';
    w.write(0, std::span(&x, 1));
    uint8_t first = 0;
    w.read(0, std::span(&first, 1));
    EXPECT_EQ(first, 'a');
}

}  // namespace
}  // namespace svm
