// Interrupt identification, priorities, clearing rules and the OUT2-gated IRQ line of the 16550A
// model (PC16550D datasheet, Table IV).
#include <gtest/gtest.h>

#include <vector>

#include "tests/unit/devices/uart_harness.h"

namespace svm::test {
namespace {

using Edges = std::vector<bool>;

TEST(Uart16550Interrupts, ReceivedDataAvailablePendingUntilBufferEmpty) {
    UartHarness h;
    h.out(kMcr, 0x08);  // OUT2
    h.out(kIer, 0x01);  // ERBFI
    EXPECT_EQ(h.in(kIir), 0x01);
    ASSERT_EQ(h.receive("ab"), 2u);
    EXPECT_EQ(h.in(kIir), 0x04);
    EXPECT_EQ(h.in(kIir), 0x04);  // reading IIR does not clear it
    EXPECT_EQ(h.in(kRbr), 'a');
    EXPECT_EQ(h.in(kIir), 0x04);  // one byte still waiting
    EXPECT_EQ(h.edges(), Edges{true});
    EXPECT_EQ(h.in(kRbr), 'b');
    EXPECT_EQ(h.in(kIir), 0x01);
    EXPECT_EQ(h.edges(), (Edges{true, false}));
}

TEST(Uart16550Interrupts, TakeReceivedByteAlsoClearsReceivedData) {
    UartHarness h;
    h.out(kMcr, 0x08);
    h.out(kIer, 0x01);
    ASSERT_EQ(h.receive("q"), 1u);
    EXPECT_EQ(h.uart.take_received_byte(), std::optional<uint8_t>('q'));
    EXPECT_EQ(h.in(kIir), 0x01);
    EXPECT_EQ(h.edges(), (Edges{true, false}));
}

TEST(Uart16550Interrupts, ThrEmptyRaisedWhenEtbeiEnabledAndClearedByIirRead) {
    UartHarness h;
    h.out(kMcr, 0x08);
    h.out(kIer, 0x02);  // ETBEI 0 -> 1 with THR empty
    EXPECT_EQ(h.edges(), Edges{true});
    EXPECT_EQ(h.in(kIir), 0x02);  // reported, and so cleared
    EXPECT_EQ(h.in(kIir), 0x01);
    EXPECT_EQ(h.edges(), (Edges{true, false}));
    // Writing IER again with ETBEI already set is no 0 -> 1 transition.
    h.out(kIer, 0x02);
    EXPECT_EQ(h.in(kIir), 0x01);
    // Toggling ETBEI off and on raises it again (Linux's UART_BUG_THRE probe does this).
    h.out(kIer, 0x00);
    h.out(kIer, 0x02);
    EXPECT_EQ(h.in(kIir), 0x02);
    EXPECT_EQ(h.in(kIir), 0x01);
}

TEST(Uart16550Interrupts, ThrEmptyPendingAfterEachThrWrite) {
    UartHarness h;
    h.out(kMcr, 0x08);
    h.out(kIer, 0x02);
    EXPECT_EQ(h.in(kIir), 0x02);
    h.out(kThr, 'a');
    EXPECT_EQ(h.in(kIir), 0x02);
    EXPECT_EQ(h.in(kIir), 0x01);
    h.out(kThr, 'b');
    h.out(kThr, 'c');
    EXPECT_EQ(h.in(kIir), 0x02);
    EXPECT_EQ(h.in(kIir), 0x01);
    EXPECT_EQ(h.output_text(), "abc");
    EXPECT_EQ(h.edges(), (Edges{true, false, true, false, true, false}));
}

TEST(Uart16550Interrupts, ThrEmptyMaskedWhenEtbeiClear) {
    UartHarness h;
    h.out(kMcr, 0x08);
    h.out(kThr, 'a');
    EXPECT_EQ(h.in(kIir), 0x01);
    EXPECT_TRUE(h.edges().empty());
}

TEST(Uart16550Interrupts, LineStatusOnOverrunClearedByLsrRead) {
    UartHarness h;
    h.out(kMcr, 0x08);
    h.out(kIer, 0x04);  // ELSI only
    std::vector<uint8_t> fill(Uart16550::kReceiveCapacity + 1, 'x');
    EXPECT_EQ(h.uart.receive(fill), Uart16550::kReceiveCapacity);
    EXPECT_EQ(h.in(kIir), 0x06);
    EXPECT_EQ(h.in(kLsr), 0x63);
    EXPECT_EQ(h.in(kIir), 0x01);
    EXPECT_EQ(h.edges(), (Edges{true, false}));
}

TEST(Uart16550Interrupts, ModemStatusOnDeltaClearedByMsrRead) {
    UartHarness h;
    h.out(kIer, 0x08);  // EDSSI
    h.out(kMcr, 0x18);  // loopback + OUT2: DSR and CTS drop, DCD stays (OUT2 drives it)
    EXPECT_EQ(h.in(kIir), 0x00);
    EXPECT_EQ(h.edges(), Edges{true});
    EXPECT_EQ(h.in(kMsr), 0x83);  // DCD | DDSR | DCTS
    EXPECT_EQ(h.in(kIir), 0x01);
    EXPECT_EQ(h.edges(), (Edges{true, false}));
}

TEST(Uart16550Interrupts, AllSourcesReportedInPriorityOrder) {
    UartHarness h;
    h.out(kMcr, 0x18);  // loopback + OUT2; sets DDSR | DCTS
    h.out(kIer, 0x0f);  // all four; ETBEI 0 -> 1 makes THR empty pending
    std::vector<uint8_t> fill(Uart16550::kReceiveCapacity + 1, 'x');
    EXPECT_EQ(h.uart.receive(fill), Uart16550::kReceiveCapacity);  // data + overrun

    EXPECT_EQ(h.in(kIir), 0x06);  // receiver line status first
    EXPECT_EQ(h.in(kLsr), 0x63);
    EXPECT_EQ(h.in(kIir), 0x04);  // then received data
    for (size_t i = 0; i < Uart16550::kReceiveCapacity; ++i) h.in(kRbr);
    EXPECT_EQ(h.in(kIir), 0x02);  // then THR empty, cleared by this read
    EXPECT_EQ(h.in(kIir), 0x00);  // then modem status
    EXPECT_EQ(h.in(kMsr)&0x0f, 0x03);
    EXPECT_EQ(h.in(kIir), 0x01);
    // One interrupt episode: the line rose once and fell once.
    EXPECT_EQ(h.edges(), (Edges{true, false}));
}

TEST(Uart16550Interrupts, IirReadClearsThrEmptyOnlyWhenItIsTheReportedSource) {
    UartHarness h;
    h.out(kIer, 0x03);  // ERBFI | ETBEI: THR empty pending
    ASSERT_EQ(h.receive("a"), 1u);
    EXPECT_EQ(h.in(kIir), 0x04);  // received data hides THR empty, which stays pending
    EXPECT_EQ(h.in(kRbr), 'a');
    EXPECT_EQ(h.in(kIir), 0x02);
    EXPECT_EQ(h.in(kIir), 0x01);
}

TEST(Uart16550Interrupts, IirReportsFifoBitsWithInterruptId) {
    UartHarness h;
    h.out(kFcr, 0x01);
    h.out(kIer, 0x01);
    ASSERT_EQ(h.receive("a"), 1u);
    EXPECT_EQ(h.in(kIir), 0xc4);
}

TEST(Uart16550Interrupts, IrqLineGatedByOut2) {
    UartHarness h;
    h.out(kIer, 0x01);
    ASSERT_EQ(h.receive("a"), 1u);
    EXPECT_EQ(h.in(kIir), 0x04);
    EXPECT_TRUE(h.edges().empty());  // pending, but OUT2 is clear
    h.out(kMcr, 0x08);
    EXPECT_EQ(h.edges(), Edges{true});
    h.out(kMcr, 0x0b);  // still OUT2: no new call
    EXPECT_EQ(h.edges(), Edges{true});
    h.out(kMcr, 0x03);
    EXPECT_EQ(h.edges(), (Edges{true, false}));
    h.out(kMcr, 0x08);
    EXPECT_EQ(h.edges(), (Edges{true, false, true}));
    EXPECT_EQ(h.in(kRbr), 'a');
    EXPECT_EQ(h.edges(), (Edges{true, false, true, false}));
}

TEST(Uart16550Interrupts, IrqLineCalledOnlyOnChanges) {
    UartHarness h;
    h.out(kMcr, 0x08);
    h.out(kIer, 0x01);
    ASSERT_EQ(h.receive("a"), 1u);
    ASSERT_EQ(h.receive("bc"), 2u);
    h.out(kScr, 1);
    h.in(kLsr);
    EXPECT_EQ(h.edges(), Edges{true});
    h.out(kIer, 0x00);  // masking the source drops the line
    EXPECT_EQ(h.edges(), (Edges{true, false}));
    h.out(kIer, 0x01);
    EXPECT_EQ(h.edges(), (Edges{true, false, true}));
}

TEST(Uart16550Interrupts, IrqLineMayReenterTheUart) {
    // An IrqLine that services the interrupt at once, as a synchronous interrupt controller model
    // might: it reads RBR from inside the callback. No deadlock, and the line ends low.
    UartHarness h;
    std::string drained;
    h.on_irq = [&](bool asserted) {
        if (!asserted) return;
        while (h.in(kLsr)&0x01) drained.push_back(static_cast<char>(h.in(kRbr)));
    };
    h.out(kMcr, 0x08);
    h.out(kIer, 0x01);
    ASSERT_EQ(h.receive("hey"), 3u);
    EXPECT_EQ(drained, "hey");
    EXPECT_EQ(h.edges(), (Edges{true, false}));
    EXPECT_EQ(h.in(kIir), 0x01);
}

TEST(Uart16550Interrupts, WorksWithoutIrqLine) {
    std::vector<uint8_t> out;
    Uart16550 uart([&](std::span<const uint8_t> b) { out.insert(out.end(), b.begin(), b.end()); },
                   IrqLine{});
    uint8_t v = 0x0f;
    uart.write(kIer, std::span<const uint8_t>(&v, 1));
    v = 0x08;
    uart.write(kMcr, std::span<const uint8_t>(&v, 1));
    v = 'o';
    uart.write(kThr, std::span<const uint8_t>(&v, 1));
    uart.read(kIir, std::span<uint8_t>(&v, 1));
    EXPECT_EQ(v, 0x02);
    EXPECT_EQ(out, std::vector<uint8_t>{'o'});
}

}  // namespace
}  // namespace svm::test
