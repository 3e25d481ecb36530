// Several vCPU threads and the host input thread using one UART at once. Every byte must be
// accounted for, in per-thread order, and the IRQ line must see strictly alternating edges.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "tests/unit/devices/uart_harness.h"

namespace svm::test {
namespace {

constexpr size_t kBytesPerWriter = 20000;
constexpr size_t kBytesReceived = 20000;

// Writer 0 sends bytes 0x00-0x7F, writer 1 bytes 0x80-0xFF, so the output can be split by bit 7.
uint8_t writer_byte(int writer, size_t i) {
    return static_cast<uint8_t>((writer << 7) | (i % 128));
}

TEST(Uart16550Concurrency, TwoWritersAndHostInputLoseNothing) {
    UartHarness h;
    h.out(kMcr, 0x08);  // OUT2
    h.out(kIer, 0x03);  // received data + THR empty, so the IRQ line moves a lot

    std::vector<uint8_t> sent(kBytesReceived);
    for (size_t i = 0; i < sent.size(); ++i) sent[i] = static_cast<uint8_t>(i * 31 + 7);

    std::vector<std::thread> threads;
    for (int writer = 0; writer < 2; ++writer) {
        threads.emplace_back([&h, writer] {
            for (size_t i = 0; i < kBytesPerWriter; ++i) {
                h.out(kThr, writer_byte(writer, i));
                if (i % 16 == 0) h.in(kIir);  // an interrupt handler acknowledging THR empty
            }
        });
    }
    // The host input thread: offers the rest of its bytes until all were accepted.
    threads.emplace_back([&h, &sent] {
        size_t offered = 0;
        while (offered < sent.size()) {
            size_t chunk = std::min<size_t>(97, sent.size() - offered);
            size_t accepted =
                h.uart.receive(std::span<const uint8_t>(sent).subspan(offered, chunk));
            offered += accepted;
            if (accepted < chunk) std::this_thread::yield();
        }
    });
    // A third vCPU draining the receiver through LSR and RBR, as a polling driver does.
    std::vector<uint8_t> got;
    threads.emplace_back([&h, &got] {
        while (got.size() < kBytesReceived) {
            if (h.in(kLsr)&0x01) {
                got.push_back(h.in(kRbr));
            } else {
                std::this_thread::yield();
            }
        }
    });
    for (auto& t : threads) t.join();

    EXPECT_EQ(got, sent);

    std::vector<uint8_t> per_writer[2];
    {
        std::lock_guard lock(h.mutex);
        EXPECT_EQ(h.output.size(), 2 * kBytesPerWriter);
        EXPECT_EQ(h.output_calls, 2 * kBytesPerWriter);
        for (uint8_t b : h.output) per_writer[b >> 7].push_back(b);
    }
    for (int writer = 0; writer < 2; ++writer) {
        ASSERT_EQ(per_writer[writer].size(), kBytesPerWriter);
        for (size_t i = 0; i < kBytesPerWriter; ++i) {
            ASSERT_EQ(per_writer[writer][i], writer_byte(writer, i)) << "writer " << writer;
        }
    }

    // Quiesce: nothing received is waiting; acknowledge THR empty. The line must end low, and
    // every call must have been a change.
    EXPECT_EQ(h.in(kLsr)&0x01, 0);
    h.in(kIir);
    EXPECT_EQ(h.in(kIir), 0x01);
    auto edges = h.edges();
    ASSERT_FALSE(edges.empty());
    EXPECT_TRUE(edges.front());
    EXPECT_FALSE(edges.back());
    for (size_t i = 1; i < edges.size(); ++i) ASSERT_NE(edges[i], edges[i - 1]) << "edge " << i;
}

}  // namespace
}  // namespace svm::test
